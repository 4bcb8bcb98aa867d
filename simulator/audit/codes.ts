/**
 * The codes of NIR's audit events, as `as const` objects with same-named types. Sources:
 * DICOM PS3.16 (DCM code system: event ids, participant roles, object id types), DICOM PS3.15
 * A.5 (audit message semantics), IHE ITI TF-2 3.38.5.1 / 3.39.5.1 and RAD TF-3 4.75.5.1 (what each
 * transaction audits), IHE Basic Audit Log Patterns (BALP, `IHE/ITI.BasicAudit`), FHIR R4
 * AuditEvent and its value sets, and NHS England's Patient Audit Record Service (PARS) profile
 * `England-AuditEvent-PARS` (identifier systems, agent and entity slices). Research notes:
 * `../shared/research/nhs-nir.md` section 4.
 */
import type { BrokerTransaction } from '../events/transaction-events.js';

/** Code systems and identifier systems used in the events. */
export const AuditSystem = {
  /** DICOM Controlled Terminology (PS3.16). */
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  /** IHE transaction codes as FHIR AuditEvent.subtype (BALP; DICOM EventTypeCode). */
  iheEventType: 'urn:ihe:event-type-code',
  /** FHIR R4 AuditEventEntityType. */
  auditEntityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  /** FHIR R4 ObjectRole. */
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  /** FHIR R4 AuditEventSourceType. */
  securitySourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  /** FHIR R4 ResourceType (PARS: entity[endpoint].type). */
  resourceTypes: 'http://hl7.org/fhir/resource-types',
  /** HL7 v3 RoleClass (BALP: agent[userorg].type PROV). */
  roleClass: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass',
  /** BALP entity types (XrequestId: the transaction entity). */
  balpEntityType: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType',
  /** FHIR R4 RestfulInteraction (BALP: the FHIR interaction as a second AuditEvent.subtype). */
  restfulInteraction: 'http://hl7.org/fhir/restful-interaction',
  /** BALP agent types (UserSamlAgent / UserOauthAgent: a user known from a SAML assertion / an OAuth token). */
  balpAgentType: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/UserAgentTypes',
  /** NHS number (PARS entity[patient]). */
  nhsNumber: 'https://fhir.nhs.uk/Id/nhs-number',
  /** ODS organisation code (PARS agent[organisation]). */
  odsOrganisationCode: 'https://fhir.nhs.uk/Id/ods-organization-code',
  /** Accredited system id (PARS source.observer.identifier). */
  accreditedSystem: 'https://fhir.nhs.uk/Id/accredited-system',
  /** Message transaction id (PARS entity[transaction]). */
  transaction: 'https://fhir.nhs.uk/Id/transaction',
  /** Any URI, e.g. `urn:oid:` organisation ids from an XUA assertion (RFC 3986). */
  uri: 'urn:ietf:rfc:3986',
  /** nir-sim's own: the sandbox's X-NIR-Consumer value (a calling system with no ASID yet). */
  nirConsumer: 'https://nir-sim.invalid/Id/consumer',
  /** nir-sim's own extension: how far the requester identity was checked. */
  identityAssurance: 'https://nir-sim.invalid/StructureDefinition/identity-assurance',
} as const;
export type AuditSystem = (typeof AuditSystem)[keyof typeof AuditSystem];

/** A code with its display, the shape of every entry below. */
export interface AuditCode {
  code: string;
  display: string;
}

/** DICOM audit event ids, AuditEvent.type (DICOM PS3.16 CID 400; PS3.15 A.5.3). */
const DicomEventId = {
  /** Query (ITI-38, as a Document Registry would audit it: ITI TF-2 3.38.5.1). */
  Query: { code: '110112', display: 'Query' },
  /** Export (ITI-39, as a Document Repository would audit it: ITI TF-2 3.39.5.1). */
  Export: { code: '110106', display: 'Export' },
  /** Import (ITI-39 on the receiving side; not used by the broker, listed for the alternative). */
  Import: { code: '110107', display: 'Import' },
  /** DICOM Instances Accessed, the event for RAD "Study Used" (RAD-75; DICOM PS3.15 A.5.3.6). */
  DicomInstancesAccessed: { code: '110103', display: 'DICOM Instances Accessed' },
} as const satisfies Record<string, AuditCode>;
type DicomEventId = (typeof DicomEventId)[keyof typeof DicomEventId];

