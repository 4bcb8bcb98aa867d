/**
 * Typed stored queries after parameter parsing (ITI TF-2 3.18.4.1.2.3.7). Produced by
 * `stored-query.ts` (`parseStoredQuery`) from an AdhocQueryRequest; evaluated by data-pack/.
 */

/** `code^^codingScheme` from a coded parameter value. */
export interface CodeValue {
  code: string;
  codingScheme: string;
}

/**
 * A coded filter: AND of ORs. Each inner array is one Slot (its values OR-ed); the slots are
 * AND-ed. Single-slot parameters have exactly one inner array.
 */
export type CodeFilter = CodeValue[][];

/** A DTM range: From inclusive, To exclusive; each bound a DTM prefix `YYYY[MM[DD[hh[mm[ss]]]]]`. */
export interface TimeRange {
  from?: string;
  to?: string;
}

/** Filters shared by FindDocuments and FindDocumentsByReferenceId. */
export interface FindDocumentsFilters {
  /** The patient id CX string, unquoted. */
  patientId: string;
  /** EntryStatus URNs (OR). */
  status: string[];
  classCode?: CodeFilter;
  typeCode?: CodeFilter;
  practiceSettingCode?: CodeFilter;
  healthcareFacilityTypeCode?: CodeFilter;
  formatCode?: CodeFilter;
  eventCodeList?: CodeFilter;
  confidentialityCode?: CodeFilter;
  creationTime?: TimeRange;
  serviceStartTime?: TimeRange;
  serviceStopTime?: TimeRange;
  /** authorPerson LIKE patterns (`%` any run, `_` one character), OR-ed. */
  authorPerson?: string[];
  /** objectType UUIDs; absent means Stable only (ITI TF-2 3.18.4.1.2.3.6.2). */
  objectType?: string[];
}

/** A parsed stored query, discriminated by `name`. */
export type StoredQuery =
  | ({ name: 'FindDocuments' } & FindDocumentsFilters)
  | ({ name: 'FindDocumentsByReferenceId'; referenceIdList: string[] } & FindDocumentsFilters)
  | { name: 'GetDocuments'; by: 'entryUUID' | 'uniqueId'; ids: string[] }
  /**
   * A known stored query about SubmissionSets, Folders or Associations (FindSubmissionSets,
   * FindFolders, GetAll, GetFolders, GetAssociations, GetDocumentsAndAssociations,
   * GetSubmissionSets, GetSubmissionSetAndContents, GetFolderAndContents, GetFoldersForDocument,
   * GetRelatedDocuments). A responding gateway whose community lacks these concepts answers with
   * zero entries (ITI TF-2 3.38.4.1.3). `patientId` is the unquoted patient id parameter, when given.
   */
  | { name: 'NoDocumentEntries'; queryId: string; patientId?: string };
