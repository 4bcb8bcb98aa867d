/**
 * Writes a synthetic data pack (format: pack-format.ts, data-packs/README.md). Deterministic: the
 * same options and generator version give byte-identical files (seeded faker streams, counters for
 * every id, dates from an injected clock, PDFs with fixed metadata dates, fixed JSON key order,
 * DICOM files whose every value derives from the study: dicom/).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fixedClock, type Clock } from '../shared/clock.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { isOid } from '../shared/ids.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { MAX_COMMUNITIES, communityManifest } from './communities.js';
import { formatPatientsCsv } from './csv.js';
import { TransferSyntax } from './dicom/dicom-uids.js';
import {
  PACK_SCHEMA_VERSION,
  PackFiles,
  communityDir,
  documentFile,
  type CommunityManifest,
  type ImagingOptions,
  type ImagingStudy,
  type PackManifest,
  type PatientRow,
  type SpreadExamples,
} from './pack-format.js';
import type { SyntheticPatient } from './patients.js';
import { reportEntry, reportPdfContent } from './report-entry.js';
import { NIR_SIM_UID_ROOT } from './uids.js';

/** Bump when output for the same options changes (1.1.0: imaging packs, DICOM and KOS manifests). */
const GENERATOR_VERSION = '1.1.0';

/** Reference instant used when no clock is given: 2025-01-01T00:00:00Z (ms since the epoch). */
const DEFAULT_REFERENCE_MS = Date.UTC(2025, 0, 1);

/** Most patients one pack may have. */
const MAX_PATIENTS = 100_000;

/** Options of {@link generateDataPack}. */
export interface GenerateOptions {
  /** Non-negative safe integer. */
  seed: number;
  /** 1 .. MAX_COMMUNITIES. */
  communities: number;
  /** 0 .. MAX_PATIENTS. */
  patients: number;
  /**
   * Directory to write; created if absent. pack.json, patients.csv and communities/ already there
   * are deleted first; other files are left alone.
   */
  outDir: string;
  /** Read once for the reference instant all dates lie before; default fixedClock(DEFAULT_REFERENCE_MS). */
  clock?: Clock;
  /** OID arc for every generated id; default NIR_SIM_UID_ROOT. */
  uidRoot?: string;
  /**
   * Studies per patient in each community that knows them, drawn uniformly; default 2..4. For
   * benchmarks that need many documents per patient; not recorded in pack.json.
   */
  studiesPerCommunity?: { min: number; max: number };
  /**
   * Give every study DICOM images and a KOS manifest DocumentEntry beside its report (recorded in
   * pack.json `imaging`). Limits: series 1..100, instances 1..10 000 per series, rows and columns
   * 1..4096, frames 1..1000.
   */
  imaging?: ImagingOptions;
}

/** What was written. */
export interface GenerateSummary {
  /** Absolute directory. */
  outDir: string;
  manifest: PackManifest;
  /** Files written. */
  files: number;
  /** Bytes written across all files. */
  bytes: number;
}

/**
 * The committed default pack: `data-packs/default`, with tiny imaging studies (1 series of 2
 * images of 16 x 16 pixels) so the ITI-38 -> KOS -> ITI-39 -> RAD-75 flow works out of the box.
 */
export const DEFAULT_PACK = {
  seed: 42,
  communities: 3,
  patients: 30,
  imaging: { series: 1, instances: 2, rows: 16, columns: 16, frames: 1 },
} as const;

/** Limits of {@link GenerateOptions.imaging}, inclusive. */
export const IMAGING_LIMITS = {
  series: { min: 1, max: 100 },
  instances: { min: 1, max: 10_000 },
  rows: { min: 1, max: 4096 },
  columns: { min: 1, max: 4096 },
  frames: { min: 1, max: 1000 },
} as const;

const DEFAULT_STUDIES = { min: 2, max: 4 } as const;

/**
 * What synthesises patients and studies (faker) and renders reports (pdfkit) and images (dcmjs),
 * loaded on the first generation only: loading these three takes about 0.6 s of CPU, which a
 * process that only reads a pack (`sim up` over a pack already generated, the gateways) never needs.
 */
async function synthesis() {
  const [patients, studies, pdf, imaging] = await Promise.all([
    import('./patients.js'),
    import('./studies.js'),
    import('./report-pdf.js'),
    import('./dicom/study-files.js'),
  ]);
  return {
    countSpread: patients.countSpread,
    synthesisePatients: patients.synthesisePatients,
    synthesiseStudies: studies.synthesiseStudies,
    renderReportPdf: pdf.renderReportPdf,
    writeStudyImaging: imaging.writeStudyImaging,
  };
}

