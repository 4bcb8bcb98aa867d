/**
 * IHE XCA / ebXML RegRep 3.0 constants as `as const` objects with same-named types.
 * Sources: ITI TF-2 3.38 (Cross Gateway Query), 3.39 (Cross Gateway Retrieve), ITI TF-3 4.2.4
 * (status and error codes, Table 4.2.4.1-2), ITI TF-3 4.2.5 (classification and identification
 * scheme UUIDs), ebRS 3.0.
 */

/** The XCA transactions nir-sim speaks. */
export const Transaction = { Iti38: 'ITI-38', Iti39: 'ITI-39', Rad75: 'RAD-75' } as const;
export type Transaction = (typeof Transaction)[keyof typeof Transaction];

/** wsa:Action values per transaction (ITI TF-2 3.38.4.1.2, 3.39.4.1.2; RAD TF-3 4.75). */
export const SoapAction = {
  CrossGatewayQuery: 'urn:ihe:iti:2007:CrossGatewayQuery',
  CrossGatewayQueryResponse: 'urn:ihe:iti:2007:CrossGatewayQueryResponse',
  CrossGatewayRetrieve: 'urn:ihe:iti:2007:CrossGatewayRetrieve',
  CrossGatewayRetrieveResponse: 'urn:ihe:iti:2007:CrossGatewayRetrieveResponse',
  CrossGatewayRetrieveImagingDocumentSet: 'urn:ihe:rad:2011:CrossGatewayRetrieveImagingDocumentSet',
  CrossGatewayRetrieveImagingDocumentSetResponse:
    'urn:ihe:rad:2011:CrossGatewayRetrieveImagingDocumentSetResponse',
} as const;
export type SoapAction = (typeof SoapAction)[keyof typeof SoapAction];

/** XML namespaces of ebRS 3.0, XDS.b and XDS-I.b. */
export const XcaNs = {
  query: 'urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0',
  rim: 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0',
  rs: 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0',
  xdsb: 'urn:ihe:iti:xds-b:2007',
  xdsi: 'urn:ihe:rad:xdsi-b:2009',
  xop: 'http://www.w3.org/2004/08/xop/include',
} as const;

/** RegistryResponse / AdhocQueryResponse `@status` (ITI TF-3 4.2.4.2; PartialSuccess is IHE's own URN). */
export const ResponseStatus = {
  Success: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success',
  PartialSuccess: 'urn:ihe:iti:2007:ResponseStatusType:PartialSuccess',
  Failure: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure',
} as const;
export type ResponseStatus = (typeof ResponseStatus)[keyof typeof ResponseStatus];

/** RegistryError `@severity` (ebRS 3.0 rs.xsd). */
export const ErrorSeverity = {
  Error: 'urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error',
  Warning: 'urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Warning',
} as const;
export type ErrorSeverity = (typeof ErrorSeverity)[keyof typeof ErrorSeverity];

