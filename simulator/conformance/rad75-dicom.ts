/**
 * Reading a RAD-75 part as a DICOM Part 10 file, as NIR's consumers will (DICOM PS3.10 §7.1: a
 * 128-byte preamble, the `DICM` prefix, the File Meta Information group 0002 with its Transfer
 * Syntax UID (0002,0010) and Media Storage SOP Class/Instance UIDs (0002,0002)/(0002,0003) equal to
 * the dataset's SOP Class/Instance UIDs (0008,0016)/(0008,0018), PS3.10 §7.1 Table 7.1-1), with the
 * `dicom-parser` library, and with DCMTK's `dcmftest` and `dcmdump` where they are installed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import dicomParser from 'dicom-parser';

const run = promisify(execFile);

/** The identifying values of a Part 10 file. */
export interface Part10Identity {
  transferSyntaxUid: string;
  mediaStorageSopClassUid: string;
  mediaStorageSopInstanceUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
}

/** Preamble (128 bytes) plus `DICM` (PS3.10 §7.1). */
const PREFIX_END = 132;

/**
 * Read `bytes` as a Part 10 file: its identity, or why it is not one (no preamble and `DICM`,
 * unreadable by dicom-parser, no Transfer Syntax UID).
 */
export function readPart10(bytes: Buffer): { identity: Part10Identity } | { problem: string } {
  if (bytes.length < PREFIX_END)
    return { problem: `${bytes.length} bytes: shorter than the 128-byte preamble and "DICM" prefix` };
  if (bytes.subarray(128, PREFIX_END).toString('latin1') !== 'DICM')
    return { problem: 'no "DICM" prefix after the 128-byte preamble (DICOM PS3.10 §7.1)' };
  let ds: ReturnType<typeof dicomParser.parseDicom>;
  try {
    ds = dicomParser.parseDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    // dicom-parser throws strings as well as Errors.
    return { problem: `dicom-parser cannot read it: ${err instanceof Error ? err.message : String(err)}` };
  }
  const s = (tag: string): string => ds.string(tag)?.trim() ?? '';
  const identity: Part10Identity = {
    transferSyntaxUid: s('x00020010'),
    mediaStorageSopClassUid: s('x00020002'),
    mediaStorageSopInstanceUid: s('x00020003'),
    sopClassUid: s('x00080016'),
    sopInstanceUid: s('x00080018'),
    studyInstanceUid: s('x0020000d'),
    seriesInstanceUid: s('x0020000e'),
  };
  if (identity.transferSyntaxUid === '')
    return { problem: 'the File Meta Information has no Transfer Syntax UID (0002,0010)' };
  return { identity };
}

/** Problems of a readable file's File Meta Information against its dataset (PS3.10 Table 7.1-1). */
export function metaProblems(id: Part10Identity): string[] {
  const problems: string[] = [];
  if (id.mediaStorageSopClassUid !== id.sopClassUid)
    problems.push(
      `Media Storage SOP Class UID (0002,0002) ${id.mediaStorageSopClassUid || '(absent)'} is not the SOP Class UID (0008,0016) ${id.sopClassUid || '(absent)'}`,
    );
  if (id.mediaStorageSopInstanceUid !== id.sopInstanceUid)
    problems.push(
      `Media Storage SOP Instance UID (0002,0003) ${id.mediaStorageSopInstanceUid || '(absent)'} is not the SOP Instance UID (0008,0018) ${id.sopInstanceUid || '(absent)'}`,
    );
  return problems;
}

/** Longest a DCMTK tool may run over one answer's parts, ms. */
export const DCMTK_TIMEOUT_MS = 60_000;

/** What DCMTK said: `ran` false when it is not installed here. */
export interface DcmtkVerdict {
  ran: boolean;
  /** One entry per file `dcmftest` does not call a Part 10 file, and per `dcmdump` warning or error. */
  problems: string[];
}

/**
 * Run DCMTK over `parts` (written to a temporary directory, removed afterwards): `dcmftest` must
 * answer `yes:` for every file, and `dcmdump -M` must read them all without a warning or error
 * (its `W:` / `E:` lines on stderr). Each tool runs at most {@link DCMTK_TIMEOUT_MS}; a timeout is a problem.
 */
export async function dcmtkVerdict(
  parts: ReadonlyArray<{ name: string; bytes: Buffer }>,
): Promise<DcmtkVerdict> {
  if (parts.length === 0) return { ran: true, problems: [] };
  const dir = await mkdtemp(join(tmpdir(), 'nir-sim-conformance-'));
  try {
    const paths = await Promise.all(
      parts.map(async (p, i) => {
        const path = join(dir, `${i}.dcm`);
        await writeFile(path, p.bytes);
        return path;
      }),
    );
    const nameOf = new Map(paths.map((p, i) => [p, parts[i]!.name]));
    const problems: string[] = [];
    const ftest = await tool('dcmftest', paths);
    if (ftest === undefined) return { ran: false, problems: [] };
    for (const line of ftest.stdout.split('\n')) {
      const m = /^no: (.+)$/.exec(line.trim());
      if (m) problems.push(`dcmftest: ${nameOf.get(m[1]!) ?? m[1]!} is not a DICOM Part 10 file`);
    }
    if (ftest.failure && problems.length === 0) problems.push(`dcmftest: ${ftest.failure}`);
    const dump = await tool('dcmdump', ['-M', ...paths]);
    if (dump === undefined) return { ran: false, problems: [] };
    let said = dump.stderr.trim();
    for (const [path, name] of nameOf) said = said.split(path).join(name);
    if (said !== '') problems.push(`dcmdump: ${said.split('\n').slice(0, 10).join(' | ')}`);
    else if (dump.failure) problems.push(`dcmdump: ${dump.failure}`);
    return { ran: true, problems };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Run a DCMTK tool; undefined when it is not installed. */
async function tool(
  cmd: string,
  args: string[],
): Promise<{ stdout: string; stderr: string; failure?: string } | undefined> {
  try {
    const { stdout, stderr } = await run(cmd, args, {
      timeout: DCMTK_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { stdout, stderr };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & {
      stdout?: string;
      stderr?: string;
      killed?: boolean;
      signal?: string;
    };
    if (e.code === 'ENOENT') return undefined;
    const failure = e.killed ? `did not finish within ${DCMTK_TIMEOUT_MS} ms` : `exited ${String(e.code)}`;
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', failure };
  }
}
