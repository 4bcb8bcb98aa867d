/**
 * The Patient and General Study module attributes every file of a study shares, the image and
 * the KOS manifest alike (DICOM PS3.3 C.7.1.1 Patient, C.7.2.1 General Study, C.12.1 SOP Common).
 */
import type { NaturalizedDataset } from 'dcmjs';
import { NHS_NUMBER_OID } from '../../xca/constants.js';
import type { CommunityManifest, Gender } from '../pack-format.js';
import type { Study } from '../studies.js';

/** Patient's Sex (0010,0040) enumerated values M, F, O (DICOM PS3.3 C.7.1.1). */
const SEX: Record<Gender, string> = { male: 'M', female: 'F', other: 'O' };

/** DICOM DA `YYYYMMDD` and TM `HHMMSS` of an instant (UTC), ms since the epoch. */
export function dicomDateTime(epochMs: number): { date: string; time: string } {
  const iso = new Date(epochMs).toISOString();
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 19).replace(/:/g, '') };
}

/** An Issuer of Accession Number item (DICOM PS3.3 10.17 HL7v2 Hierarchic Designator): an ISO OID. */
function isoIssuer(oid: string): NaturalizedDataset {
  return { UniversalEntityID: oid, UniversalEntityIDType: 'ISO' };
}

/**
 * Patient, General Study and common SOP attributes of `study` held by `community`:
 * SpecificCharacterSet ISO_IR 192 (dcmjs always writes UTF-8), PatientID = the NHS number with
 * IssuerOfPatientID = the NHS number OID 2.16.840.1.113883.2.1.4.1 (as in the CX of XDS),
 * PatientName `Family^Given`, PatientBirthDate, PatientSex; StudyInstanceUID, StudyDate/Time (the
 * study start), AccessionNumber with its issuer (the community's organisation OID), StudyID,
 * StudyDescription (the procedure), ReferringPhysicianName (empty, type 2), InstitutionName.
 */
export function studyAttributes(study: Study, community: CommunityManifest): NaturalizedDataset {
  const p = study.patient;
  const { date, time } = dicomDateTime(study.startMs);
  return {
    SpecificCharacterSet: 'ISO_IR 192',
    PatientName: [{ Alphabetic: `${p.familyName}^${p.givenName}` }],
    PatientID: p.nhsNumber,
    IssuerOfPatientID: NHS_NUMBER_OID,
    PatientBirthDate: p.birthDate.replace(/-/g, ''),
    PatientSex: SEX[p.gender],
    StudyInstanceUID: study.studyInstanceUid,
    StudyDate: date,
    StudyTime: time,
    AccessionNumber: study.accessionNumber,
    IssuerOfAccessionNumberSequence: [isoIssuer(community.organisationOid)],
    StudyID: String(study.studyNumber),
    StudyDescription: study.exam.procedure.displayName,
    ReferringPhysicianName: '',
    InstitutionName: community.organisationName,
    Manufacturer: 'nir-sim',
  };
}
