/**
 * Loads and validates a data pack directory (format: pack-format.ts, data-packs/README.md).
 * Entries and the imaging index are held in memory; documents and DICOM images stay on disk and
 * are read on demand. Every problem in a pack is reported at once.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { SimError, SimErrorCode } from '../shared/errors.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { isValidNhsNumber } from '../xca/nhs-number.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import { parsePatientsCsv } from './csv.js';
import { imageIndex, loadImagingStudies, type ImageIndex } from './dicom/imaging-index.js';
import {
  PackFiles,
  communityDir,
  documentFile,
  type CommunityData,
  type CommunityManifest,
  type DataPack,
  type ImagingStudy,
  type PackManifest,
  type PatientRow,
} from './pack-format.js';
import { validateEntry } from './validate-entry.js';
import { communityFields, validateManifest } from './validate-manifest.js';

export type { CommunityData, DataPack } from './pack-format.js';

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException).code === 'ENOENT';

/** Read a text file; a missing file becomes a problem and `undefined`. */
async function readText(path: string, label: string, problems: string[]): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    problems.push(
      isMissing(e) ? `${label}: file is missing` : `${label}: cannot be read (${(e as Error).message})`,
    );
    return undefined;
  }
}

/** Parse JSON text; a syntax error becomes a problem and `undefined`. */
function parseJson(text: string, label: string, problems: string[]): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    problems.push(`${label}: not valid JSON (${(e as Error).message})`);
    return undefined;
  }
}

/** The document must exist and its size and SHA-1 must match the entry. */
async function checkDocument(
  dir: string,
  c: CommunityManifest,
  e: DocumentEntry,
  where: string,
  problems: string[],
): Promise<void> {
  let bytes: Buffer;
  const path = documentFile(dir, c.name, e.uniqueId, e.mimeType);
  try {
    bytes = await readFile(path);
  } catch (err) {
    problems.push(
      `${where}: document ${PackFiles.documents}/${basename(path)} ${isMissing(err) ? 'is missing' : 'cannot be read'}`,
    );
    return;
  }
  if (bytes.length !== e.size)
    problems.push(`${where}: size ${e.size} does not match the document (${bytes.length} bytes)`);
  const sha1 = createHash('sha1').update(bytes).digest('hex');
  if (sha1 !== e.hash) problems.push(`${where}: hash ${e.hash} does not match the document's SHA-1 ${sha1}`);
}

/** Read, validate and file-check one community's entries.json. */
async function loadEntries(dir: string, c: CommunityManifest, problems: string[]): Promise<DocumentEntry[]> {
  const label = `${PackFiles.communities}/${c.name}/${PackFiles.entries}`;
  const text = await readText(join(communityDir(dir, c.name), PackFiles.entries), label, problems);
  if (text === undefined) return [];
  const json = parseJson(text, label, problems);
  if (json === undefined) return [];
  if (!Array.isArray(json)) {
    problems.push(`${label}: must be a JSON array of DocumentEntry`);
    return [];
  }
  const entries: DocumentEntry[] = [];
  for (const [i, raw] of json.entries()) {
    const where = `${label}[${i}]`;
    const found = validateEntry(raw, c, where);
    problems.push(...found);
    if (found.length > 0) continue;
    const entry = raw as DocumentEntry;
    await checkDocument(dir, c, entry, `${where} (${entry.uniqueId})`, problems);
    entries.push(entry);
  }
  return entries;
}

/** patients.csv rows, their NHS numbers and communities checked. */
async function loadPatients(dir: string, m: PackManifest, problems: string[]): Promise<PatientRow[]> {
  const text = await readText(join(dir, PackFiles.patients), PackFiles.patients, problems);
  if (text === undefined) return [];
  const parsed = parsePatientsCsv(text);
  problems.push(...parsed.problems);
  const known = new Set(m.communities.map((c) => c.homeCommunityId));
  const seen = new Set<string>();
  parsed.rows.forEach((r, i) => {
    const where = `${PackFiles.patients} line ${i + 2}`;
    if (!isValidNhsNumber(r.nhsNumber) || r.nhsNumber.includes(' ')) {
      problems.push(
        `${where}: nhs_number ${r.nhsNumber} is not ten digits with a valid Modulus 11 check digit`,
      );
    }
    if (seen.has(r.nhsNumber)) problems.push(`${where}: duplicate nhs_number ${r.nhsNumber}`);
    seen.add(r.nhsNumber);
    for (const h of r.homeCommunityIds)
      if (!known.has(h)) problems.push(`${where}: home community ${h} is not in pack.json`);
  });
  return parsed.rows;
}

