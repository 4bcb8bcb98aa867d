/**
 * The evidence bundle of a finished {@link ConformanceRun} (docs/conformance.md
 * "Reading the report"): a directory with summary.md and summary.html, paste.txt (the onboarding
 * portal's 2,000-character text), junit.xml, run.json, exchanges/ (every exchange, byte for byte)
 * and audit-events.ndjson (the run's FHIR R4 AuditEvents), and `<dir>.zip` beside it for the
 * portal's one upload under 250 MB. The same run writes the same bytes, the zip included (its
 * timestamps are the run's `finishedAt`).
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { type BundleFile, exchangeFiles } from './evidence-exchanges.js';
import { EVIDENCE_ZIP_MAX_BYTES, dosTime, zipDirectory } from './evidence-zip.js';
import { reportDocument, reportTitle } from './report-document.js';
import { renderHtml } from './report-html.js';
import { junitXml } from './report-junit.js';
import { renderMarkdown } from './report-markdown.js';
import { pasteText } from './report-paste.js';
import type { ConformanceRun } from './run-model.js';

/** What a bundle's directory holds at its top level: a directory holding only these may be rewritten. */
const BUNDLE_ENTRIES: ReadonlySet<string> = new Set([
  'summary.md',
  'summary.html',
  'paste.txt',
  'junit.xml',
  'run.json',
  'audit-events.ndjson',
  'exchanges',
]);

/** Options of {@link writeEvidence}. */
export interface EvidenceOptions {
  /** The largest zip allowed, bytes (default 250 MB, {@link EVIDENCE_ZIP_MAX_BYTES}). */
  maxZipBytes?: number;
}

/** What {@link writeEvidence} wrote: the directory, its files (relative, sorted), the zip and its size. */
export interface EvidenceWritten {
  dir: string;
  files: string[];
  zipPath: string;
  zipBytes: number;
}

/** Every file of the bundle for `run`, paths relative to the bundle's directory. */
export function evidenceFiles(run: ConformanceRun): BundleFile[] {
  const { metadata, files: exchanges } = exchangeFiles(run.exchanges);
  const blocks = reportDocument(run);
  const text = (p: string, s: string): BundleFile => ({ path: p, bytes: Buffer.from(s, 'utf8') });
  const runJson = { ...run, exchanges: metadata };
  return [
    text('summary.md', renderMarkdown(blocks)),
    text('summary.html', renderHtml(reportTitle(run), blocks)),
    text('paste.txt', `${pasteText(run)}\n`),
    text('junit.xml', junitXml(run)),
    text('run.json', `${JSON.stringify(runJson, null, 2)}\n`),
    text('audit-events.ndjson', run.auditEvents.map((e) => `${JSON.stringify(e)}\n`).join('')),
    ...exchanges,
  ];
}

/**
 * Makes `dir` ready: created when absent; an earlier bundle in it removed (a directory holding
 * nothing but a bundle's entries); refused when it holds anything else, which is never deleted.
 */
async function prepare(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    names = [];
  }
  const foreign = names.filter((n) => !BUNDLE_ENTRIES.has(n)).sort();
  if (foreign.length > 0) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `${dir} holds ${foreign.length === 1 ? 'a file' : 'files'} an evidence bundle does not (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}): choose an empty or new --out directory`,
    );
  }
  for (const n of names) await rm(path.join(dir, n), { recursive: true, force: true });
  await mkdir(path.join(dir, 'exchanges'), { recursive: true });
}

/**
 * Writes the evidence bundle of `run` to `dir` and zips it to `<dir>.zip`.
 * @throws SimError `SIM_ERR_BAD_ARGUMENT` when `dir` holds files a bundle does not, or when the zip would be
 *   larger than `maxZipBytes` (the directory stays; no zip is left); `SIM_ERR_INTERNAL` for an
 *   exchange name that is not a safe file name.
 */
export async function writeEvidence(
  run: ConformanceRun,
  dir: string,
  options: EvidenceOptions = {},
): Promise<EvidenceWritten> {
  const files = evidenceFiles(run);
  const root = path.resolve(dir);
  await prepare(root);
  for (const f of files) await writeFile(path.join(root, ...f.path.split('/')), f.bytes);
  const zip = await zipDirectory(
    root,
    `${root}.zip`,
    dosTime(run.finishedAt),
    options.maxZipBytes ?? EVIDENCE_ZIP_MAX_BYTES,
  );
  return { dir: root, files: zip.entries, zipPath: zip.zipPath, zipBytes: zip.bytes };
}
