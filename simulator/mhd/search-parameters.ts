/**
 * The ITI-67 Find Document References search parameters the broker's MHD Document Responder serves
 * (IHE MHD 4.2.x, ITI TF-2 3.67.4.1.2.1; FHIR R4 "Search"), each with the XDS stored-query
 * parameter it becomes in the ITI-38 fan-out (MHD 1:33.6.2 "XDS on FHIR"; ITI TF-2 3.18.4.1.2.3.7).
 * One table, two uses: `find-document-references.ts` accepts exactly these names and
 * `capability-statement.ts` lists exactly these in the CapabilityStatement.
 */

/** FHIR R4 search parameter types used here (FHIR R4 "Search" 3.1.1.5). */
export type SearchParamType = 'token' | 'date' | 'string' | 'reference' | 'uri';

/** One served search parameter. */
export interface SearchParameterSpec {
  /** The name as it appears in the query (a chained name like `patient.identifier` included). */
  name: string;
  type: SearchParamType;
  /** Canonical URL of the SearchParameter resource that defines it (FHIR R4 or IHE MHD). */
  definition: string;
  /** Modifiers accepted after `:` (FHIR R4 "Search" 3.1.1.5.5); any other modifier is refused. */
  modifiers: readonly string[];
  /** The XDS stored-query parameter(s) it maps to, for the docs and the CapabilityStatement. */
  xds: string;
  /** How values are read and mapped: one sentence for `searchParam.documentation`. */
  documentation: string;
}

const R4 = 'http://hl7.org/fhir/SearchParameter';
const MHD = 'https://profiles.ihe.net/ITI/MHD/SearchParameter';

/** The canonical of the MHD Document Responder CapabilityStatement (IHE MHD 4.2.x). */
export const MHD_DOCUMENT_RESPONDER_CAPABILITY =
  'https://profiles.ihe.net/ITI/MHD/CapabilityStatement/IHE.MHD.DocumentResponder';

/** FHIR identifier system of the NHS number (NHS England FHIR identifier systems; UK Core). */
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
/** FHIR identifier system of a URI identifier: DocumentReference.masterIdentifier / identifier (MHD DocumentEntry mapping). */
export const URI_IDENTIFIER_SYSTEM = 'urn:ietf:rfc:3986';
/** FHIR identifier system of a DICOM UID, the value `urn:oid:<uid>` (FHIR R4 "Identifier" / DICOM PS3.5 9). */
export const DICOM_UID_SYSTEM = 'urn:dicom:uid';
/** DocumentReference.status code system (FHIR R4 ValueSet document-reference-status). */
export const DOCUMENT_REFERENCE_STATUS_SYSTEM = 'http://hl7.org/fhir/document-reference-status';

/**
 * The served parameters. `patient` (or `patient.identifier`) and `status` are required by ITI-67
 * (ITI TF-2 3.67.4.1.2.1); `targetCommunityIdList` is the MHD 4.2.4 Target Communities option.
 */
