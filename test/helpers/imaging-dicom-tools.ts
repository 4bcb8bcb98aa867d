/**
 * Independent checks of DICOM files for the imaging tests: `dcmdump` (DCMTK, the Debian package
 * dcmtk) must read every file without a warning or an error, `dciodvfy` (dicom3tools) must find no
 * IOD error (DICOM PS3.3 module and attribute rules), and dicom-parser (not dcmjs, which wrote
 * them) must find the expected UIDs.
 */
import { execFile } from 'node:child_process';
import { skipWithoutTool } from './system-tools.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import dicomParser from 'dicom-parser';
import { aptGetLine } from './system-tools.js';

const run = promisify(execFile);

/** What a missing dcmdump tells the person running the tests. */
const DCMDUMP_MISSING = `dcmdump (DCMTK) is not installed: the imaging tests need it. Install it with \`${aptGetLine(['dcmdump'])}\` (Debian/Ubuntu; .ci/run does this) or \`brew install dcmtk\` (macOS)`;

/**
 * Run `dcmdump` over files (paths) in batches; resolves with the problems found: one entry per
 * batch that exited non-zero or wrote anything to stderr (DCMTK's `W:` and `E:` lines).
 * @throws Error {@link DCMDUMP_MISSING} when dcmdump cannot be run.
 */
export async function dcmdumpProblems(paths: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (let i = 0; i < paths.length; i += 200) {
    const batch = paths.slice(i, i + 200);
    try {
      const { stderr } = await run('dcmdump', ['-M', ...batch], { maxBuffer: 256 * 1024 * 1024 });
      if (stderr.trim() !== '') problems.push(stderr.trim());
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new Error(DCMDUMP_MISSING);
      problems.push(`dcmdump failed (${String(e.code)}): ${e.stderr?.trim() ?? e.message}`);
    }
  }
  return problems;
}

/** {@link dcmdumpProblems} for files in memory (written to a temporary directory first). */
export function dcmdumpBuffers(files: readonly Buffer[]): Promise<string[]> {
  return onFiles(files, dcmdumpProblems);
}

/** Run `check` on `files` written as `<i>.dcm` to a temporary directory, removed afterwards. */
async function onFiles<T>(files: readonly Buffer[], check: (paths: string[]) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'nir-sim-dcm-'));
  try {
    const paths = await Promise.all(
      files.map(async (b, i) => {
        const p = join(dir, `${i}.dcm`);
        await writeFile(p, b);
        return p;
      }),
    );
    return await check(paths);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What a missing dciodvfy tells the person running the tests. */
export const DCIODVFY_MISSING =
  'dciodvfy (dicom3tools) is not installed: the imaging tests check every IOD with it. Install it with `sudo apt-get install dicom3tools` (Debian/Ubuntu; .ci/run does this)';

/**
 * Whether `dciodvfy` can be run here: the shared system-tool probe (test/helpers/system-tools.ts),
 * so a missing dicom3tools is skipped outside CI, named once by the global setup, and fails under CI.
 */
export function dciodvfyAvailable(): boolean {
  return !skipWithoutTool('dciodvfy');
}

/** What dciodvfy says about a set of files: its `Error -` and `Warning -` lines. */
interface DciodvfyFindings {
  /** `<path>: Error - ...`, one per error line, in file order. */
  errors: string[];
  /** The distinct `Warning - ...` lines over all files (without the path), sorted. */
  warnings: string[];
}

/**
 * Run `dciodvfy` (dicom3tools; one file per run, two at a time) over files (paths) and collect
 * its findings. A run that exits non-zero without an `Error -` line counts as an error too.
 * @throws Error {@link DCIODVFY_MISSING} when dciodvfy cannot be run.
 */
export async function dciodvfyFindings(paths: readonly string[]): Promise<DciodvfyFindings> {
  const perFile: { errors: string[]; warnings: string[] }[] = paths.map(() => ({ errors: [], warnings: [] }));
  const one = async (i: number): Promise<void> => {
    const path = paths[i]!;
    let out: string;
    let failed = '';
    try {
      out = (await run('dciodvfy', [path], { maxBuffer: 16 * 1024 * 1024 })).stderr;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') throw new Error(DCIODVFY_MISSING);
      out = e.stderr ?? '';
      failed = `${path}: dciodvfy exited ${String(e.code)}`;
    }
    const lines = out.split('\n').map((l) => l.trim());
    const errors = lines.filter((l) => l.startsWith('Error -')).map((l) => `${path}: ${l}`);
    if (errors.length === 0 && failed !== '') errors.push(failed);
    perFile[i] = { errors, warnings: lines.filter((l) => l.startsWith('Warning -')) };
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) await one(next++);
  };
  await Promise.all([worker(), worker()]);
  return {
    errors: perFile.flatMap((f) => f.errors),
    warnings: [...new Set(perFile.flatMap((f) => f.warnings))].sort(),
  };
}

