/**
 * Fixtures of the imaging tests: an imaging pack generated into a temporary directory and served
 * by a topology on port 0, RAD-75 envelopes, the NIST RAD-75 request bodies with their UIDs
 * replaced by a pack's, and the checks every returned DICOM part must pass.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { TransactionEvent } from '../../simulator/events/transaction-events.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { generateDataPack, type GenerateOptions } from '../../simulator/data-pack/generator.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { CommunityData, DataPack } from '../../simulator/data-pack/pack-format.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import type { DeadlineClock } from '../../simulator/shared/clock.js';
import { silentLogger, type Logger } from '../../simulator/shared/logger.js';
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { parseXml, type Element } from '../../simulator/soap/xml.js';
import { SoapAction } from '../../simulator/xca/constants.js';
import {
  decodeRetrieveImagingDocumentSetRequest,
  encodeRetrieveImagingDocumentSetRequest,
  type RetrieveImagingDocumentSetRequest,
} from '../../simulator/xca/retrieve-imaging-document-set.js';
import type { DocumentResponse } from '../../simulator/xca/types.js';
import { readReference } from './reference.js';
import { skipWithoutTool } from './system-tools.js';
import {
  dciodvfyAvailable,
  dciodvfyBuffers,
  dcmdumpBuffers,
  identity,
  parseDicom,
} from './imaging-dicom-tools.js';

/** A topology over a generated imaging pack, removed again by `stop()`. */
export interface ImagingTopology {
  running: RunningTopology;
  pack: DataPack;
  faults: FaultStore;
  transactions: TransactionEvent[];
  stop(): Promise<void>;
}