/** Cross-file consistency: ids unique, every entry's patient listed, counts right. */
function crossCheck(
  m: PackManifest,
  patients: PatientRow[],
  byCommunity: DocumentEntry[][],
  problems: string[],
): void {
  const docsPerCx = new Map<string, number>();
  const ids = new Set<string>();
  for (const entries of byCommunity) {
    for (const e of entries) {
      for (const id of [e.entryUUID, e.uniqueId]) {
        if (ids.has(id)) problems.push(`entries: ${id} is used by more than one entry`);
        ids.add(id);
      }
      docsPerCx.set(e.patientId, (docsPerCx.get(e.patientId) ?? 0) + 1);
    }
  }
  const listed = new Set<string>();
  for (const p of patients) {
    if (!/^\d{10}$/.test(p.nhsNumber)) continue;
    const cx = nhsNumberToCx(p.nhsNumber);
    listed.add(cx);
    const n = docsPerCx.get(cx) ?? 0;
    if (n !== p.documentCount)
      problems.push(
        `${PackFiles.patients}: ${p.nhsNumber} has document_count ${p.documentCount} but ${n} entries`,
      );
  }
  for (const cx of docsPerCx.keys())
    if (!listed.has(cx)) problems.push(`entries: patient ${cx} is not in ${PackFiles.patients}`);
  const documents = byCommunity.reduce((n, e) => n + e.length, 0);
  if (m.counts.documents !== documents)
    problems.push(`pack.json: counts.documents is ${m.counts.documents} but the pack holds ${documents}`);
  if (m.counts.patients !== patients.length)
    problems.push(
      `pack.json: counts.patients is ${m.counts.patients} but ${PackFiles.patients} lists ${patients.length}`,
    );
  if (m.counts.communities !== m.communities.length)
    problems.push(
      `pack.json: counts.communities is ${m.counts.communities} but ${m.communities.length} are listed`,
    );
}

/** A community with on-demand document and image access. */
function communityData(
  dir: string,
  m: PackManifest,
  c: CommunityManifest,
  entries: DocumentEntry[],
  imaging: ImagingStudy[],
): CommunityData {
  const paths = new Map(entries.map((e) => [e.uniqueId, documentFile(dir, c.name, e.uniqueId, e.mimeType)]));
  const images: ImageIndex = m.imaging ? imageIndex(dir, c, imaging, m.imaging) : new Map<never, never>();
  return {
    ...communityFields(c),
    entries,
    imaging,
    findImage: (study, series, sop) => {
      const found = images.get(sop);
      if (!found || found.study !== study || found.series !== series) return undefined;
      const { study: _s, series: _r, ...location } = found;
      return location;
    },
    documentPath: (uniqueId) => paths.get(uniqueId),
    readDocument: async (uniqueId) => {
      const path = paths.get(uniqueId);
      if (path === undefined) return undefined;
      return readFile(path).catch((e: unknown) => {
        if (isMissing(e)) return undefined;
        throw e;
      });
    },
  };
}

/** Throw SIM_ERR_DATA_PACK_MISSING unless `dir` holds a pack.json. */
async function requirePack(dir: string): Promise<void> {
  const found = await stat(join(dir, PackFiles.manifest)).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!found) {
    throw new SimError(
      SimErrorCode.DataPackMissing,
      `${dir} has no data pack: run npm run sim data-pack generate -- --out ${dir}`,
    );
  }
}

/** The SIM_ERR_DATA_PACK_INVALID error listing every problem on one line. */
function invalid(dir: string, problems: string[]): SimError {
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  const fix = `fix them or regenerate with npm run sim data-pack generate -- --out ${dir}`;
  return new SimError(
    SimErrorCode.DataPackInvalid,
    `${dir} is not a valid data pack (${count}: ${problems.join('; ')}): ${fix}`,
    { cause: { problems } },
  );
}

/**
 * Load and validate the data pack in `dir`: pack.json (schemaVersion 1, communities with valid
 * `urn:oid:` homeCommunityIds), patients.csv (header, Modulus 11 NHS numbers), every entries.json
 * (DocumentEntry fields, own community), every document (present, size and SHA-1 match) and, in an
 * imaging pack, every imaging.json (UIDs, manifest entries, every image file present with its size).
 * @returns the pack with `dir` made absolute; documents are not read into memory.
 * @throws SimError `SIM_ERR_DATA_PACK_MISSING` when `dir` or its pack.json does not exist;
 *   `SIM_ERR_DATA_PACK_INVALID` listing every problem (also as `cause.problems: string[]`).
 */
export async function loadDataPack(dir: string): Promise<DataPack> {
  const abs = resolve(dir);
  await requirePack(abs);
  const problems: string[] = [];
  const text = await readText(join(abs, PackFiles.manifest), PackFiles.manifest, problems);
  const json = text === undefined ? undefined : parseJson(text, PackFiles.manifest, problems);
  const { manifest, problems: manifestProblems } =
    json === undefined ? { problems: [] } : validateManifest(json);
  problems.push(...manifestProblems);
  if (!manifest) throw invalid(abs, problems);
  const patients = await loadPatients(abs, manifest, problems);
  const byCommunity: DocumentEntry[][] = [];
  const imaging: ImagingStudy[][] = [];
  for (const c of manifest.communities) {
    const entries = await loadEntries(abs, c, problems);
    byCommunity.push(entries);
    imaging.push(manifest.imaging ? await loadImagingStudies(abs, c, entries, problems) : []);
  }
  crossCheck(manifest, patients, byCommunity, problems);
  if (problems.length > 0) throw invalid(abs, problems);
  const communities = manifest.communities.map((c, i) =>
    communityData(abs, manifest, c, byCommunity[i] ?? [], imaging[i] ?? []),
  );
  return { dir: abs, manifest, patients, communities };
}
