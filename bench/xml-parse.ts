/**
 * XML parse benchmark: the cost of `parseXml` on the ITI-38 responses the broker reads. Builds one
 * AdhocQueryResponse envelope per community of the default data pack (FindDocuments LeafClass for
 * `examples.inAllCommunities`, as each responding gateway would answer), then times `parseXml`
 * alone and `parseXml` + `parseSoapEnvelope` + `decodeAdhocQueryResponse` (what the broker does
 * with each community's answer). Prints figures only; asserts nothing. Run alone with
 * `npx tsx bench/xml-parse.ts`; `xmlParseBench()` is the entry point for `bench/run.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import { respondToQuery } from '../simulator/gateway/cross-gateway-query.js';
import { buildSoapEnvelope, parseSoapEnvelope } from '../simulator/soap/envelope.js';
import { parseXml } from '../simulator/soap/xml.js';
import { decodeAdhocQueryRequest } from '../simulator/xca/adhoc-query-request.js';
import { decodeAdhocQueryResponse, encodeAdhocQueryResponse } from '../simulator/xca/adhoc-query-response.js';
import { SoapAction } from '../simulator/xca/constants.js';

const WARM_UP_MS = 500;
const MEASURE_MS = 2_000;

/** Mean ms per call of `fn` over every envelope, after a warm-up; runs for about `MEASURE_MS`. */
function timePerEnvelope(envelopes: readonly string[], fn: (xml: string) => unknown): number {
  const run = (budgetMs: number): { n: number; ms: number } => {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < budgetMs) {
      for (const xml of envelopes) fn(xml);
      n += envelopes.length;
      t = performance.now();
    }
    return { n, ms: t - t0 };
  };
  run(WARM_UP_MS);
  const { n, ms } = run(MEASURE_MS);
  return ms / n;
}

/** The ITI-38 response envelopes of every community of the default pack for one patient. */
async function responseEnvelopes(): Promise<string[]> {
  const pack = await loadDataPack('data-packs/default');
  const nhs = pack.manifest.examples.inAllCommunities;
  if (nhs === undefined) throw new Error('the default pack has no inAllCommunities example');
  const reqEnv = parseSoapEnvelope(parseXml(findDocumentsEnvelope(nhs)), []);
  const req = decodeAdhocQueryRequest(reqEnv.body!);
  return pack.communities.map((c) =>
    buildSoapEnvelope({
      action: SoapAction.CrossGatewayQueryResponse,
      relatesTo: reqEnv.addressing.messageId ?? 'urn:uuid:00000000-0000-4000-8000-000000000000',
      bodyXml: encodeAdhocQueryResponse(respondToQuery(req, c)),
    }),
  );
}

/** Run the XML parse benchmark and print its figures. */
export async function xmlParseBench(): Promise<void> {
  const envelopes = await responseEnvelopes();
  const sizes = envelopes.map((e) => Buffer.byteLength(e));
  const kb = sizes.reduce((a, b) => a + b, 0) / envelopes.length / 1024;
  const decode = (xml: string): number => {
    const env = parseSoapEnvelope(parseXml(xml), [], { enforceMustUnderstand: false });
    return decodeAdhocQueryResponse(env.body!).objects.length;
  };
  const objects = envelopes.reduce((n, xml) => n + decode(xml), 0);
  const parseMs = timePerEnvelope(envelopes, parseXml);
  const decodeMs = timePerEnvelope(envelopes, decode);
  console.log(
    `xml-parse: ${envelopes.length} ITI-38 response envelopes, mean ${kb.toFixed(1)} KB ` +
      `(${Math.min(...sizes)}-${Math.max(...sizes)} bytes), ${objects} DocumentEntries in all`,
  );
  console.log(`  parseXml                                          ${parseMs.toFixed(3)} ms/envelope`);
  console.log(`  parseXml + parseSoapEnvelope + decodeAdhocQuery…  ${decodeMs.toFixed(3)} ms/envelope`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await xmlParseBench();
