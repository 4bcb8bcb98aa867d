/**
 * The broker's record of what happened, as plain data: one TransactionEvent per consumer request
 * answered, a FaultEvent per request answered with a SOAP Fault, the patients a RAD-75's relayed
 * DICOM parts named, and the AuditRecorder that receives them before the answer leaves
 * (docs/architecture.md "Audit pipeline"). Types only: every layer may import this module.
 * Times are epoch ms, durations ms.
 */
import type { MhdTransaction } from '../shared/fhir-endpoints.js';
import type { Transaction } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';

/**
 * A transaction the broker serves or sends: XCA (ITI-38, ITI-39, RAD-75) or MHD / DICOMweb
 * (ITI-67, ITI-68, WADO-RS).
 */
export type BrokerTransaction = Transaction | MhdTransaction;

/**
 * What a leg or a consumer request spoke on the wire: `xca` (SOAP 1.2) or `mhd` (FHIR R4 REST;
 * WADO-RS too). Absent means `xca`.
 */
export type WireProtocol = 'xca' | 'mhd';

/** One community leg of a consumer request. Times in epoch ms, durations in ms. */
export interface LegEvent {
  community: string;
  homeCommunityId: string;
  startedAt: number;
  durationMs: number;
  outcome: 'answered' | 'failed';
  /** HTTP status of the community's answer, when one arrived. */
  httpStatus?: number;
  /** Why the leg failed (LegFailure reason and detail). */
  failure?: { reason: string; detail: string };
  /** errorCode of each RegistryError the community returned. */
  errorCodes: string[];
  /** The request envelope sent and the response envelope received (MTOM: root parts), when available. */
  requestXml?: string;
  responseXml?: string;
  /** The MTOM parts of the response received (ITI-39), by reference. */
  responseAttachments?: AttachmentRef[];
  /** What the leg spoke; absent: `xca`. */
  protocol?: WireProtocol;
  /** The transaction the leg sent (an MHD leg of an ITI-38 request sends ITI-67); absent: the request's. */
  transaction?: BrokerTransaction;
  /** MHD legs: the request as sent, `METHOD URL` (ITI-67 with its query string). */
  requestLine?: string;
  /**
   * MHD legs: the response body received (FHIR JSON), when it is text; bounded like responseXml.
   * A failed XCA leg's answer that is not XML (e.g. an HTTP 500 text/html page) is kept here too.
   */
  responseBody?: string;
  /** A failed leg whose answer arrived: that answer's HTTP headers (names lower-case). */
  responseHeaders?: Record<string, string>;
  /** A failed leg that got no answer (timed out, refused, reset, too large): why, in words. */
  noResponse?: string;
}

/**
 * An MTOM part (ITI TF-2 Appendix V; XOP) referenced from a logged envelope's xop:Include: its
 * Content-ID (no angle brackets), Content-Type, size in bytes and SHA-256 (hex) of its bytes.
 */
export interface AttachmentRef {
  contentId: string;
  contentType: string;
  bytes: number;
  sha256: string;
}