export const SEARCH_PARAMETERS: readonly SearchParameterSpec[] = [
  {
    name: 'patient',
    type: 'reference',
    definition: `${R4}/clinical-patient`,
    modifiers: ['identifier'],
    xds: '$XDSDocumentEntryPatientId',
    documentation:
      'Required (or patient.identifier). `Patient/<NHS number>` (the Patient logical id is the NHS number), or with :identifier a token as patient.identifier; becomes the CX <nhs>^^^&2.16.840.1.113883.2.1.4.1&ISO. One patient only.',
  },
  {
    name: 'patient.identifier',
    type: 'token',
    definition: `${R4}/Patient-identifier`,
    modifiers: [],
    xds: '$XDSDocumentEntryPatientId',
    documentation: `Required (or patient). \`${NHS_NUMBER_SYSTEM}|<nhs>\` (or urn:oid:2.16.840.1.113883.2.1.4.1, or the bare number); Modulus 11 checked; becomes the CX <nhs>^^^&2.16.840.1.113883.2.1.4.1&ISO.`,
  },
  {
    name: 'status',
    type: 'token',
    definition: `${R4}/DocumentReference-status`,
    modifiers: [],
    xds: '$XDSDocumentEntryStatus',
    documentation:
      'Required. current -> Approved, superseded -> Deprecated (ebRIM StatusType URNs); entered-in-error has no XDS counterpart and matches nothing.',
  },
  {
    name: 'creation',
    type: 'date',
    definition: `${MHD}/DocumentReference-Creation`,
    modifiers: [],
    xds: '$XDSDocumentEntryCreationTimeFrom / $XDSDocumentEntryCreationTimeTo',
    documentation:
      'Prefixes eq (default), ge, gt, le, lt; the value is a range at its precision, turned to UTC DTM bounds (From inclusive, To exclusive); repeats are AND-ed.',
  },
  {
    name: 'period',
    type: 'date',
    definition: `${R4}/DocumentReference-period`,
    modifiers: [],
    xds: '$XDSDocumentEntryServiceStartTimeFrom/To, $XDSDocumentEntryServiceStopTimeFrom/To',
    documentation:
      'Overlap semantics of a Period (FHIR R4 Search 3.1.1.5.3): ge/gt -> ServiceStopTimeFrom, le/lt -> ServiceStartTimeTo, eq -> ServiceStartTimeFrom and ServiceStopTimeTo.',
  },
  codeParam('category', `${R4}/DocumentReference-category`, '$XDSDocumentEntryClassCode'),
  codeParam('type', `${R4}/clinical-type`, '$XDSDocumentEntryTypeCode'),
  codeParam('setting', `${R4}/DocumentReference-setting`, '$XDSDocumentEntryPracticeSettingCode'),
  codeParam('facility', `${R4}/DocumentReference-facility`, '$XDSDocumentEntryHealthcareFacilityTypeCode'),
  codeParam('event', `${R4}/DocumentReference-event`, '$XDSDocumentEntryEventCodeList'),
  codeParam(
    'security-label',
    `${R4}/DocumentReference-security-label`,
    '$XDSDocumentEntryConfidentialityCode',
  ),
  codeParam('format', `${R4}/DocumentReference-format`, '$XDSDocumentEntryFormatCode'),
  {
    name: 'author.given',
    type: 'string',
    definition: `${R4}/individual-given`,
    modifiers: ['exact'],
    xds: '$XDSDocumentEntryAuthorPerson',
    documentation:
      'Starts-with (or :exact) on the given name, as an XCN LIKE pattern %^<family>%^<given>% (case-sensitive, as XDS LIKE is); values OR-ed.',
  },
  {
    name: 'author.family',
    type: 'string',
    definition: `${R4}/individual-family`,
    modifiers: ['exact'],
    xds: '$XDSDocumentEntryAuthorPerson',
    documentation:
      'Starts-with (or :exact) on the family name, as an XCN LIKE pattern %^<family>% (combined with author.given when both are given); values OR-ed.',
  },
  {
    name: 'related',
    type: 'reference',
    definition: `${R4}/DocumentReference-related`,
    modifiers: ['identifier'],
    xds: 'FindDocumentsByReferenceId $XDSDocumentEntryReferenceIdList',
    documentation: `An Identifier token: \`${DICOM_UID_SYSTEM}|urn:oid:<Study Instance UID>\` or \`urn:oid:<issuer>|<accession number>\` (CXi with urn:ihe:iti:xds:2016:studyInstanceUID / urn:ihe:iti:xds:2013:accession); values OR-ed.`,
  },
  {
    name: 'identifier',
    type: 'token',
    definition: `${R4}/clinical-identifier`,
    modifiers: [],
    xds: 'GetDocuments $XDSDocumentEntryUniqueId / $XDSDocumentEntryEntryUUID',
    documentation: `\`${URI_IDENTIFIER_SYSTEM}|urn:oid:<uniqueId>\` (masterIdentifier) or \`${URI_IDENTIFIER_SYSTEM}|urn:uuid:<entryUUID>\` (identifier); makes the query a GetDocuments, so no other filter besides patient and status, which the responder checks on what comes back.`,
  },
  {
    name: 'targetCommunityIdList',
    type: 'uri',
    definition: `${MHD}/IHE-TargetCommunityIdList`,
    modifiers: [],
    xds: 'the ITI-38 fan-out targets (homeCommunityId)',
    documentation:
      'MHD 4.2.4 Target Communities: the homeCommunityIds (urn:oid:...) to ask, OR-ed; only these communities are asked and each one that cannot be served is reported.',
  },
];

