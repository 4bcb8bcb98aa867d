/**
 * `nir-sim conformance test-data`: the data-pack subset a supplier loads into its responding
 * gateway before a provider run (docs/conformance.md). From one community of a data pack, for the
 * run's test-data patients (test-data-build.ts), it writes:
 * - `patients.csv`: the pack's own columns (data-pack/csv.ts), `home_community_ids` the supplier's
 *   homeCommunityId and `document_count` the documents written for the patient;
 * - `documents.csv`: one row per DocumentEntry (IHE ITI TF-3 4.2.3.2) with every field the checks
 *   compare (ids, codes with their schemes, mimeType, size, SHA-1, creationTime, repositoryUniqueId,
 *   referenceIdList's accession number and Study Instance UID) and the file to load;
 * - `documents/<uniqueId>.pdf|.dcm`: each document (reports, and KOS manifests for imaging, XDS-I.b);
 * - `dicom/<Study Instance UID>/<SOP Instance UID>.dcm`: the DICOM Part 10 instances of each study
 *   (RAD-75);
 * - `README.txt`: what to load, and how the kit is pointed at the gateway afterwards.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { formatCsvField, formatPatientsCsv } from '../data-pack/csv.js';
import type { DataPack } from '../data-pack/pack-format.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { isHomeCommunityId } from '../shared/ids.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { buildTestData } from './test-data-build.js';
import type { ConformanceTestData } from './test-data.js';

/** The exact header of documents.csv. */
export const DOCUMENTS_CSV_HEADER = [
  'nhs_number',
  'patient_id',
  'entry_uuid',
  'unique_id',
  'repository_unique_id',
  'home_community_id',
  'availability_status',
  'mime_type',
  'size',
  'hash',
  'class_code',
  'class_code_scheme',
  'type_code',
  'type_code_scheme',
  'format_code',
  'format_code_scheme',
  'creation_time',
  'title',
  'accession_number',
  'study_instance_uid',
  'file',
] as const;

/** What {@link writeTestData} writes from. */
export interface TestDataWriteOptions {
  pack: DataPack;
  /** The community (name or homeCommunityId) whose data the supplier loads. */
  community: string;
  /** The supplier's homeCommunityId (`urn:oid:...`); default the community's own. */
  home?: string;
  /** NHS numbers instead of the default pick (test-data-build.ts). */
  patients?: readonly string[];
  /** The output directory; it must be empty or absent unless `force`. */
  outDir: string;
  force?: boolean;
}

/** What was written: the files relative to `outDir`, in order, their total bytes, and the set. */
export interface TestDataWritten {
  outDir: string;
  files: string[];
  bytes: number;
  testData: ConformanceTestData;
}

/**
 * Write the subset.
 * @throws SimError BadArgument for an unknown community or patient, a `home` that is not
 *   `urn:oid:` + OID, or a non-empty `outDir` without `force`.
 */
