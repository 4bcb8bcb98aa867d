/**
 * Synthetic imaging studies: 2-4 per patient per community that knows the patient, each with a
 * modality (DICOM PS3.16 CID 29), accession number, Study Instance UID (DICOM PS3.3 C.7.2.1),
 * times, a reporting radiologist and report text.
 */
import type { Faker } from '@faker-js/faker';
import { EXAMS, type Exam, type Modality } from './codes.js';
import { DAY_MS } from './dtm.js';
import type { CommunityManifest } from './pack-format.js';
import { seededFaker, type SyntheticPatient } from './patients.js';
import { INDICATIONS, REPORTS } from './phrases.js';
import { documentUniqueId, studyInstanceUid } from './uids.js';

/** A reporting radiologist of a community. */
export interface Radiologist {
  /** Local staff number, assigned under the community's organisation OID. */
  staffId: string;
  givenName: string;
  familyName: string;
}

/** One study and its diagnostic report. */
export interface Study {
  patient: SyntheticPatient;
  exam: Exam;
  modality: Modality;
  /** 1-based counter of the study within its community (the `<n>` of its UIDs, uids.ts). */
  studyNumber: number;
  /** DICOM Accession Number (0008,0050), at most 16 characters. */
  accessionNumber: string;
  studyInstanceUid: string;
  /** uniqueId of the report document. */
  documentUniqueId: string;
  /** Study start / end and report creation, ms since the epoch (UTC). */
  startMs: number;
  stopMs: number;
  reportMs: number;
  radiologist: Radiologist;
  indication: string;
  findings: string;
  impression: string;
}

const MINUTE_MS = 60_000;
const YEAR_MS = 365 * DAY_MS;

/** Four radiologists per community. */
function radiologists(faker: Faker): Radiologist[] {
  return Array.from({ length: 4 }, () => ({
    staffId: String(faker.number.int({ min: 100_000, max: 999_999 })),
    givenName: faker.person.firstName(),
    familyName: faker.person.lastName(),
  }));
}

/** A study start within the last five years (not before birth), during working hours, UTC. */
function studyStart(faker: Faker, patient: SyntheticPatient, referenceMs: number): number {
  const latestDay = Math.floor((referenceMs - 7 * DAY_MS) / DAY_MS);
  const earliestDay = Math.min(
    latestDay,
    Math.floor(Math.max(patient.birthMs + DAY_MS, referenceMs - 5 * YEAR_MS) / DAY_MS),
  );
  const day = faker.number.int({ min: earliestDay, max: latestDay });
  const minuteOfDay = faker.number.int({ min: 8 * 60, max: 18 * 60 });
  return day * DAY_MS + minuteOfDay * MINUTE_MS + faker.number.int({ min: 0, max: 59 }) * 1000;
}

/** Mammography only for female patients; every other exam for anyone. */
function examsFor(patient: SyntheticPatient): readonly Exam[] {
  return patient.gender === 'female' ? EXAMS : EXAMS.filter((e) => e.key !== 'mg-breast');
}

/** One study without its community counters. */
function drawStudy(
  faker: Faker,
  patient: SyntheticPatient,
  pool: Radiologist[],
  referenceMs: number,
): Omit<Study, 'studyNumber' | 'accessionNumber' | 'studyInstanceUid' | 'documentUniqueId'> {
  const exam = faker.helpers.arrayElement(examsFor(patient));
  const startMs = studyStart(faker, patient, referenceMs);
  const stopMs = startMs + faker.number.int({ min: 5, max: 45 }) * MINUTE_MS;
  const reportMs = stopMs + faker.number.int({ min: 30, max: 3 * 24 * 60 }) * MINUTE_MS;
  const text = faker.helpers.arrayElement(REPORTS[exam.key]);
  return {
    patient,
    exam,
    modality: faker.helpers.arrayElement(exam.modalities),
    startMs,
    stopMs,
    reportMs,
    radiologist: faker.helpers.arrayElement(pool),
    indication: faker.helpers.arrayElement(INDICATIONS[exam.key]),
    findings: text.findings,
    impression: text.impression,
  };
}

/**
 * The studies of the community at 0-based `index`, patients in pack order, each patient's studies
 * by start time; counters (accession, UIDs) run in that order from 1.
 * @param seed pack seed (faker stream [seed, 3, index]).
 * @param referenceMs the pack's reference instant; every time is at least a day before it.
 * @param perPatient how many studies each known patient gets (uniform, inclusive).
 */
export function synthesiseStudies(
  seed: number,
  index: number,
  community: CommunityManifest,
  patients: readonly SyntheticPatient[],
  uidRoot: string,
  referenceMs: number,
  perPatient: { min: number; max: number } = { min: 2, max: 4 },
): Study[] {
  const faker = seededFaker(seed, 3, index);
  const pool = radiologists(faker);
  const studies: Study[] = [];
  for (const patient of patients) {
    if (!patient.communities.includes(index)) continue;
    const count = faker.number.int(perPatient);
    const drawn = Array.from({ length: count }, () => drawStudy(faker, patient, pool, referenceMs));
    drawn.sort((a, b) => a.startMs - b.startMs);
    for (const s of drawn) {
      const n = studies.length + 1;
      studies.push({
        ...s,
        studyNumber: n,
        accessionNumber: `${community.organisationCode}${String(n).padStart(8, '0')}`,
        studyInstanceUid: studyInstanceUid(uidRoot, index + 1, n),
        documentUniqueId: documentUniqueId(uidRoot, index + 1, n),
      });
    }
  }
  return studies;
}
