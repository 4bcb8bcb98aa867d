/**
 * Stored-query parameter names and query groups (ITI TF-2 3.18.4.1.2.3.7; ITI TF-2 3.38.4.1.3 for
 * the queries a community without SubmissionSets/Folders answers with zero entries).
 */
import { StoredQueryId } from './constants.js';

/** FindDocuments / FindDocumentsByReferenceId / GetDocuments parameter names (ITI TF-2 3.18.4.1.2.3.7). */
export const QueryParam = {
  patientId: '$XDSDocumentEntryPatientId',
  status: '$XDSDocumentEntryStatus',
  classCode: '$XDSDocumentEntryClassCode',
  typeCode: '$XDSDocumentEntryTypeCode',
  practiceSettingCode: '$XDSDocumentEntryPracticeSettingCode',
  healthcareFacilityTypeCode: '$XDSDocumentEntryHealthcareFacilityTypeCode',
  formatCode: '$XDSDocumentEntryFormatCode',
  eventCodeList: '$XDSDocumentEntryEventCodeList',
  confidentialityCode: '$XDSDocumentEntryConfidentialityCode',
  creationTimeFrom: '$XDSDocumentEntryCreationTimeFrom',
  creationTimeTo: '$XDSDocumentEntryCreationTimeTo',
  serviceStartTimeFrom: '$XDSDocumentEntryServiceStartTimeFrom',
  serviceStartTimeTo: '$XDSDocumentEntryServiceStartTimeTo',
  serviceStopTimeFrom: '$XDSDocumentEntryServiceStopTimeFrom',
  serviceStopTimeTo: '$XDSDocumentEntryServiceStopTimeTo',
  authorPerson: '$XDSDocumentEntryAuthorPerson',
  type: '$XDSDocumentEntryType',
  referenceIdList: '$XDSDocumentEntryReferenceIdList',
  entryUUID: '$XDSDocumentEntryEntryUUID',
  uniqueId: '$XDSDocumentEntryUniqueId',
} as const;

/** The patient id parameters of the patient-based stored queries, in the order they are looked for. */
export const PATIENT_ID_PARAMS: readonly string[] = [
  '$XDSDocumentEntryPatientId',
  '$XDSSubmissionSetPatientId',
  '$XDSFolderPatientId',
  '$patientId',
];

/** Known queries about SubmissionSets, Folders and Associations: answered with zero entries in XCA. */
export const NO_DOCUMENT_ENTRY_QUERIES: ReadonlySet<string> = new Set<string>([
  StoredQueryId.FindSubmissionSets,
  StoredQueryId.FindFolders,
  StoredQueryId.GetAll,
  StoredQueryId.GetFolders,
  StoredQueryId.GetAssociations,
  StoredQueryId.GetDocumentsAndAssociations,
  StoredQueryId.GetSubmissionSets,
  StoredQueryId.GetSubmissionSetAndContents,
  StoredQueryId.GetFolderAndContents,
  StoredQueryId.GetFoldersForDocument,
  StoredQueryId.GetRelatedDocuments,
]);
