/**
 * The MHD bench's third part: one ITI-68 Retrieve Document of a large document (100 MB) through the
 * broker (`GET /fhir/document?...`, IHE MHD ITI TF-2 3.68) beside the same document fetched from its
 * community directly (an XCA community: ITI-39 with the broker's own streamed SOAP client; an MHD
 * community: its own ITI-68 GET), the communities in one process (bench/iti68-community-process.ts),
 * the broker in another. Per side: throughput in MB/s (10^6 bytes per second, the consumer reading
 * and hashing every byte as it arrives, holding none) and, through the broker, the growth of the
 * broker process's RSS above its level before the first (sampled every 50 ms, the peak of all
 * retrieves; a fresh broker process per community, warmed with a small document of the same
 * community): what the broker holds of the document. Every answer is checked: all the bytes, their SHA-1 the
 * DocumentEntry's. Prints and records figures only; asserts nothing.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { FhirPath, mhdEndpoints } from '../simulator/shared/fhir-endpoints.js';
import { xcaEndpoints } from '../simulator/shared/xca-endpoints.js';
import { soapCallStreamed } from '../simulator/soap/client-stream.js';
import { SoapAction } from '../simulator/xca/constants.js';
import { encodeRetrieveDocumentSetRequest } from '../simulator/xca/retrieve-document-set.js';
import { pause } from './bench-processes.js';
import type { BrokerUrls } from './broker-process.js';
import { BenchChild } from './child.js';
import { recordFigure } from './figures.js';
import type { LargeDocument, LargeDocumentCommunities } from './iti68-community-process.js';
import { median, sorted } from './measure.js';

const SECTION = 'mhd';
/** The document's size, bytes (100 MB). */
const DOCUMENT_BYTES = 100 * 1000 * 1000;
/** Retrieves per side (alternating direct and through the broker). */
const RUNS = 3;
const DEADLINE_MS = 120_000;

/** One retrieve: how long, and the broker's peak RSS while it ran (through the broker only), bytes. */
interface Run {
  ms: number;
  peakRssBytes?: number;
}

/** Read `body` to its end, hashing it; throws unless it is `doc`'s bytes. */
async function readChecked(body: AsyncIterable<Uint8Array> | Readable, doc: LargeDocument): Promise<void> {
  const sha1 = createHash('sha1');
  let n = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    n += chunk.byteLength;
    sha1.update(chunk);
  }
  const hash = sha1.digest('hex');
  if (n !== doc.size || hash !== doc.hash)
    throw new Error(`got ${n} bytes with SHA-1 ${hash}, expected ${doc.size} bytes with ${doc.hash}`);
}

function iti68Query(doc: LargeDocument): string {
  return new URLSearchParams({
    homeCommunityId: doc.homeCommunityId,
    repositoryUniqueId: doc.repositoryUniqueId,
    uniqueId: doc.uniqueId,
  }).toString();
}

