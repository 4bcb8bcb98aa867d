/**
 * The DocumentEntry of one diagnostic report PDF, with full XDS metadata (ITI TF-3 4.2.3.2,
 * Table 4.2.3.2-1) and the NIR conventions of nhs-nir.md 6.5 (NHS number patient, ODS custodian,
 * accession number and Study Instance UID in referenceIdList).
 */
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { IMAGING_REPORT_CLASS, PDF_REPORT_FORMAT } from './codes.js';
import { toDtm } from './dtm.js';
import type { CommunityManifest } from './pack-format.js';
import type { ReportPdfContent } from './report-pdf.js';
import type { Study } from './studies.js';
import { authorInstitution, baseDocumentEntry } from './study-entry.js';

/** `CT Head report`. */
function reportTitle(study: Study): string {
  return `${study.modality} ${study.exam.bodyPartLabel} report`;
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
  return baseDocumentEntry(study, community, study.documentUniqueId, pdf, {
    title: reportTitle(study),
    comments: `${study.exam.procedure.displayName}. Impression: ${study.impression}`,
    classCode: IMAGING_REPORT_CLASS,
    formatCode: PDF_REPORT_FORMAT,
    author: [
      {
        authorPerson: authorPerson(study, community),
        authorInstitution: [authorInstitution(community)],
        authorRole: ['Consultant Radiologist'],
        authorSpecialty: ['Radiology'],
      },
    ],
    creationTime: toDtm(study.reportMs),
    mimeType: 'application/pdf',
  });
}
