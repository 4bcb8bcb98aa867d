/**
 * XML parse benchmark: the cost of `parseXml` on the ITI-38 responses the broker reads. Builds one
 * AdhocQueryResponse envelope per community of the default data pack (FindDocuments LeafClass for
 * `examples.inAllCommunities`, as each responding gateway would answer), then times `parseXml`
 * alone, `parseSoapXml` + `decodeAdhocQueryResponse` with a tree of the whole answer and with the
 * registry objects read during the parse (`readRegistryObjectContent`: what the broker does with
 * each community's answer), and `parseSoapXml` + `decodeAdhocQueryRequest` of the FindDocuments
 * request (what each responding gateway does with the broker's request). Each figure is CPU time per envelope
 * (`process.cpuUsage`, user + system, ms), which a busy machine disturbs far less than wall time;
 * the wall time is printed beside it. Prints and records figures only (`recordFigure`); asserts
 * nothing. Run alone with `npx tsx bench/xml-parse.ts`; `xmlParseBench()` is the entry point for
 * `bench/run.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import { respondToQuery } from '../simulator/gateway/cross-gateway-query.js';
import { buildSoapEnvelope, parseSoapEnvelope } from '../simulator/soap/envelope.js';
import { parseSoapXml } from '../simulator/soap/message-body.js';
import { parseXml } from '../simulator/soap/xml.js';
import { decodeAdhocQueryRequest } from '../simulator/xca/adhoc-query-request.js';
import { decodeAdhocQueryResponse, encodeAdhocQueryResponse } from '../simulator/xca/adhoc-query-response.js';
import { SoapAction } from '../simulator/xca/constants.js';
import { readRegistryObjectContent } from '../simulator/xca/registry-object-content.js';
import { recordFigure } from './figures.js';

const WARM_UP_MS = 500;
const MEASURE_MS = 2_000;

/** Mean CPU ms (user + system) and wall ms per call of `fn`. */
interface PerEnvelope {
  cpuMs: number;
  wallMs: number;
}

/** Mean ms per call of `fn` over every envelope, after a warm-up; runs for about `MEASURE_MS`. */
function timePerEnvelope(envelopes: readonly string[], fn: (xml: string) => unknown): PerEnvelope {
  const run = (budgetMs: number): PerEnvelope => {
    let n = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < budgetMs) {
      for (const xml of envelopes) fn(xml);
      n += envelopes.length;
      t = performance.now();
    }
    const cpu = process.cpuUsage(cpu0);
    return { cpuMs: (cpu.user + cpu.system) / 1000 / n, wallMs: (t - t0) / n };
  };
  run(WARM_UP_MS);
  return run(MEASURE_MS);
}

/**
 * The FindDocuments request envelope and the ITI-38 response envelopes of every community of the
 * default pack for one patient.
 */
async function envelopes(): Promise<{ request: string; responses: string[] }> {
  const pack = await loadDataPack('data-packs/default');
  const nhs = pack.manifest.examples.inAllCommunities;
  if (nhs === undefined) throw new Error('the default pack has no inAllCommunities example');
  const request = findDocumentsEnvelope(nhs);
  const reqEnv = parseSoapEnvelope(parseXml(request), []);
  const req = decodeAdhocQueryRequest(reqEnv.body!);
  const responses = pack.communities.map((c) =>
    buildSoapEnvelope({
      action: SoapAction.CrossGatewayQueryResponse,
      relatesTo: reqEnv.addressing.messageId ?? 'urn:uuid:00000000-0000-4000-8000-000000000000',
      bodyXml: encodeAdhocQueryResponse(respondToQuery(req, c)),
    }),
  );
  return { request, responses };
}

/** Run the XML parse benchmark, print its figures and record them. */
export async function xmlParseBench(): Promise<void> {
  const { request, responses } = await envelopes();
  const sizes = responses.map((e) => Buffer.byteLength(e));
  const kb = sizes.reduce((a, b) => a + b, 0) / responses.length / 1024;
  const decode = (xml: string): number =>
    decodeAdhocQueryResponse(parseSoapXml(xml, [], { enforceMustUnderstand: false }).body!).objects.length;
  const decodeReading = (xml: string): number =>
    decodeAdhocQueryResponse(
      parseSoapXml(xml, [], { enforceMustUnderstand: false, readContent: readRegistryObjectContent }).body!,
    ).objects.length;
  const decodeRequest = (xml: string): string =>
    decodeAdhocQueryRequest(parseSoapXml(xml, [], { enforceMustUnderstand: false }).body!).queryId;
  const objects = responses.reduce((n, xml) => n + decode(xml), 0);
  const detail = `${responses.length} ITI-38 response envelopes, mean ${kb.toFixed(1)} KB, ${objects} DocumentEntries`;
  console.log(
    `xml-parse: ${responses.length} ITI-38 response envelopes, mean ${kb.toFixed(1)} KB ` +
      `(${Math.min(...sizes)}-${Math.max(...sizes)} bytes), ${objects} DocumentEntries in all; ` +
      `FindDocuments request ${Buffer.byteLength(request)} bytes`,
  );
  const figures: [name: string, what: string, xmls: readonly string[], fn: (xml: string) => unknown][] = [
    ['parseXml', 'parseXml', responses, parseXml],
    ['ITI-38 answer decode', 'parseSoapXml + decodeAdhocQueryResponse', responses, decode],
    ['ITI-38 answer decode, objects read', 'the same, no tree below the objects', responses, decodeReading],
    ['ITI-38 request decode', 'parseSoapXml + decodeAdhocQueryRequest', [request], decodeRequest],
  ];
  for (const [name, what, xmls, fn] of figures) {
    const { cpuMs, wallMs } = timePerEnvelope(xmls, fn);
    console.log(`  ${what.padEnd(42)} ${cpuMs.toFixed(3)} ms CPU/envelope (${wallMs.toFixed(3)} ms wall)`);
    const d = xmls === responses ? detail : `FindDocuments request, ${Buffer.byteLength(request)} bytes`;
    recordFigure({ section: 'xml-parse', name: `${name} CPU`, value: cpuMs, unit: 'ms', detail: d });
    recordFigure({ section: 'xml-parse', name: `${name} wall`, value: wallMs, unit: 'ms', detail: d });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await xmlParseBench();