async function get(url: string, doc: LargeDocument): Promise<void> {
  const res = await fetch(url);
  if (res.status !== 200 || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`);
  await readChecked(res.body as AsyncIterable<Uint8Array>, doc);
}

/** The document from its XCA community directly: ITI-39 with the broker's streamed SOAP client. */
async function iti39Direct(communityUrl: string, doc: LargeDocument): Promise<void> {
  const res = await soapCallStreamed({
    url: xcaEndpoints(communityUrl)['ITI-39'],
    action: SoapAction.CrossGatewayRetrieve,
    bodyXml: encodeRetrieveDocumentSetRequest({
      documents: [
        {
          homeCommunityId: doc.homeCommunityId,
          repositoryUniqueId: doc.repositoryUniqueId,
          documentUniqueId: doc.uniqueId,
        },
      ],
    }),
    idleTimeoutMs: DEADLINE_MS,
  });
  const part = await res.parts.next();
  if (!part) throw new Error('the ITI-39 answer has no document part');
  await readChecked(part.body, doc);
  while (await res.parts.next()) {
    // nothing follows the one document
  }
}

async function timed(fn: () => Promise<void>, broker?: BenchChild): Promise<Run> {
  let peak = broker ? (await broker.usage()).rssBytes : 0;
  let sampling = broker !== undefined;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await broker!.usage()).rssBytes);
      await pause(50);
    }
  })();
  const t0 = performance.now();
  try {
    await fn();
  } finally {
    sampling = false;
    await sampler;
  }
  const ms = performance.now() - t0;
  if (broker) peak = Math.max(peak, (await broker.usage()).rssBytes);
  return broker ? { ms, peakRssBytes: peak } : { ms };
}

const mbPerS = (ms: number): number => DOCUMENT_BYTES / 1e6 / (ms / 1000);

/** Run the large ITI-68 part: an XCA community and an MHD community, direct beside through the broker. */
export async function iti68LargeDocumentBench(): Promise<void> {
  const communities = BenchChild.start('./iti68-community-process.ts', 'large-document communities process');
  try {
    const started = await communities.call<LargeDocumentCommunities>('start', { bytes: DOCUMENT_BYTES });
    console.log(
      `mhd ITI-68: one ${DOCUMENT_BYTES / 1e6} MB document, ${RUNS} retrieves per side alternating, a fresh broker process per community; MB/s = 10^6 bytes/s read and hashed by the consumer; RSS growth: the broker process's peak RSS above its level after two retrieves of a small document`,
    );
    for (const [i, c] of started.communities.entries()) {
      const doc = started.documents[i]!;
      const small = { ...doc, ...doc.small };
      const kind = c.protocol === 'mhd' ? 'MHD' : 'XCA';
      const direct = (d: LargeDocument) =>
        c.protocol === 'mhd'
          ? get(`${mhdEndpoints(c.url)['ITI-68']}?${iti68Query(d)}`, d)
          : iti39Direct(c.url, d);
      const broker = BenchChild.start('./broker-process.ts', `broker process (${kind})`);
      let rssMb: number;
      const d: Run[] = [];
      const b: Run[] = [];
      try {
        const urls = await broker.call<BrokerUrls>('start', {
          communities: [c],
          deadlineMs: DEADLINE_MS,
        });
        const through = (x: LargeDocument) =>
          get(`${new URL(urls.iti67Url).origin}${FhirPath.iti68}?${iti68Query(x)}`, x);
        // Warm both paths with a small document: the growth measured is then the large one's.
        for (let w = 0; w < 2; w++) {
          await direct(small);
          await through(small);
        }
        await pause(300);
        const rssBefore = (await broker.usage()).rssBytes;
        for (let r = 0; r < RUNS; r++) {
          d.push(await timed(() => direct(doc)));
          b.push(await timed(() => through(doc), broker));
        }
        rssMb = (Math.max(...b.map((x) => x.peakRssBytes ?? 0)) - rssBefore) / 1e6;
      } finally {
        await broker.close();
      }
      const directMbS = median(sorted(d.map((x) => mbPerS(x.ms))));
      const brokerMbS = median(sorted(b.map((x) => mbPerS(x.ms))));
      const what = `ITI-68 ${DOCUMENT_BYTES / 1e6} MB ${kind} community`;
      const detail = `${RUNS} retrieves per side, median; ${kind === 'MHD' ? 'direct: its ITI-68 GET' : 'direct: ITI-39 with the streamed SOAP client'}`;
      recordFigure({ section: SECTION, name: `${what} direct`, value: directMbS, unit: 'MB/s', detail });
      recordFigure({
        section: SECTION,
        name: `${what} through the broker`,
        value: brokerMbS,
        unit: 'MB/s',
        detail,
      });
      recordFigure({
        section: SECTION,
        name: `${what} broker / direct throughput`,
        value: brokerMbS / directMbS,
        unit: 'ratio',
      });
      recordFigure({
        section: SECTION,
        name: `${what} broker RSS growth`,
        value: rssMb,
        unit: 'MB',
        detail: `peak of ${RUNS} retrieves above the RSS before them, sampled every 50 ms`,
      });
      console.log(
        `  ${kind} community: direct ${directMbS.toFixed(0)} MB/s, through the broker ${brokerMbS.toFixed(0)} MB/s (${(brokerMbS / directMbS).toFixed(2)}), broker RSS growth ${rssMb.toFixed(0)} MB`,
      );
    }
  } finally {
    await communities.close();
  }
}