function codeParam(name: string, definition: string, xds: string): SearchParameterSpec {
  const repeat =
    xds === '$XDSDocumentEntryEventCodeList' || xds === '$XDSDocumentEntryConfidentialityCode'
      ? 'each repeat is one more Slot (AND)'
      : 'repeats are AND-ed by keeping the codes common to all (the attribute holds one code)';
  return {
    name,
    type: 'token',
    definition,
    modifiers: [],
    xds,
    documentation: `\`system|code\` -> 'code^^codingScheme' (urn:oid: prefix dropped, well-known FHIR systems to their OIDs); comma values OR-ed; ${repeat}.`,
  };
}

/** The table by name. */
export const SEARCH_PARAMETER_BY_NAME: ReadonlyMap<string, SearchParameterSpec> = new Map(
  SEARCH_PARAMETERS.map((p) => [p.name, p]),
);

/**
 * Parameters every FHIR interaction may carry (FHIR R4 "HTTP" 3.1.0.1.10 `_format`, `_pretty`):
 * accepted and left to the HTTP layer, never an unknown parameter.
 */
export const RESULT_PARAMETERS: ReadonlySet<string> = new Set(['_format', '_pretty']);

/**
 * Well-known FHIR code systems and the XDS codingScheme OIDs they stand for (HL7 OID registry;
 * DICOM PS3.16 8 for DCM; IHE format codes CodeSystem). A `urn:oid:` system maps to its OID;
 * any other system is used as the codingScheme unchanged.
 */
export const CODE_SYSTEM_OIDS: ReadonlyMap<string, string> = new Map([
  ['http://snomed.info/sct', '2.16.840.1.113883.6.96'],
  ['http://loinc.org', '2.16.840.1.113883.6.1'],
  ['http://dicom.nema.org/resources/ontology/DCM', '1.2.840.10008.2.16.4'],
  ['http://terminology.hl7.org/CodeSystem/v3-Confidentiality', '2.16.840.1.113883.5.25'],
  ['http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode', '1.3.6.1.4.1.19376.1.2.3'],
]);

/** FHIR R4 OperationOutcome.issue.severity (ValueSet issue-severity). */
export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';
/** The FHIR R4 OperationOutcome.issue.code values (ValueSet issue-type) a search problem uses. */
export type IssueType = 'required' | 'value' | 'not-supported' | 'too-long';

/**
 * One problem with an ITI-67 search, plain data for the HTTP layer to turn into an
 * OperationOutcome issue (FHIR R4 OperationOutcome). `expression` names the parameter the FHIR R4
 * way for HTTP parameters: `http.<name>` (OperationOutcome.issue.location, "http." + the name).
 */
export interface SearchProblem {
  severity: IssueSeverity;
  code: IssueType;
  diagnostics: string;
  expression: string[];
}

/** Most characters of a whole query string or `_search` form body (bytes of ASCII after %-encoding). */
export const MAX_SEARCH_TEXT = 16_384;
/** Most `name=value` pairs in one search. */
export const MAX_SEARCH_PARAMS = 64;
/** Most characters of one decoded parameter value. */
export const MAX_VALUE_LENGTH = 2_048;
/** Most comma-separated (OR-ed) values of one parameter. */
export const MAX_OR_VALUES = 100;