export async function writeTestData(opts: TestDataWriteOptions): Promise<TestDataWritten> {
  const { pack } = opts;
  const testData = buildTestData(pack, opts.community, opts.patients);
  const community = pack.communities.find(
    (c) => c.name === opts.community || c.homeCommunityId === opts.community,
  )!;
  const home = opts.home ?? community.homeCommunityId;
  if (!isHomeCommunityId(home))
    throw new SimError(
      SimErrorCode.BadArgument,
      `--home ${home} is not a homeCommunityId: give urn:oid: followed by an OID, e.g. urn:oid:1.2.826.0.1.999`,
    );
  const outDir = path.resolve(opts.outDir);
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && opts.force !== true)
    throw new SimError(
      SimErrorCode.BadArgument,
      `${opts.outDir} is not empty: choose another --out or add --force to overwrite`,
    );
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  let bytes = 0;
  const put = async (rel: string, content: string): Promise<void> => {
    await writeFile(path.join(outDir, rel), content);
    files.push(rel);
    bytes += Buffer.byteLength(content);
  };
  const copy = async (rel: string, from: string, size: number): Promise<void> => {
    await mkdir(path.dirname(path.join(outDir, rel)), { recursive: true });
    await copyFile(from, path.join(outDir, rel));
    files.push(rel);
    bytes += size;
  };

  const wanted = new Set(testData.patients.map((p) => p.nhsNumber));
  const rows = pack.patients
    .filter((p) => wanted.has(p.nhsNumber))
    .map((p) => ({
      ...p,
      homeCommunityIds: [home],
      documentCount: testData.patients.find((t) => t.nhsNumber === p.nhsNumber)!.documents.length,
    }));
  await put('patients.csv', formatPatientsCsv(rows));

  const byUniqueId = new Map(community.entries.map((e) => [e.uniqueId, e]));
  const documentRows: string[] = [];
  const documentFiles: { rel: string; from: string; size: number }[] = [];
  for (const patient of testData.patients)
    for (const d of patient.documents) {
      const entry = byUniqueId.get(d.uniqueId)!;
      const from = community.documentPath(d.uniqueId);
      const rel = from === undefined ? '' : path.posix.join('documents', path.basename(from));
      if (from !== undefined) documentFiles.push({ rel, from, size: entry.size });
      documentRows.push(documentRow(patient.nhsNumber, entry, home, d, rel));
    }
  await put(
    'documents.csv',
    [DOCUMENTS_CSV_HEADER.join(','), ...documentRows].map((l) => `${l}\r\n`).join(''),
  );
  for (const f of documentFiles) await copy(f.rel, f.from, f.size);

  let images = 0;
  for (const patient of testData.patients)
    for (const study of patient.studies)
      for (const series of study.series)
        for (const i of series.instances) {
          const loc = community.findImage(study.studyInstanceUid, series.seriesInstanceUid, i.sopInstanceUid);
          if (!loc) continue;
          await copy(
            path.posix.join('dicom', study.studyInstanceUid, `${i.sopInstanceUid}.dcm`),
            loc.path,
            loc.size,
          );
          images++;
        }

  await put('README.txt', readme(testData, community.name, home, documentRows.length, images));
  return { outDir, files, bytes, testData };
}

function documentRow(
  nhs: string,
  e: DocumentEntry,
  home: string,
  d: { accessionNumber?: string; studyInstanceUid?: string },
  file: string,
): string {
  return [
    nhs,
    e.patientId,
    e.entryUUID,
    e.uniqueId,
    e.repositoryUniqueId,
    home,
    e.availabilityStatus,
    e.mimeType,
    String(e.size),
    e.hash.toLowerCase(),
    e.classCode.code,
    e.classCode.codingScheme,
    e.typeCode.code,
    e.typeCode.codingScheme,
    e.formatCode.code,
    e.formatCode.codingScheme,
    e.creationTime,
    e.title,
    d.accessionNumber ?? '',
    d.studyInstanceUid ?? '',
    file,
  ]
    .map(formatCsvField)
    .join(',');
}

function readme(
  t: ConformanceTestData,
  community: string,
  home: string,
  documents: number,
  images: number,
): string {
  const studies = t.patients.reduce((n, p) => n + p.studies.length, 0);
  return [
    'nir-sim technical conformance kit: test data for a provider (responding gateway) run',
    '',
    `Synthetic data (999-range NHS numbers, nothing real) from ${t.source}.`,
    `Load it into your responding gateway under homeCommunityId ${home}:`,
    '',
    `- patients.csv   ${t.patients.length} patient(s): NHS number (patient id ${t.patients[0]?.patientCx.replace(/^\d+/, '<nhs>') ?? ''}), name, birth date, gender, postcode.`,
    `- documents.csv  ${documents} DocumentEntry row(s) with the metadata the kit compares: keep entryUUID, uniqueId,`,
    '                 repositoryUniqueId, mimeType, size, hash (SHA-1), class/type/format codes, creationTime and,',
    '                 for imaging manifests, the accession number and Study Instance UID (referenceIdList) as given.',
    '                 The `file` column names the document under documents/.',
    `- documents/     the documents: PDF reports, and DICOM KOS manifests (XDS-I.b) for the ${studies} imaging stud${studies === 1 ? 'y' : 'ies'}.`,
    `- dicom/         ${images} DICOM Part 10 instance(s), dicom/<Study Instance UID>/<SOP Instance UID>.dcm, served over RAD-75.`,
    '',
    `The kit also queries ${t.unknownPatient.nhsNumber}, a patient no gateway holds: do not load it.`,
    '',
    'Then run the kit against your gateway with these patients:',
    `  nir-sim conformance provider --iti38 URL --iti39 URL [--rad75 URL] --home ${home} ${t.patients.map((p) => `--patient ${p.nhsNumber}`).join(' ')} --test-data-community ${community}`,
    '',
  ].join('\n');
}
