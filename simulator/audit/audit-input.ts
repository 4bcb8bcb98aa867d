/**
 * What the audit trail reads: the broker's TransactionEvent and FaultEvent
 * (simulator/control/events.ts), described here structurally because audit may import only shared
 * and xca (docs/architecture.md "Import boundaries"); the runtime passes those events in unchanged.
 * Times in epoch ms, durations in ms.
 */
import type { Transaction } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';

/** An HL7 v3 coded value (CE) from an XUA attribute. */
export interface AuditedCode {
  code: string;
  codeSystem?: string;
  displayName?: string;
}

/**
 * The requester (see control/events.ts RequesterIdentity): `assurance` tells whether the XUA
 * assertion was validated (security layer, IHE ITI-40), only read (`unverified`), or absent.
 */
export interface AuditRequester {
  assurance: 'validated' | 'unverified' | 'unknown';
  callingSystem?: { id: string; source: string };
  user?: { id: string; display?: string; issuer?: string };
  organisation?: { id?: string; display?: string };
  role?: AuditedCode;
  purposeOfUse?: AuditedCode;
  homeCommunityId?: string;
  /** XACML resource-id: the patient the user asked about, as a CX. */
  patientId?: string;
  assertionId?: string;
}

/** A document named by a request (ITI-39) or an answer (ITI-38). */
export interface AuditedDocument {
  documentUniqueId: string;
  /** The DocumentEntry's entryUUID, when the answer gave it. */
  entryUuid?: string;
  homeCommunityId?: string;
  repositoryUniqueId?: string;
  /** NHS number, when known. */
  patient?: string;
  /** Study Instance UIDs the entry names (a KOS manifest's referenceIdList). */
  studyInstanceUids?: readonly string[];
}

/** An ObjectRef of an ITI-38 answer: a registry object named by its entryUUID only. */
export interface AuditedObjectRef {
  entryUuid: string;
  homeCommunityId?: string;
}

/** A study of a RAD-75 request (RAD TF-3 4.75). */
export interface AuditedStudy {
  studyInstanceUid: string;
  seriesInstanceUids: readonly string[];
  homeCommunityId?: string;
  repositoryUniqueId?: string;
  documentUniqueIds: readonly string[];
  patient?: string;
}

/**
 * A patient the DICOM parts of a RAD-75 named (structurally control/events.ts RelayedPatient):
 * Patient ID (0010,0020), Issuer of Patient ID (0010,0021), the studies of those parts.
 */
export interface AuditedRelayedPatient {
  patientId: string;
  issuerOfPatientId?: string;
  studyInstanceUids: readonly string[];
}

/** One consumer request the broker answered (structurally control/events.ts TransactionEvent). */
export interface AuditedTransaction {
  /** The broker's id of the transaction (links a RAD-75's relayed patients to its first events). */
  id?: string;
  transaction: Transaction;
  /** wsa:MessageID (the PARS transaction entity). */
  messageId?: string;
  consumerId?: string;
  /** NHS number of the query's patient, when valid. */
  patient?: string;
  /** The patient id as sent, valid or not. */
  patientId?: string;
  /** ITI-39: the documents asked for. */
  documents?: readonly AuditedDocument[];
  /** RAD-75: the studies asked for. */
  studies?: readonly AuditedStudy[];
  startedAt: number;
  durationMs: number;
  /** The response status URN. */
  status: string;
  errors: readonly RegistryError[];
  resultCount: number;
  legs: readonly { outcome: 'answered' | 'failed' }[];
  requester?: AuditRequester;
  /** The broker URL called. */
  endpoint?: string;
  remoteAddress?: string;
  /** ITI-38: the AdhocQueryRequest element as received. */
  queryXml?: string;
  /** ITI-38: the DocumentEntries returned (ids only). */
  returnedDocuments?: readonly AuditedDocument[];
  /** ITI-38: the ObjectRefs returned (returnType ObjectRef): entryUUID and home. */
  returnedObjectRefs?: readonly AuditedObjectRef[];
}

/** A consumer request answered with a SOAP Fault (structurally control/events.ts FaultEvent). */
export interface AuditedFault {
  transaction: Transaction;
  messageId?: string;
  consumerId?: string;
  requester?: AuditRequester;
  endpoint?: string;
  remoteAddress?: string;
  startedAt: number;
  durationMs: number;
  httpStatus: number;
  code?: string;
  subcode?: string;
  reason?: string;
}
