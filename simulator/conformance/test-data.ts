/**
 * The synthetic patients, documents and studies a provider-mode run expects the supplier's
 * responding gateway to hold (999-range NHS numbers, NHS Data Dictionary "NHS Number"; nothing
 * real). `nir-sim conformance test-data` writes them as a data-pack subset (CSV plus documents)
 * for the supplier to load; the default pack's simulated communities already hold them, so a run
 * against one of those passes out of the box.
 */

/** A document the gateway must return for its patient (values as in the DocumentEntry, ITI TF-3 4.2.3.2). */
export interface TestDocument {
  entryUuid: string;
  uniqueId: string;
  repositoryUniqueId: string;
  mimeType: string;
  /** Bytes. */
  size: number;
  /** SHA-1 of the document, lower-case hex (ITI TF-3 4.2.3.2.18). */
  hash: string;
  classCode: string;
  typeCode: string;
  formatCode: string;
  /** DTM, e.g. `20240115093000`. */
  creationTime: string;
  /** For imaging (a KOS manifest, XDS-I.b): referenceIdList values. */
  studyInstanceUid?: string;
  accessionNumber?: string;
}

/** A study the gateway must serve over RAD-75 (DICOM PS3.3 UIDs). */
export interface TestStudy {
  studyInstanceUid: string;
  series: { seriesInstanceUid: string; instances: { sopInstanceUid: string; sopClassUid: string }[] }[];
  /** Transfer syntaxes the instances are stored in (DICOM PS3.5 §10). */
  transferSyntaxUids: string[];
}

/** A patient of the test-data set, with what the gateway must hold for it. */
export interface TestPatient {
  nhsNumber: string;
  /** The patient id as sent: `<nhs>^^^&2.16.840.1.113883.2.1.4.1&ISO`. */
  patientCx: string;
  documents: TestDocument[];
  studies: TestStudy[];
}

/**
 * The whole set: which patients the kit queries, and a patient the gateway must not know.
 * `source` names where it came from (e.g. `default pack, north-east-imaging-network`).
 */
export interface ConformanceTestData {
  source: string;
  patients: TestPatient[];
  /** A valid 999-range NHS number held by no community (the "unknown patient" checks). */
  unknownPatient: { nhsNumber: string; patientCx: string };
}
