/**
 * The DocumentEntry metadata model (ITI TF-3 4.2.3.2, Table 4.2.3.2-1) as plain data. Data packs
 * store it as JSON; `document-entry.ts` encodes it as a rim:ExtrinsicObject.
 */

/** A coded value: code, coding scheme (OID or name) and display name (ITI TF-3 4.2.3.1.2). */
export interface Coded {
  code: string;
  codingScheme: string;
  displayName: string;
}

/** One author (ITI TF-3 4.2.3.1.4): person as XCN, institution as XON. */
export interface Author {
  authorPerson?: string;
  authorInstitution: string[];
  authorRole?: string[];
  authorSpecialty?: string[];
}

/** XDSDocumentEntry metadata. Times are DTM strings in UTC (`YYYYMMDDhhmmss`). */
export interface DocumentEntry {
  /** entryUUID, `urn:uuid:...`. */
  entryUUID: string;
  /** Document uniqueId (OID). */
  uniqueId: string;
  /** logicalID; equals entryUUID for a first version. */
  logicalID: string;
  /** DocumentEntryType.Stable or .OnDemand. */
  objectType: string;
  /** EntryStatus URN. */
  availabilityStatus: string;
  /** Affinity-domain patient id, CX: `<nhs>^^^&2.16.840.1.113883.2.1.4.1&ISO`. */
  patientId: string;
  sourcePatientId: string;
  /** sourcePatientInfo as `PID-3|...`, `PID-5|...` lines. */
  sourcePatientInfo: string[];
  title: string;
  comments?: string;
  classCode: Coded;
  typeCode: Coded;
  formatCode: Coded;
  practiceSettingCode: Coded;
  healthcareFacilityTypeCode: Coded;
  confidentialityCode: Coded[];
  eventCodeList: Coded[];
  author: Author[];
  creationTime: string;
  serviceStartTime?: string;
  serviceStopTime?: string;
  languageCode: string;
  mimeType: string;
  /** Bytes. */
  size: number;
  /** SHA-1 of the document, lower-case hex. */
  hash: string;
  repositoryUniqueId: string;
  /** The community that holds the document, `urn:oid:...`; written as `@home`. */
  homeCommunityId: string;
  /** CXi values: `<id>^^^&<oid>&ISO^<type URN>`. */
  referenceIdList: string[];
  /** VersionInfo/@versionName. */
  version: string;
}