/** Generate `opts` into a temporary directory and serve every community of it on port 0. */
export async function startImagingTopology(
  opts: Omit<GenerateOptions, 'outDir'>,
  deadlineMs = 5_000,
  logger: Logger = silentLogger(),
  clock?: DeadlineClock,
): Promise<ImagingTopology> {
  const dir = await mkdtemp(join(tmpdir(), 'nir-sim-imaging-'));
  await generateDataPack({ ...opts, outDir: dir });
  const pack = await loadDataPack(dir);
  const faults = new FaultStore(1, () => pack.communities.map((c) => c.name));
  const running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: dir,
      communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
    },
    { logger, faults, ...(clock ? { clock } : {}) },
  );
  const transactions: TransactionEvent[] = [];
  running.events.on('transaction', (e) => transactions.push(e));
  return {
    running,
    pack,
    faults,
    transactions,
    stop: async () => {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A RAD-75 request envelope around `body` (an iherad:RetrieveImagingDocumentSetRequest). */
export function rad75Envelope(body: string | RetrieveImagingDocumentSetRequest): string {
  return buildSoapEnvelope({
    action: SoapAction.CrossGatewayRetrieveImagingDocumentSet,
    to: 'http://nir.invalid/xcai/rad75',
    bodyXml: typeof body === 'string' ? body : encodeRetrieveImagingDocumentSetRequest(body),
  });
}

/** Every image of a study of a community as a RAD-75 request (Explicit VR Little Endian first). */
export function wholeStudyRequest(
  c: CommunityData,
  studyIndex: number,
  transferSyntaxUids = ['1.2.840.10008.1.2.1'],
): RetrieveImagingDocumentSetRequest {
  const st = c.imaging[studyIndex]!;
  return {
    studies: [
      {
        studyInstanceUid: st.studyInstanceUid,
        series: st.series.map((se) => ({
          seriesInstanceUid: se.seriesInstanceUid,
          documents: se.instances.map((i) => ({
            homeCommunityId: c.homeCommunityId,
            repositoryUniqueId: c.repositoryUniqueId,
            documentUniqueId: i.sopInstanceUid,
          })),
        })),
      },
    ],
    transferSyntaxUids,
  };
}

const R = 'urn:ihe:rad:xdsi-b:2009';

/** The RetrieveImagingDocumentSetRequest element of a reference file (a body, or inside a test plan). */
function nistRequestElement(relPath: string): Element {
  const el = parseXml(readReference(relPath)).getElementsByTagNameNS(
    R,
    'RetrieveImagingDocumentSetRequest',
  )[0];
  if (!el) throw new Error(`${relPath} holds no RetrieveImagingDocumentSetRequest`);
  return el;
}

/**
 * Replaces the UIDs of NIST RAD-75 requests with a pack's, consistently across files: each NIST
 * HomeCommunityId names a community (`communities`), each (community, NIST study) the next unused
 * study of that community, its series that study's series, the n-th distinct NIST image of a
 * series the n-th image. Repository ids become the community's repository. Ids ending `.999`
 * (NIST's unknown ones) are kept, so they stay unknown.
 */
export class NistUidMap {
  readonly values = new Map<string, string>();
  private readonly nextStudy = new Map<string, number>();
  private readonly imagesOfSeries = new Map<string, number>();

  constructor(private readonly communities: Readonly<Record<string, CommunityData>>) {}

  /** The body of `relPath` with every mapped UID replaced, as text (its own prefixes and layout kept). */
  body(relPath: string): string {
    this.learn(decodeRetrieveImagingDocumentSetRequest(nistRequestElement(relPath)));
    return readReference(relPath).replace(
      /(>|=")\s*([^<"\s]+)\s*(<|")/g,
      (m, a: string, v: string, b: string) => {
        const to = this.values.get(v);
        return to === undefined ? m : `${a}${to}${b}`;
      },
    );
  }

  /** The request of `relPath` decoded with its UIDs replaced. */
  request(relPath: string): RetrieveImagingDocumentSetRequest {
    const el = parseXml(this.body(relPath)).getElementsByTagNameNS(
      R,
      'RetrieveImagingDocumentSetRequest',
    )[0]!;
    return decodeRetrieveImagingDocumentSetRequest(el);
  }

  private learn(req: RetrieveImagingDocumentSetRequest): void {
    for (const st of req.studies) {
      for (const se of st.series) {
        for (const d of se.documents) {
          const c = this.communities[d.homeCommunityId ?? ''];
          if (!c) continue;
          this.values.set(d.homeCommunityId!, c.homeCommunityId);
          if (!d.repositoryUniqueId.endsWith('.999'))
            this.values.set(d.repositoryUniqueId, c.repositoryUniqueId);
          // A NIST study UID keeps its first mapping (5405b asks two communities under one study UID).
          if (!this.values.has(st.studyInstanceUid)) {
            const n = this.nextStudy.get(c.name) ?? 0;
            this.nextStudy.set(c.name, n + 1);
            const study = c.imaging[n]!;
            this.values.set(st.studyInstanceUid, study.studyInstanceUid);
            this.values.set(se.seriesInstanceUid, study.series[0]!.seriesInstanceUid);
          }
          const series = c.imaging
            .flatMap((x) => x.series)
            .find((x) => x.seriesInstanceUid === this.values.get(se.seriesInstanceUid));
          if (!series || d.documentUniqueId.endsWith('.999') || this.values.has(d.documentUniqueId)) continue;
          const k = this.imagesOfSeries.get(series.seriesInstanceUid) ?? 0;
          this.imagesOfSeries.set(series.seriesInstanceUid, k + 1);
          this.values.set(d.documentUniqueId, series.instances[k]!.sopInstanceUid);
        }
      }
    }
  }
}

/**
 * Every returned DICOM part is the pack's image, byte for byte (or re-encoded in `transferSyntax`),
 * passes dcmdump and dciodvfy, and dicom-parser reads its SOP Instance UID = the DocumentUniqueId.
 * Without dcmdump (DCMTK) or dciodvfy (dicom3tools) outside CI only that tool's check is left out
 * (the global setup names the package); under CI their absence fails.
 */
export async function expectPackImages(
  pack: DataPack,
  documents: readonly DocumentResponse[],
  transferSyntax = '1.2.840.10008.1.2.1',
): Promise<void> {
  if (!skipWithoutTool('dcmdump')) {
    expect(await dcmdumpBuffers(documents.map((d) => d.content))).toEqual([]);
  }
  if (dciodvfyAvailable())
    expect(await dciodvfyBuffers(documents.map((d) => d.content))).toEqual({ errors: [], warnings: [] });
  for (const d of documents) {
    expect(d.mimeType).toBe('application/dicom');
    const c = pack.communities.find((x) => x.homeCommunityId === d.homeCommunityId)!;
    const study = c.imaging.find((s) =>
      s.series.some((se) => se.instances.some((i) => i.sopInstanceUid === d.documentUniqueId)),
    )!;
    const series = study.series.find((se) =>
      se.instances.some((i) => i.sopInstanceUid === d.documentUniqueId),
    )!;
    const id = identity(parseDicom(d.content));
    expect(id).toMatchObject({
      transferSyntaxUid: transferSyntax,
      sopInstanceUid: d.documentUniqueId,
      studyInstanceUid: study.studyInstanceUid,
      seriesInstanceUid: series.seriesInstanceUid,
    });
    if (transferSyntax === '1.2.840.10008.1.2.1') {
      const file = c.findImage(study.studyInstanceUid, series.seriesInstanceUid, d.documentUniqueId)!;
      expect(d.content.equals(await readFile(file.path))).toBe(true);
    }
  }
}