/** The functions {@link synthesis} loads. */
type Synthesis = Awaited<ReturnType<typeof synthesis>>;

function checkOptions(o: GenerateOptions, uidRoot: string): void {
  const bad = (what: string): never => {
    throw new SimError(SimErrorCode.BadArgument, `data-pack generate: ${what}`);
  };
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) bad(`--seed must be a whole number >= 0, got ${o.seed}`);
  const st = o.studiesPerCommunity;
  if (
    st &&
    !(
      Number.isInteger(st.min) &&
      Number.isInteger(st.max) &&
      st.min >= 1 &&
      st.max >= st.min &&
      st.max <= 100
    )
  ) {
    bad(`studies per community must satisfy 1 <= min <= max <= 100, got ${st.min}..${st.max}`);
  }
  if (!Number.isInteger(o.communities) || o.communities < 1 || o.communities > MAX_COMMUNITIES) {
    bad(`--communities must be 1..${MAX_COMMUNITIES}, got ${o.communities}`);
  }
  if (!Number.isInteger(o.patients) || o.patients < 0 || o.patients > MAX_PATIENTS) {
    bad(`--patients must be 0..${MAX_PATIENTS}, got ${o.patients}`);
  }
  // Longest derived id is R.4.<c>.<n>; leave room for it within the 64-character OID limit.
  if (!isOid(uidRoot) || uidRoot.length > 44)
    bad(`uidRoot must be an OID of at most 44 characters (room for arcs within 64), got ${uidRoot}`);
  if (o.imaging) checkImaging(o, uidRoot, bad);
}

/** Imaging options within IMAGING_LIMITS, and the longest image UID within 64 characters. */
function checkImaging(o: GenerateOptions, uidRoot: string, bad: (what: string) => never): void {
  const im = o.imaging!;
  for (const [key, { min, max }] of Object.entries(IMAGING_LIMITS)) {
    const v = im[key as keyof ImagingOptions];
    if (!Number.isInteger(v) || v < min || v > max)
      bad(`--${key === 'columns' ? 'cols' : key} must be ${min}..${max}, got ${v}`);
  }
  const studies = o.patients * (o.studiesPerCommunity ?? DEFAULT_STUDIES).max;
  const longest = `${uidRoot}.7.${o.communities}.${studies}.${im.series * im.instances}`;
  if (longest.length > 64)
    bad(
      `so many communities, studies and images would make UIDs longer than 64 characters (${longest}): use fewer`,
    );
}

/**
 * Remove what an earlier pack in `dir` wrote (pack.json, patients.csv, communities/), so the new
 * pack's files are exactly the generated ones; other files are left alone. Callers decide whether
 * writing into a non-empty directory is acceptable (the CLI asks for --force).
 */