/** One consumer request the broker answered. */
export interface TransactionEvent {
  /** Unique per process, e.g. `tx-42`. */
  id: string;
  transaction: BrokerTransaction;
  /** What the consumer spoke; absent: `xca`. */
  protocol?: WireProtocol;
  /** The consumer's wsa:MessageID (MHD: the `X-Request-Id` header, when sent). */
  messageId?: string;
  consumerId?: string;
  /** NHS number of the query's patient, when it named a valid one. */
  patient?: string;
  /** For retrieves: the documents asked for (RAD-75: the images, DocumentUniqueId = SOP Instance UID). */
  documents?: RequestedDocument[];
  startedAt: number;
  durationMs: number;
  /** Response status URN. */
  status: string;
  errors: RegistryError[];
  /** Documents (ITI-39) or registry objects (ITI-38) returned. */
  resultCount: number;
  legs: LegEvent[];
  /** The consumer's request envelope and the response envelope (MTOM: root parts), for the transaction log. */
  requestXml?: string;
  responseXml?: string;
  /** MHD: the consumer's request, `METHOD URL` (a POST `_search` with its form body after a newline). */
  requestLine?: string;
  /** MHD: the response body sent (FHIR JSON: Bundle or OperationOutcome), when it is JSON. */
  responseBody?: string;
  /** MHD ITI-67: the search parameters as received, in order (audit: the query entity, BALP). */
  searchParameters?: [string, string][];
  /** The MTOM parts of the response to the consumer (ITI-39), by reference. */
  responseAttachments?: AttachmentRef[];
  /** The patient id exactly as the request carried it (ITI-38), valid NHS number or not. */
  patientId?: string;
  /** Who asked, as far as the request tells (audit: PARS agents). */
  requester?: RequesterIdentity;
  /** The broker URL the consumer called, e.g. `http://127.0.0.1:8080/xca/iti38`. */
  endpoint?: string;
  /** The consumer's IP address as the socket saw it. */
  remoteAddress?: string;
  /** ITI-38: the query:AdhocQueryRequest element as received (audit: the query entity, BALP). */
  queryXml?: string;
  /**
   * ITI-38: the stored query asked, as decoded: rim:AdhocQuery/@id (the stored-query UUID, ITI TF-2
   * 3.18.4.1.2.3.7) and its @home when non-empty (audit: the query entity's identifier and home).
   */
  storedQuery?: { id: string; home?: string };
  /** ITI-38: the DocumentEntries returned (ids only), for linking later retrieves to a patient. */
  returnedDocuments?: ReturnedDocument[];
  /** ITI-38 answered with ObjectRefs (returnType ObjectRef): their entryUUIDs and homes. */
  returnedObjectRefs?: ReturnedObjectRef[];
  /** RAD-75: the studies asked for (Study and Series Instance UIDs, with where they live). */
  studies?: RequestedStudy[];
}

/**
 * The requester of a consumer request, from what the request carries. `assurance` says how far
 * to trust it: `unverified` while nothing checks it (the sandbox: the `X-NIR-Consumer` header and
 * any XUA assertion read without validation), `validated` once the security layer has checked a
 * signed XUA assertion (IHE ITI-40), `unknown` when the request names nobody. Field names follow
 * the XUA attributes (IHE ITI TF-2 3.40.4.1.2; XSPA subject-id, organization, organization-id,
 * role, purposeofuse, resource-id) and the PARS agent slices (NHS England PARS profile).
 */
export interface RequesterIdentity {
  assurance: 'validated' | 'unverified' | 'unknown';
  /** The calling system: the sandbox's `X-NIR-Consumer` header (later: product id or ASID). */
  callingSystem?: { id: string; source: 'x-nir-consumer-header' | 'tls-certificate' };
  /** The user: XSPA subject-id, else the assertion's Subject NameID. */
  user?: { id: string; display?: string; issuer?: string };
  /** The user's organisation: XSPA organization-id (an ODS code or `urn:oid:`) and organization. */
  organisation?: { id?: string; display?: string };
  /** XACML subject:role (an HL7 v3 CE: code, codeSystem, displayName). */
  role?: CodedValue;
  /** XSPA purposeofuse (PurposeOfUse, or PurposeForUse as some senders spell it). */
  purposeOfUse?: CodedValue;
  /** The homeCommunityId attribute (`urn:ihe:iti:xca:2010:homeCommunityId` or the NHIN name). */
  homeCommunityId?: string;
  /** XACML resource:resource-id: the patient id the user asked about, as a CX. */
  patientId?: string;
  /** The assertion's `@ID` (BALP: agent[user].policy). */
  assertionId?: string;
}

/** An HL7 v3 coded value (CE) as XUA attributes carry it. */
export interface CodedValue {
  code: string;
  codeSystem?: string;
  displayName?: string;
}

/** An ObjectRef of an ITI-38 answer (ebRIM 3.0 ObjectRef; ITI TF-2 3.38.4.1.2.3: id and home). */
export interface ReturnedObjectRef {
  /** The object's entryUUID (`urn:uuid:...`). */
  entryUuid: string;
  homeCommunityId?: string;
}