/** RegistryError `@errorCode` values used by XCA (ITI TF-3 Table 4.2.4.1-2). */
export const ErrorCode = {
  XDSMissingHomeCommunityId: 'XDSMissingHomeCommunityId',
  XDSUnknownCommunity: 'XDSUnknownCommunity',
  XDSUnavailableCommunity: 'XDSUnavailableCommunity',
  XDSUnknownPatientId: 'XDSUnknownPatientId',
  XDSRegistryError: 'XDSRegistryError',
  XDSRegistryBusy: 'XDSRegistryBusy',
  XDSRegistryOutOfResources: 'XDSRegistryOutOfResources',
  XDSStoredQueryMissingParam: 'XDSStoredQueryMissingParam',
  XDSStoredQueryParamNumber: 'XDSStoredQueryParamNumber',
  XDSTooManyResults: 'XDSTooManyResults',
  XDSUnknownStoredQuery: 'XDSUnknownStoredQuery',
  XDSResultNotSinglePatient: 'XDSResultNotSinglePatient',
  XDSDocumentUniqueIdError: 'XDSDocumentUniqueIdError',
  XDSUnknownRepositoryId: 'XDSUnknownRepositoryId',
  XDSRepositoryError: 'XDSRepositoryError',
  XDSRepositoryBusy: 'XDSRepositoryBusy',
  XDSRepositoryOutOfResources: 'XDSRepositoryOutOfResources',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Stored-query ids (ITI TF-2 3.18.4.1.2.3.7; verified against NIST MetadataSupport). */
export const StoredQueryId = {
  FindDocuments: 'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d',
  FindDocumentsByReferenceId: 'urn:uuid:12941a89-e02e-4be5-967c-ce4bfc8fe492',
  FindSubmissionSets: 'urn:uuid:f26abbcb-ac74-4422-8a30-edb644bbc1a9',
  FindFolders: 'urn:uuid:958f3006-baad-4929-a4de-ff1114824431',
  GetAll: 'urn:uuid:10b545ea-725c-446d-9b95-8aeb444eddf3',
  GetDocuments: 'urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4',
  GetFolders: 'urn:uuid:5737b14c-8a1a-4539-b659-e03a34a5e1e4',
  GetAssociations: 'urn:uuid:a7ae438b-4bc2-4642-93e9-be891f7bb155',
  GetDocumentsAndAssociations: 'urn:uuid:bab9529a-4a10-40b3-a01f-f68a615d247a',
  GetSubmissionSets: 'urn:uuid:51224314-5390-4169-9b91-b1980040715a',
  GetSubmissionSetAndContents: 'urn:uuid:e8e3cb2c-e39c-46b9-99e4-c12f57260b83',
  GetFolderAndContents: 'urn:uuid:b909a503-523d-4517-8acf-8e5834dfc4c7',
  GetFoldersForDocument: 'urn:uuid:10cae35a-c7f9-4cf5-b61e-fc3278ffb578',
  GetRelatedDocuments: 'urn:uuid:d90e5407-b356-4d91-a89f-873917b4b0e6',
} as const;
export type StoredQueryId = (typeof StoredQueryId)[keyof typeof StoredQueryId];

/** DocumentEntry objectType (ITI TF-3 4.2.5.2). */
export const DocumentEntryType = {
  Stable: 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
  OnDemand: 'urn:uuid:34268e47-fdf5-41a6-ba33-82133c465248',
} as const;
export type DocumentEntryType = (typeof DocumentEntryType)[keyof typeof DocumentEntryType];

/** DocumentEntry / RegistryObject availability status (ebRIM StatusType). */
export const EntryStatus = {
  Approved: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved',
  Deprecated: 'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated',
} as const;
export type EntryStatus = (typeof EntryStatus)[keyof typeof EntryStatus];

/** DocumentEntry classification schemes (ITI TF-3 4.2.5.1, Table 4.2.5.1-1). */
export const ClassificationScheme = {
  author: 'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d',
  classCode: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
  confidentialityCode: 'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
  eventCodeList: 'urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4',
  formatCode: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
  healthcareFacilityTypeCode: 'urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1',
  practiceSettingCode: 'urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead',
  typeCode: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
} as const;

/** DocumentEntry external identifier schemes (ITI TF-3 4.2.5.1). */
export const IdentificationScheme = {
  patientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
  uniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
} as const;

/** CXi identifier type codes for referenceIdList (ITI TF-3 4.2.3.2.28; XDS-I.b). */
export const ReferenceIdType = {
  accession: 'urn:ihe:iti:xds:2013:accession',
  studyInstanceUid: 'urn:ihe:iti:xds:2016:studyInstanceUID',
} as const;

/** The NHS number's assigning authority OID (NHS Data Dictionary; HL7 UK). */
export const NHS_NUMBER_OID = '2.16.840.1.113883.2.1.4.1';
