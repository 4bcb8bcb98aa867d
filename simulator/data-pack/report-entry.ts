/**
 * The DocumentEntry of one diagnostic report PDF, with full XDS metadata (ITI TF-3 4.2.3.2,
 * Table 4.2.3.2-1) and the NIR conventions of nhs-nir.md 6.5 (NHS number patient, ODS custodian,
 * accession number and Study Instance UID in referenceIdList).
 */
import { createHash } from 'node:crypto';
import { deterministicUrnUuid } from '../shared/ids.js';
import { DocumentEntryType, EntryStatus, ReferenceIdType } from '../xca/constants.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import {
  HOSPITAL_FACILITY_TYPE,
  IMAGING_REPORT_CLASS,
  NORMAL_CONFIDENTIALITY,
  PDF_REPORT_FORMAT,
  RADIOLOGY_PRACTICE_SETTING,
  modalityCode,
} from './codes.js';
import { toDtm } from './dtm.js';
import type { CommunityManifest, Gender } from './pack-format.js';
import type { SyntheticPatient } from './patients.js';
import type { ReportPdfContent } from './report-pdf.js';
import type { Study } from './studies.js';

/** HL7 v2 Table 0001 administrative sex for PID-8: M, F, and U for anything else. */
const PID8: Record<Gender, string> = { male: 'M', female: 'F', other: 'U' };

/** `CT Head report`. */
function reportTitle(study: Study): string {
  return `${study.modality} ${study.exam.bodyPartLabel} report`;
}

/**
 * sourcePatientInfo lines (ITI TF-3 4.2.3.2.24): PID-3 (CX), PID-5 (XPN `FAMILY^GIVEN^^^`),
 * PID-7 (birth date `YYYYMMDD`), PID-8 (M/F/U), PID-11 (XAD with only the postcode, `^^^^postcode`).
 */
export function sourcePatientInfo(patient: SyntheticPatient): string[] {
  return [
    `PID-3|${nhsNumberToCx(patient.nhsNumber)}`,
    `PID-5|${patient.familyName}^${patient.givenName}^^^`,
    `PID-7|${patient.birthDate.replace(/-/g, '')}`,
    `PID-8|${PID8[patient.gender]}`,
    `PID-11|^^^^${patient.postcode}`,
  ];
}

/** XCN of the reporting radiologist: staff number under the organisation OID (ITI TF-3 4.2.3.1.7). */
function authorPerson(study: Study, community: CommunityManifest): string {
  const r = study.radiologist;
  return `${r.staffId}^${r.familyName}^${r.givenName}^^^Dr^^^&${community.organisationOid}&ISO`;
}

/** What the PDF of `study` shows. */
export function reportPdfContent(study: Study, community: CommunityManifest): ReportPdfContent {
  const p = study.patient;
  return {
    title: reportTitle(study),
    organisationName: community.organisationName,
    organisationCode: community.organisationCode,
    patientGivenName: p.givenName,
    patientFamilyName: p.familyName,
    nhsNumber: p.nhsNumber,
    birthDate: p.birthDate,
    gender: p.gender,
    procedure: study.exam.procedure.displayName,
    modality: study.modality,
    studyMs: study.startMs,
    accessionNumber: study.accessionNumber,
    studyInstanceUid: study.studyInstanceUid,
    indication: study.indication,
    findings: study.findings,
    impression: study.impression,
    reportedBy: `Dr ${study.radiologist.givenName} ${study.radiologist.familyName}`,
    reportMs: study.reportMs,
  };
}

/**
 * The DocumentEntry describing `pdf`, the report of `study` held by `community`.
 * entryUUID is derived from the homeCommunityId and uniqueId (deterministicUrnUuid), so it is the
 * same on every generation; size is in bytes and hash is the SHA-1 of `pdf`, lower-case hex.
 */
export function reportEntry(study: Study, community: CommunityManifest, pdf: Buffer): DocumentEntry {
  const cx = nhsNumberToCx(study.patient.nhsNumber);
  const entryUUID = deterministicUrnUuid(`${community.homeCommunityId}|${study.documentUniqueId}`);
  return {
    entryUUID,
    uniqueId: study.documentUniqueId,
    logicalID: entryUUID,
    objectType: DocumentEntryType.Stable,
    availabilityStatus: EntryStatus.Approved,
    patientId: cx,
    sourcePatientId: cx,
    sourcePatientInfo: sourcePatientInfo(study.patient),
    title: reportTitle(study),
    comments: `${study.exam.procedure.displayName}. Impression: ${study.impression}`,
    classCode: IMAGING_REPORT_CLASS,
    typeCode: study.exam.procedure,
    formatCode: PDF_REPORT_FORMAT,
    practiceSettingCode: RADIOLOGY_PRACTICE_SETTING,
    healthcareFacilityTypeCode: HOSPITAL_FACILITY_TYPE,
    confidentialityCode: [NORMAL_CONFIDENTIALITY],
    eventCodeList: [modalityCode(study.modality)],
    author: [
      {
        authorPerson: authorPerson(study, community),
        authorInstitution: [`${community.organisationName}^^^^^^^^^${community.organisationCode}`],
        authorRole: ['Consultant Radiologist'],
        authorSpecialty: ['Radiology'],
      },
    ],
    creationTime: toDtm(study.reportMs),
    serviceStartTime: toDtm(study.startMs),
    serviceStopTime: toDtm(study.stopMs),
    languageCode: 'en-GB',
    mimeType: 'application/pdf',
    size: pdf.length,
    hash: createHash('sha1').update(pdf).digest('hex'),
    repositoryUniqueId: community.repositoryUniqueId,
    homeCommunityId: community.homeCommunityId,
    referenceIdList: [
      `${study.accessionNumber}^^^&${community.organisationOid}&ISO^${ReferenceIdType.accession}`,
      `${study.studyInstanceUid}^^^^${ReferenceIdType.studyInstanceUid}`,
    ],
    version: '1',
  };
}
