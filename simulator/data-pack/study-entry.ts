/**
 * What every DocumentEntry of a study shares, whether it describes the report PDF or the KOS
 * manifest: full XDS metadata (ITI TF-3 4.2.3.2, Table 4.2.3.2-1) with the NIR conventions of
 * nhs-nir.md 6.5 (NHS number patient, sourcePatientInfo, accession number and Study Instance UID in
 * referenceIdList) and the XDS-I.b manifest rules of IHE RAD TF-3 4.68.4.1.2.3.
 */
import { createHash } from 'node:crypto';
import { deterministicUrnUuid } from '../shared/ids.js';
import { DocumentEntryType, EntryStatus, ReferenceIdType } from '../xca/constants.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import {
  HOSPITAL_FACILITY_TYPE,
  NORMAL_CONFIDENTIALITY,
  RADIOLOGY_PRACTICE_SETTING,
  modalityCode,
} from './codes.js';
import { toDtm } from './dtm.js';
import type { CommunityManifest, Gender } from './pack-format.js';
import type { SyntheticPatient } from './patients.js';
import type { Study } from './studies.js';

/** The properties that tell one kind of study document from another. */
type OwnEntryFields = Pick<
  DocumentEntry,
  'title' | 'classCode' | 'formatCode' | 'author' | 'creationTime' | 'mimeType'
> & { comments: string };

/** HL7 v2 Table 0001 administrative sex for PID-8: M, F, and U for anything else. */
const PID8: Record<Gender, string> = { male: 'M', female: 'F', other: 'U' };

/**
 * sourcePatientInfo lines (ITI TF-3 4.2.3.2.24): PID-3 (CX), PID-5 (XPN `FAMILY^GIVEN^^^`),
 * PID-7 (birth date `YYYYMMDD`), PID-8 (M/F/U), PID-11 (XAD with only the postcode, `^^^^postcode`).
 */
function sourcePatientInfo(patient: SyntheticPatient): string[] {
  return [
    `PID-3|${nhsNumberToCx(patient.nhsNumber)}`,
    `PID-5|${patient.familyName}^${patient.givenName}^^^`,
    `PID-7|${patient.birthDate.replace(/-/g, '')}`,
    `PID-8|${PID8[patient.gender]}`,
    `PID-11|^^^^${patient.postcode}`,
  ];
}

/**
 * The DocumentEntry of `document` (the stored bytes), one of `study`'s documents held by
 * `community`, registered as `uniqueId`, with `own` the kind's fields. entryUUID is derived from
 * the homeCommunityId and uniqueId (deterministicUrnUuid), so it is the same on every generation;
 * size is in bytes and hash the SHA-1 of `document`, lower-case hex; serviceStart/StopTime are the
 * study's start and end. Properties keep one order, so generated entries.json stays byte-identical.
 */
export function baseDocumentEntry(
  study: Study,
  community: CommunityManifest,
  uniqueId: string,
  document: Buffer,
  own: OwnEntryFields,
): DocumentEntry {
  const cx = nhsNumberToCx(study.patient.nhsNumber);
  const entryUUID = deterministicUrnUuid(`${community.homeCommunityId}|${uniqueId}`);
  return {
    entryUUID,
    uniqueId,
    logicalID: entryUUID,
    objectType: DocumentEntryType.Stable,
    availabilityStatus: EntryStatus.Approved,
    patientId: cx,
    sourcePatientId: cx,
    sourcePatientInfo: sourcePatientInfo(study.patient),
    title: own.title,
    comments: own.comments,
    classCode: own.classCode,
    typeCode: study.exam.procedure,
    formatCode: own.formatCode,
    practiceSettingCode: RADIOLOGY_PRACTICE_SETTING,
    healthcareFacilityTypeCode: HOSPITAL_FACILITY_TYPE,
    confidentialityCode: [NORMAL_CONFIDENTIALITY],
    eventCodeList: [modalityCode(study.modality)],
    author: own.author,
    creationTime: own.creationTime,
    serviceStartTime: toDtm(study.startMs),
    serviceStopTime: toDtm(study.stopMs),
    languageCode: 'en-GB',
    mimeType: own.mimeType,
    size: document.length,
    hash: createHash('sha1').update(document).digest('hex'),
    repositoryUniqueId: community.repositoryUniqueId,
    homeCommunityId: community.homeCommunityId,
    referenceIdList: [
      `${study.accessionNumber}^^^&${community.organisationOid}&ISO^${ReferenceIdType.accession}`,
      `${study.studyInstanceUid}^^^^${ReferenceIdType.studyInstanceUid}`,
    ],
    version: '1',
  };
}

/** The custodian organisation as an XON (ITI TF-3 4.2.3.1.7 authorInstitution). */
export function authorInstitution(community: CommunityManifest): string {
  return `${community.organisationName}^^^^^^^^^${community.organisationCode}`;
}