/** DICOM participant role ids (DICOM PS3.16 CID 402). */
export const DicomRoleId = {
  Source: { code: '110153', display: 'Source Role ID' },
  Destination: { code: '110152', display: 'Destination Role ID' },
} as const satisfies Record<string, AuditCode>;
export type DicomRoleId = (typeof DicomRoleId)[keyof typeof DicomRoleId];

/** DICOM participant object id types (DICOM PS3.16 CID 404; PS3.15 A.5.3.6). */
export const DicomObjectIdType = {
  StudyInstanceUid: { code: '110180', display: 'Study Instance UID' },
  SeriesInstanceUid: { code: '112002', display: 'Series Instance UID' },
} as const satisfies Record<string, AuditCode>;
export type DicomObjectIdType = (typeof DicomObjectIdType)[keyof typeof DicomObjectIdType];

/** AuditEvent.subtype per transaction (IHE transaction names; BALP `urn:ihe:event-type-code`). */
export const IheEventType = {
  'ITI-38': { code: 'ITI-38', display: 'Cross Gateway Query' },
  'ITI-39': { code: 'ITI-39', display: 'Cross Gateway Retrieve' },
  'RAD-75': { code: 'RAD-75', display: 'Cross Gateway Retrieve Imaging Document Set' },
  'ITI-67': { code: 'ITI-67', display: 'Find Document References' },
  'ITI-68': { code: 'ITI-68', display: 'Retrieve Document' },
  // IHE RAD TF-2 4.107 WADO-RS Retrieve (the WIA profile's transaction).
  'WADO-RS': { code: 'RAD-107', display: 'WADO-RS Retrieve' },
} as const satisfies Record<BrokerTransaction, AuditCode>;
export type IheEventType = (typeof IheEventType)[keyof typeof IheEventType];

/** AuditEvent.type per transaction (the DICOM event each IHE transaction audits). */
export const EventIdFor = {
  'ITI-38': DicomEventId.Query,
  'ITI-39': DicomEventId.Export,
  'RAD-75': DicomEventId.DicomInstancesAccessed,
  // IHE MHD ITI TF-2 3.67.5 / 3.68.5: the Document Responder audits as a Registry (Query) and a
  // Repository (Export); RAD TF-2 4.107.5: DICOM Instances Accessed, like RAD-75.
  'ITI-67': DicomEventId.Query,
  'ITI-68': DicomEventId.Export,
  'WADO-RS': DicomEventId.DicomInstancesAccessed,
} as const satisfies Record<BrokerTransaction, AuditCode>;

/**
 * The FHIR interaction of each FHIR request, as BALP's RESTful patterns add it to AuditEvent.subtype
 * (FHIR R4 RestfulInteraction; IHE BALP `IHE.BasicAudit.PatientQuery`: `search`). ITI-68 and
 * WADO-RS are plain HTTP GETs of a URL (MHD ITI TF-2 3.68.4.1; DICOM PS3.18 10.4), no FHIR
 * interaction: they have none.
 */
export const RestfulInteractionFor = {
  'ITI-67': { code: 'search', display: 'search' },
} as const satisfies Partial<Record<BrokerTransaction, AuditCode>>;

/** BALP UserAgentTypes: how the user agent's identity was learnt (BALP SAML / OAuth access token use). */
export const UserAgentType = {
  Saml: { code: 'UserSamlAgent', display: 'User SAML Agent' },
  Oauth: { code: 'UserOauthAgent', display: 'User OAuth Agent' },
} as const satisfies Record<string, AuditCode>;
export type UserAgentType = (typeof UserAgentType)[keyof typeof UserAgentType];

