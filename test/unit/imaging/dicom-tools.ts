/**
 * Independent checks of DICOM files for the imaging tests: `dcmdump` (DCMTK, the Debian package
 * dcmtk) must read every file without a warning or an error, and dicom-parser (not dcmjs, which
 * wrote them) must find the expected UIDs.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import dicomParser from 'dicom-parser';
import { aptGetLine } from '../../helpers/system-tools.js';

const run = promisify(execFile);

/** What a missing dcmdump tells the person running the tests. */
export const DCMDUMP_MISSING = `dcmdump (DCMTK) is not installed: the imaging tests need it. Install it with \`${aptGetLine(['dcmdump'])}\` (Debian/Ubuntu; .ci/run does this) or \`brew install dcmtk\` (macOS)`;

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
export async function dcmdumpBuffers(files: readonly Buffer[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'nir-sim-dcm-'));
  try {
    const paths = await Promise.all(
      files.map(async (b, i) => {
        const p = join(dir, `${i}.dcm`);
        await writeFile(p, b);
        return p;
      }),
    );
    return await dcmdumpProblems(paths);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A parsed Part 10 file, read by dicom-parser. */
export type ParsedDicom = ReturnType<typeof dicomParser.parseDicom>;

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
