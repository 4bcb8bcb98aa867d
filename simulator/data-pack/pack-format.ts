/**
 * The on-disk data-pack format (schemaVersion 1), documented for users in data-packs/README.md:
 *
 * ```
 * <dir>/pack.json                                   PackManifest
 * <dir>/patients.csv                                PatientRow per line (RFC 4180)
 * <dir>/communities/<name>/entries.json             DocumentEntry[] (ITI TF-3 4.2.3.2)
 * <dir>/communities/<name>/documents/<uniqueId>.pdf the report each entry describes
 * <dir>/communities/<name>/documents/<uniqueId>.dcm a study's KOS manifest (imaging packs)
 * <dir>/communities/<name>/imaging.json             ImagingStudy[] (imaging packs)
 * <dir>/communities/<name>/dicom/<studyUid>/<sopInstanceUid>.dcm  one image, Part 10
 * ```
 */
import { join } from 'node:path';
import type { DocumentEntry } from '../xca/document-entry-model.js';

/** The only schemaVersion this code reads and writes. */
export const PACK_SCHEMA_VERSION = 1;

/** File and folder names inside a pack. */
export const PackFiles = {
  manifest: 'pack.json',
  patients: 'patients.csv',
  communities: 'communities',
  entries: 'entries.json',
  documents: 'documents',
  imaging: 'imaging.json',
  dicom: 'dicom',
} as const;

/**
 * What a community answers for a patient it does not know (ITI TF-2 3.38.4.1.3 allows both):
 * an empty Success response, or a Failure carrying XDSUnknownPatientId (ITI TF-3 Table 4.2.4.1-2).
 */
export type UnknownPatientPolicy = 'empty-success' | 'XDSUnknownPatientId';

/** The unknown-patient policies, for validation. */
export const UNKNOWN_PATIENT_POLICIES: readonly UnknownPatientPolicy[] = [
  'empty-success',
  'XDSUnknownPatientId',
];

/** One community (an XCA responding gateway) as described in pack.json. */
export interface CommunityManifest {
  /** Kebab-case folder name, e.g. `north-east-imaging-network`. */
  name: string;
  /** Human name, e.g. `North East Imaging Network`. */
  displayName: string;
  /** `urn:oid:<oid>` (ITI TF-2 3.38.4.1.2.1). */
  homeCommunityId: string;
  /** The community repository's OID (ITI TF-3 4.2.3.2.18). */
  repositoryUniqueId: string;
  /** ODS-style organisation code (synthetic), e.g. `SIM01`. */
  organisationCode: string;
  organisationName: string;
  /** OID the community's accession numbers are assigned under (CXi assigning authority). */
  organisationOid: string;
  unknownPatientPolicy: UnknownPatientPolicy;
  /**
   * What the community's simulated gateway speaks: `xca` (ITI-38/ITI-39/RAD-75) or `mhd` (IHE MHD
   * ITI-67/ITI-68); absent: `xca`. A topology may say otherwise (docs/topology.md).
   */
  protocol?: 'xca' | 'mhd';
}

/** How many patients fall in each spread class (exclusive classes; with one community, "all" wins). */
export interface SpreadCounts {
  inAllCommunities: number;
  inExactlyOneCommunity: number;
  inSomeCommunities: number;
  inNoCommunity: number;
}

/** One NHS number per spread class, for documentation and curl examples. */
export interface SpreadExamples {
  inAllCommunities?: string;
  inExactlyOneCommunity?: string;
  inNoCommunity?: string;
}

/** Image geometry and study shape of an imaging pack (pack.json `imaging`). */
export interface ImagingOptions {
  /** Series per study, at least 1. */
  series: number;
  /** Images per series, at least 1. */
  instances: number;
  /** Pixels per column and per row, and frames per image (16 bits allocated per pixel). */
  rows: number;
  columns: number;
  frames: number;
}

/** pack.json `imaging`: the options, and the transfer syntax every stored image uses. */
export interface PackImaging extends ImagingOptions {
  /** Transfer Syntax UID of the stored files: Explicit VR Little Endian, 1.2.840.10008.1.2.1. */
  transferSyntaxUid: string;
}

/** One image of imaging.json. */
export interface ImagingInstance {
  sopInstanceUid: string;
  /** Size of the Part 10 file, bytes. */
  size: number;
}

/** One series of imaging.json. */
export interface ImagingSeries {
  seriesInstanceUid: string;
  /** Modality (0008,0060), e.g. `CT`. */
  modality: string;
  /** SOP Class UID of every image of the series. */
  sopClassUid: string;
  instances: ImagingInstance[];
}