/** {@link dciodvfyFindings} for files in memory (written to a temporary directory first). */
export function dciodvfyBuffers(files: readonly Buffer[]): Promise<DciodvfyFindings> {
  return onFiles(files, dciodvfyFindings);
}

/**
 * The warnings dciodvfy (dicom3tools 1.00~20220618) gives for every KOS manifest: it does not know
 * the XDS Retrieval Sequence (0040,E024) with Repository Unique ID and Home Community ID in the
 * Referenced Series items, which the manifest carries (kos-manifest.ts; IHE RAD TF-3 4.68.4.1.2.3)
 * so that a consumer can address RAD-75 to the right community; so it calls the file a Standard
 * Extended SOP Class. Warnings, not errors.
 */
export const KOS_DCIODVFY_WARNINGS = [
  'Warning - Attribute is not present in standard DICOM IOD - (0x0040,0xe024) SQ XDS Retrieval Sequence',
  'Warning - Attribute is not present in standard DICOM IOD - (0x0040,0xe030) UI Repository Unique ID',
  'Warning - Attribute is not present in standard DICOM IOD - (0x0040,0xe031) UI Home Community ID',
  'Warning - Dicom dataset contains attributes not present in standard DICOM IOD - this is a Standard Extended SOP Class',
];

/** A parsed Part 10 file, read by dicom-parser. */
type ParsedDicom = ReturnType<typeof dicomParser.parseDicom>;

/** Parse a Part 10 file with dicom-parser. @throws whatever dicom-parser throws for a bad file. */
export function parseDicom(bytes: Buffer): ParsedDicom {
  return dicomParser.parseDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** The identifying values of an image or manifest, as dicom-parser reads them. */
export function identity(ds: ParsedDicom): Record<string, string | undefined> {
  return {
    transferSyntaxUid: ds.string('x00020010'),
    mediaStorageSopInstanceUid: ds.string('x00020003'),
    sopClassUid: ds.string('x00080016'),
    sopInstanceUid: ds.string('x00080018'),
    studyInstanceUid: ds.string('x0020000d'),
    seriesInstanceUid: ds.string('x0020000e'),
    patientId: ds.string('x00100020'),
    issuerOfPatientId: ds.string('x00100021'),
    accessionNumber: ds.string('x00080050'),
    modality: ds.string('x00080060'),
  };
}

/** One reference of a KOS manifest's Current Requested Procedure Evidence Sequence (0040,A375). */
export interface ManifestReference {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** Retrieve Location UID (0040,E011): the RAD-75 RepositoryUniqueId. */
  retrieveLocationUid: string;
  /** Home Community ID (0040,E031) of the XDS Retrieval Sequence, as `urn:oid:...`. */
  homeCommunityId: string;
  sopClassUid: string;
  sopInstanceUid: string;
}

/** Every image a KOS manifest references, read with dicom-parser (as a consumer would). */
export function manifestReferences(kos: Buffer): ManifestReference[] {
  const ds = parseDicom(kos);
  const out: ManifestReference[] = [];
  for (const study of ds.elements['x0040a375']?.items ?? []) {
    const st = study.dataSet!;
    for (const series of st.elements['x00081115']?.items ?? []) {
      const se = series.dataSet!;
      const xds = se.elements['x0040e024']?.items?.[0]?.dataSet;
      for (const sop of se.elements['x00081199']?.items ?? []) {
        out.push({
          studyInstanceUid: st.string('x0020000d') ?? '',
          seriesInstanceUid: se.string('x0020000e') ?? '',
          retrieveLocationUid: se.string('x0040e011') ?? '',
          homeCommunityId: `urn:oid:${xds?.string('x0040e031') ?? ''}`,
          sopClassUid: sop.dataSet!.string('x00081150') ?? '',
          sopInstanceUid: sop.dataSet!.string('x00081155') ?? '',
        });
      }
    }
  }
  return out;
}
