/**
 * The on-disk data-pack format (schemaVersion 1), documented for users in data-packs/README.md:
 *
 * ```
 * <dir>/pack.json                                   PackManifest
 * <dir>/patients.csv                                PatientRow per line (RFC 4180)
 * <dir>/communities/<name>/entries.json             DocumentEntry[] (ITI TF-3 4.2.3.2)
 * <dir>/communities/<name>/documents/<uniqueId>.pdf the report each entry describes
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

/** `<dir>/communities/<name>/documents/<uniqueId>.pdf`. */
export function documentFile(dir: string, name: string, uniqueId: string): string {
  return join(communityDir(dir, name), PackFiles.documents, `${uniqueId}.pdf`);
}