/** One study of imaging.json: its images and the DocumentEntry of its KOS manifest. */
export interface ImagingStudy {
  studyInstanceUid: string;
  accessionNumber: string;
  /** The patient's NHS number (PatientID of every file). */
  patientId: string;
  /** uniqueId of the manifest's DocumentEntry (= the KOS SOP Instance UID). */
  manifestUniqueId: string;
  series: ImagingSeries[];
}

/** Where an image of a community is, as the loader resolved it. */
export interface ImageLocation {
  /** Absolute path of the Part 10 file. */
  path: string;
  /** Bytes. */
  size: number;
  sopClassUid: string;
  transferSyntaxUid: string;
}

/** pack.json. */
export interface PackManifest {
  schemaVersion: 1;
  /** Version of the generator that wrote the pack; same seed + same version => same bytes. */
  generatorVersion: string;
  seed: number;
  /** Reference instant all dates were derived from, ISO 8601 UTC (never the wall clock). */
  referenceTime: string;
  /** OID arc every generated OID/UID lives under. */
  uidRoot: string;
  counts: { communities: number; patients: number; documents: number; spread: SpreadCounts };
  examples: SpreadExamples;
  communities: CommunityManifest[];
  /** Present in imaging packs: every study has DICOM images and a KOS manifest. */
  imaging?: PackImaging;
}

/** Person gender as written in patients.csv (FHIR AdministrativeGender words). */
export type Gender = 'male' | 'female' | 'other';

/** The gender words, for validation. */
export const GENDERS: readonly Gender[] = ['male', 'female', 'other'];

/** One line of patients.csv. */
export interface PatientRow {
  /** Ten digits, Modulus 11 valid. */
  nhsNumber: string;
  givenName: string;
  familyName: string;
  /** `YYYY-MM-DD`. */
  birthDate: string;
  gender: Gender;
  postcode: string;
  /** `urn:oid:` ids of the communities holding documents for the patient, pack order. */
  homeCommunityIds: string[];
  /** Documents across all communities. */
  documentCount: number;
}

/** A loaded community: manifest fields, its entries, and on-demand access to its documents. */
export interface CommunityData extends CommunityManifest {
  entries: DocumentEntry[];
  /** Absolute path of the document with this uniqueId, or undefined when the community has none. */
  documentPath(uniqueId: string): string | undefined;
  /** The document's bytes read from disk now, or undefined when unknown or missing. */
  readDocument(uniqueId: string): Promise<Buffer | undefined>;
  /** The community's imaging studies (empty for a pack without imaging). */
  imaging: ImagingStudy[];
  /**
   * Where image `sopInstanceUid` of series `seriesInstanceUid` of study `studyInstanceUid` is, or
   * undefined when this community has no such image (all three UIDs must match). Nothing is read.
   */
  findImage(
    studyInstanceUid: string,
    seriesInstanceUid: string,
    sopInstanceUid: string,
  ): ImageLocation | undefined;
}

/** A loaded, validated data pack. */
export interface DataPack {
  /** Absolute directory of the pack. */
  dir: string;
  manifest: PackManifest;
  patients: PatientRow[];
  communities: CommunityData[];
}

/** `<dir>/communities/<name>`. */
export function communityDir(dir: string, name: string): string {
  return join(dir, PackFiles.communities, name);
}

/** File extension of a document by mimeType: `.dcm` for application/dicom, else `.pdf`. */
function documentExtension(mimeType: string): string {
  return mimeType === 'application/dicom' ? '.dcm' : '.pdf';
}

/**
 * `<dir>/communities/<name>/documents/<uniqueId>.pdf` (a report; the default), or `.dcm` for a
 * KOS manifest (`mimeType` application/dicom).
 */
export function documentFile(
  dir: string,
  name: string,
  uniqueId: string,
  mimeType = 'application/pdf',
): string {
  return join(communityDir(dir, name), PackFiles.documents, `${uniqueId}${documentExtension(mimeType)}`);
}

/** `<dir>/communities/<name>/dicom/<studyInstanceUid>/<sopInstanceUid>.dcm`. */
export function imageFile(
  dir: string,
  name: string,
  studyInstanceUid: string,
  sopInstanceUid: string,
): string {
  return join(communityDir(dir, name), PackFiles.dicom, studyInstanceUid, `${sopInstanceUid}.dcm`);
}