/** One DocumentEntry an ITI-38 answer returned (ids only). */
export interface ReturnedDocument {
  documentUniqueId: string;
  /** The DocumentEntry's entryUUID (its @id), for a later ObjectRef answer naming it. */
  entryUuid?: string;
  homeCommunityId?: string;
  repositoryUniqueId?: string;
  /** NHS number of the entry's patientId, when it is one. */
  patient?: string;
  /** Study Instance UIDs from the entry's referenceIdList (a KOS manifest's study; XDS-I.b). */
  studyInstanceUids?: string[];
}

/**
 * One xdsb:DocumentRequest of an ITI-39 or RAD-75 request (ITI TF-2 3.39.4.1.2; RAD TF-3 4.75.4.1.2):
 * where the document lives and its uniqueId (RAD-75: the SOP Instance UID).
 */
export interface RequestedDocument {
  homeCommunityId?: string;
  repositoryUniqueId: string;
  documentUniqueId: string;
  /** NHS number of the document's patient, when the request's sender already knows it. */
  patient?: string;
}

/** One study of a RAD-75 Cross Gateway Retrieve Imaging Document Set (RAD TF-3 4.75). */
export interface RequestedStudy {
  studyInstanceUid: string;
  seriesInstanceUids: string[];
  homeCommunityId?: string;
  repositoryUniqueId?: string;
  /** SOP Instance UIDs (the DocumentUniqueIds of the imaging request). */
  documentUniqueIds: string[];
  /** NHS number of the study's patient, when known. */
  patient?: string;
}

/**
 * A consumer request the broker answered with a SOAP Fault (undecodable body, wrong wsa:Action,
 * a SOAP 1.1 envelope...), so no TransactionEvent exists for it. Times in epoch ms.
 */
export interface FaultEvent {
  /** Unique per process. */
  id: string;
  /** The transaction of the endpoint called. */
  transaction: BrokerTransaction;
  /** The consumer's wsa:MessageID, when the envelope could be read. */
  messageId?: string;
  consumerId?: string;
  requester?: RequesterIdentity;
  endpoint?: string;
  remoteAddress?: string;
  /**
   * The consumer's request envelope as received (MTOM: the root part), when it could be read as a
   * SOAP envelope (a refusal after reading it: wsa:Action, wsa:MessageID, XUA...); bounded by the
   * broker's request body limit.
   */
  requestXml?: string;
  startedAt: number;
  durationMs: number;
  /** HTTP status of the fault (SOAP 1.2 HTTP binding: Sender 400/413, others 500). */
  httpStatus: number;
  /** env:Code/env:Value without prefix (Sender, Receiver, VersionMismatch, MustUnderstand...). */
  code?: string;
  /** The first env:Subcode value, e.g. `wsa:ActionNotSupported`. */
  subcode?: string;
  /** env:Reason/env:Text. */
  reason?: string;
}

/**
 * A patient named by the DICOM parts the broker relayed for one RAD-75 (RAD TF-3 4.75): Patient ID
 * (0010,0020) and Issuer of Patient ID (0010,0021) as the parts carry them (DICOM PS3.3 C.7.1.1),
 * with the studies of the consolidated answer whose parts named that patient.
 */
export interface RelayedPatient {
  patientId: string;
  issuerOfPatientId?: string;
  studyInstanceUids: string[];
}

/**
 * The patients a RAD-75's DICOM parts named, known only once the relay has ended (the parts stream
 * after the answer's TransactionEvent was emitted): `transaction` is that event, as emitted.
 */
export interface RelayedPatientsEvent {
  transaction: TransactionEvent;
  patients: RelayedPatient[];
}

/** One record of the broker, told as it happens: `kind` names the event. */
export type BrokerRecord =
  | { kind: 'transaction'; event: TransactionEvent }
  | { kind: 'fault'; event: FaultEvent }
  | { kind: 'relayed-patients'; event: RelayedPatientsEvent };

/**
 * Where the broker tells what happened. `record` resolves once the record is kept (the audit
 * trail's NDJSON line and PARS queue entry written, the transaction log updated); the broker awaits
 * it before the answer's first byte is written (a fault's too), so no answer leaves without its
 * record. A rejection means the record could not be kept: the broker then answers env:Receiver
 * instead (fail closed), or, for 'relayed-patients' (after the answer has left), logs it.
 */
export interface AuditRecorder {
  record(record: BrokerRecord): Promise<void>;
}