/** AuditEvent.action (FHIR R4 AuditEventAction; DICOM EventActionCode). */
export const AuditEventAction = {
  Create: 'C',
  Read: 'R',
  Update: 'U',
  Delete: 'D',
  Execute: 'E',
} as const;
export type AuditEventAction = (typeof AuditEventAction)[keyof typeof AuditEventAction];

/** AuditEvent.outcome (FHIR R4 AuditEventOutcome; DICOM EventOutcomeIndicator). */
export const AuditEventOutcome = {
  /** Success. */
  Success: '0',
  /** Minor failure: the action completed, in part (XCA PartialSuccess). */
  MinorFailure: '4',
  /** Serious failure: the action was terminated (a request NIR refused). */
  SeriousFailure: '8',
  /** Major failure: the action was made unavailable (no community reachable, NIR's own fault). */
  MajorFailure: '12',
} as const;
export type AuditEventOutcome = (typeof AuditEventOutcome)[keyof typeof AuditEventOutcome];

/** AuditEvent.entity.type (FHIR R4 AuditEventEntityType). */
export const AuditEntityType = {
  Person: { code: '1', display: 'Person' },
  SystemObject: { code: '2', display: 'System Object' },
} as const satisfies Record<string, AuditCode>;
export type AuditEntityType = (typeof AuditEntityType)[keyof typeof AuditEntityType];

/** AuditEvent.entity.role (FHIR R4 ObjectRole). */
export const ObjectRole = {
  Patient: { code: '1', display: 'Patient' },
  Report: { code: '3', display: 'Report' },
  DataRepository: { code: '17', display: 'Data Repository' },
  Query: { code: '24', display: 'Query' },
} as const satisfies Record<string, AuditCode>;
export type ObjectRole = (typeof ObjectRole)[keyof typeof ObjectRole];

/** AuditEvent.entity.detail.type names (DICOM PS3.15 A.5 ParticipantObjectDetail; PARS). */
export const EntityDetailType = {
  homeCommunityId: 'ihe:homeCommunityID',
  repositoryUniqueId: 'Repository Unique Id',
  documentUniqueId: 'Document Unique Id',
  seriesInstanceUid: 'Series Instance UID',
  queryEncoding: 'QueryEncoding',
  /** PARS entity[endpoint].detail[interactionIdentifier]: here the wsa:Action. */
  interactionIdentifier: 'interactionIdentifier',
  /** PARS entity[endpoint].detail[productIdentifier]. */
  productIdentifier: 'productIdentifier',
  /** A community leg of a FHIR request: what it spoke (`xca` or `mhd`) and the transaction it sent. */
  protocol: 'protocol',
  transaction: 'transaction',
  /** A community leg: the IHE errorCode of each RegistryError (or OperationOutcome issue) it returned. */
  errorCode: 'errorCode',
} as const;
export type EntityDetailType = (typeof EntityDetailType)[keyof typeof EntityDetailType];

/** AuditEvent.source.type (FHIR R4 AuditEventSourceType). */
export const SecuritySourceType = {
  ApplicationServer: { code: '4', display: 'Application Server' },
} as const satisfies Record<string, AuditCode>;

/** AuditEvent.agent.network.type (FHIR R4 AuditEventAgentNetworkType). */
export const NetworkType = { MachineName: '1', IpAddress: '2', Uri: '5' } as const;
export type NetworkType = (typeof NetworkType)[keyof typeof NetworkType];

/** The SOAP wsa:Action of each transaction's request (the PARS interactionIdentifier). */
export const InteractionFor = {
  'ITI-38': 'urn:ihe:iti:2007:CrossGatewayQuery',
  'ITI-39': 'urn:ihe:iti:2007:CrossGatewayRetrieve',
  'RAD-75': 'urn:ihe:rad:2011:CrossGatewayRetrieveImagingDocumentSet',
  // REST has no wsa:Action: the HTTP interaction as MHD / DICOM PS3.18 define it.
  'ITI-67': 'GET [base]/DocumentReference',
  'ITI-68': 'GET [attachment.url]',
  'WADO-RS': 'GET [service]/studies/{studyInstanceUid}',
} as const satisfies Record<BrokerTransaction, string>;