async function prepareOutDir(dir: string): Promise<void> {
  for (const name of [PackFiles.manifest, PackFiles.patients, PackFiles.communities]) {
    await rm(join(dir, name), { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
}

/** Tracks files and bytes written. */
class Writer {
  files = 0;
  bytes = 0;
  async write(path: string, data: string | Buffer): Promise<void> {
    await writeFile(path, data);
    this.count(1, typeof data === 'string' ? Buffer.byteLength(data) : data.length);
  }
  /** Account for files written elsewhere. */
  count(files: number, bytes: number): void {
    this.files += files;
    this.bytes += bytes;
  }
}

/**
 * entries.json (and imaging.json) text: a JSON array with one compact entry per line, so the file
 * stays small and a diff shows one changed line per changed entry.
 */
function formatEntriesJson(entries: readonly object[]): string {
  return entries.length === 0
    ? '[]\n'
    : `[\n${entries.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`;
}

/**
 * Generate, render and write one community's studies (each report, then its images and KOS
 * manifest when `o.imaging`); returns its entries.
 */
async function writeCommunity(
  s: Synthesis,
  w: Writer,
  dir: string,
  index: number,
  community: CommunityManifest,
  patients: readonly SyntheticPatient[],
  o: {
    seed: number;
    uidRoot: string;
    referenceMs: number;
    studies: { min: number; max: number };
    imaging?: ImagingOptions;
  },
): Promise<DocumentEntry[]> {
  await mkdir(join(communityDir(dir, community.name), PackFiles.documents), { recursive: true });
  const studies = s.synthesiseStudies(
    o.seed,
    index,
    community,
    patients,
    o.uidRoot,
    o.referenceMs,
    o.studies,
  );
  const entries: DocumentEntry[] = [];
  const imaging: ImagingStudy[] = [];
  for (const study of studies) {
    const pdf = await s.renderReportPdf(reportPdfContent(study, community));
    await w.write(documentFile(dir, community.name, study.documentUniqueId), pdf);
    entries.push(reportEntry(study, community, pdf));
    if (!o.imaging) continue;
    const written = await s.writeStudyImaging(dir, index + 1, community, study, o.uidRoot, o.imaging);
    w.count(written.files, written.bytes);
    entries.push(written.entry);
    imaging.push(written.index);
  }
  await w.write(join(communityDir(dir, community.name), PackFiles.entries), formatEntriesJson(entries));
  if (o.imaging)
    await w.write(join(communityDir(dir, community.name), PackFiles.imaging), formatEntriesJson(imaging));
  return entries;
}

function patientRows(
  patients: readonly SyntheticPatient[],
  communities: readonly CommunityManifest[],
  docs: Map<string, number>,
): PatientRow[] {
  return patients.map((p) => ({
    nhsNumber: p.nhsNumber,
    givenName: p.givenName,
    familyName: p.familyName,
    birthDate: p.birthDate,
    gender: p.gender,
    postcode: p.postcode,
    homeCommunityIds: p.communities.map((i) => communities[i]!.homeCommunityId),
    documentCount: docs.get(p.nhsNumber) ?? 0,
  }));
}

function examples(patients: readonly SyntheticPatient[], n: number): SpreadExamples {
  const all = patients.find((p) => p.communities.length === n)?.nhsNumber;
  const one = patients.find((p) => p.communities.length === 1)?.nhsNumber;
  const none = patients.find((p) => p.communities.length === 0)?.nhsNumber;
  return {
    ...(all !== undefined ? { inAllCommunities: all } : {}),
    ...(one !== undefined ? { inExactlyOneCommunity: one } : {}),
    ...(none !== undefined ? { inNoCommunity: none } : {}),
  };
}

/**
 * Generate a data pack into `opts.outDir`.
 * @returns the manifest written and how many files / bytes were written.
 * @throws SimError `SIM_ERR_BAD_ARGUMENT` for out-of-range options (nothing is written then);
 *   filesystem errors as thrown by node:fs.
 */
export async function generateDataPack(opts: GenerateOptions): Promise<GenerateSummary> {
  const uidRoot = opts.uidRoot ?? NIR_SIM_UID_ROOT;
  checkOptions(opts, uidRoot);
  const dir = resolve(opts.outDir);
  const referenceMs = (opts.clock ?? fixedClock(DEFAULT_REFERENCE_MS)).now();
  const s = await synthesis();
  await prepareOutDir(dir);
  const w = new Writer();
  const patients = s.synthesisePatients(opts.seed, opts.patients, opts.communities, referenceMs);
  const communities = Array.from({ length: opts.communities }, (_, i) => communityManifest(uidRoot, i));
  const docs = new Map<string, number>();
  let documents = 0;
  for (const [i, community] of communities.entries()) {
    const entries = await writeCommunity(s, w, dir, i, community, patients, {
      seed: opts.seed,
      uidRoot,
      referenceMs,
      studies: opts.studiesPerCommunity ?? DEFAULT_STUDIES,
      ...(opts.imaging ? { imaging: opts.imaging } : {}),
    });
    documents += entries.length;
    for (const e of entries) {
      const nhs = e.patientId.slice(0, 10);
      docs.set(nhs, (docs.get(nhs) ?? 0) + 1);
    }
  }
  const manifest: PackManifest = {
    schemaVersion: PACK_SCHEMA_VERSION,
    generatorVersion: GENERATOR_VERSION,
    seed: opts.seed,
    referenceTime: new Date(referenceMs).toISOString(),
    uidRoot,
    counts: {
      communities: communities.length,
      patients: patients.length,
      documents,
      spread: s.countSpread(patients, communities.length),
    },
    examples: examples(patients, communities.length),
    communities,
    ...(opts.imaging
      ? { imaging: { ...opts.imaging, transferSyntaxUid: TransferSyntax.ExplicitVrLittleEndian } }
      : {}),
  };
  await w.write(join(dir, PackFiles.patients), formatPatientsCsv(patientRows(patients, communities, docs)));
  await w.write(join(dir, PackFiles.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return { outDir: dir, manifest, files: w.files, bytes: w.bytes };
}
