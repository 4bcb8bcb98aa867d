/**
 * One consumer request as consumer-mode checks read it: the broker's record (a TransactionEvent
 * for a request it answered, a FaultEvent for one it refused with a SOAP Fault) with its request
 * envelope re-read by the project's codecs (soap/envelope.ts, the xca/ request decoders), once,
 * so that every check sees the same parse. The envelope is bounded by the broker's request body
 * limit and parsed under the hardened parser's limits (soap/xml.ts XML_LIMITS).
 */
import type {
  BrokerRecord,
  BrokerTransaction,
  FaultEvent,
  RequesterIdentity,
  TransactionEvent,
  WireProtocol,
} from '../events/transaction-events.js';
import { parseSoapEnvelope, type SoapEnvelope } from '../soap/envelope.js';
import { SoapFaultError } from '../soap/fault.js';
import { parseXml } from '../soap/xml.js';
import { decodeAdhocQueryRequest } from '../xca/adhoc-query-request.js';
import { Transaction } from '../xca/constants.js';
import { decodeRetrieveDocumentSetRequest } from '../xca/retrieve-document-set.js';
import {
  decodeRetrieveImagingDocumentSetRequest,
  type RetrieveImagingDocumentSetRequest,
} from '../xca/retrieve-imaging-document-set.js';
import type { AdhocQueryRequest, RegistryError, RetrieveDocumentSetRequest } from '../xca/types.js';

/** A broker record consumer mode judges: an answered request or a refused one. */
export type ConsumerRecord = Extract<BrokerRecord, { kind: 'transaction' | 'fault' }>;

/** The SOAP Fault a refused request was answered with (FaultEvent). */
export interface ConsumerRefusal {
  httpStatus: number;
  /** env:Code/env:Value without prefix (Sender, Receiver, ...). */
  code?: string;
  /** The first env:Subcode as written, e.g. `wsse:InvalidSecurity`, `wsa:ActionNotSupported`. */
  subcode?: string;
  reason?: string;
}

/** The request body as decoded for its transaction, or why it could not be. */
export type ConsumerBody =
  | { kind: 'query'; request: AdhocQueryRequest }
  | { kind: 'retrieve'; request: RetrieveDocumentSetRequest }
  | { kind: 'imaging'; request: RetrieveImagingDocumentSetRequest }
  | { kind: 'unreadable'; problem: string };

/**
 * One request as the checks read it. Times: epoch ms (`startedAt`), ms (`durationMs`,
 * `deadlineMs`).
 * - `refusal`: set when the broker answered a SOAP Fault (no `status`, no `errors` then).
 * - `envelope`: the request envelope re-read; absent when the record has none (`envelopeProblem`
 *   says why: not recorded, not XML, not a SOAP 1.2 envelope).
 * - `body`: the env:Body child decoded as the transaction's request (ITI-38 AdhocQueryRequest,
 *   ITI-39 RetrieveDocumentSetRequest, RAD-75 RetrieveImagingDocumentSetRequest).
 * - `deadlineMs`: NIR's answer deadline for the request (the broker's overall request deadline).
 */
export interface ConsumerRequest {
  id: string;
  transaction: BrokerTransaction;
  protocol: WireProtocol;
  consumerId?: string;
  messageId?: string;
  startedAt: number;
  durationMs: number;
  endpoint?: string;
  requester?: RequesterIdentity;
  refusal?: ConsumerRefusal;
  status?: string;
  errors: RegistryError[];
  envelope?: SoapEnvelope;
  envelopeProblem?: string;
  body?: ConsumerBody;
  deadlineMs: number;
}

/** The record's own facts, whichever kind it is. */
function facts(
  r: ConsumerRecord,
): Omit<ConsumerRequest, 'envelope' | 'envelopeProblem' | 'body' | 'deadlineMs'> {
  const e: TransactionEvent | FaultEvent = r.event;
  const base = {
    id: e.id,
    transaction: e.transaction,
    protocol: (r.kind === 'transaction' ? r.event.protocol : undefined) ?? 'xca',
    ...(e.consumerId !== undefined ? { consumerId: e.consumerId } : {}),
    ...(e.messageId !== undefined ? { messageId: e.messageId } : {}),
    startedAt: e.startedAt,
    durationMs: e.durationMs,
    ...(e.endpoint !== undefined ? { endpoint: e.endpoint } : {}),
    ...(e.requester !== undefined ? { requester: e.requester } : {}),
  };
  if (r.kind === 'transaction') return { ...base, status: r.event.status, errors: r.event.errors };
  const f = r.event;
  return {
    ...base,
    errors: [],
    refusal: {
      httpStatus: f.httpStatus,
      ...(f.code !== undefined ? { code: f.code } : {}),
      ...(f.subcode !== undefined ? { subcode: f.subcode } : {}),
      ...(f.reason !== undefined ? { reason: f.reason } : {}),
    },
  };
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The env:Body child decoded as the request of `transaction`. */
function decodeBody(transaction: BrokerTransaction, env: SoapEnvelope): ConsumerBody | undefined {
  const el = env.body;
  if (!el) return { kind: 'unreadable', problem: 'env:Body is empty' };
  try {
    if (transaction === Transaction.Iti38) return { kind: 'query', request: decodeAdhocQueryRequest(el) };
    if (transaction === Transaction.Iti39)
      return { kind: 'retrieve', request: decodeRetrieveDocumentSetRequest(el) };
    if (transaction === Transaction.Rad75)
      return { kind: 'imaging', request: decodeRetrieveImagingDocumentSetRequest(el) };
    return undefined;
  } catch (err) {
    return { kind: 'unreadable', problem: message(err) };
  }
}

/**
 * Re-read one broker record for the checks. Never throws: what cannot be read is said in
 * `envelopeProblem` or a `body` of kind `unreadable`.
 * @param deadlineMs NIR's answer deadline the request is held to, ms.
 */
export function readConsumerRequest(r: ConsumerRecord, deadlineMs: number): ConsumerRequest {
  const out: ConsumerRequest = { ...facts(r), deadlineMs };
  if (out.protocol !== 'xca') return out;
  const xml = r.event.requestXml;
  if (xml === undefined) {
    out.envelopeProblem =
      'the broker could not read the request as a SOAP envelope' +
      (out.refusal?.reason !== undefined ? ` (${out.refusal.reason})` : '');
    return out;
  }
  try {
    out.envelope = parseSoapEnvelope(parseXml(xml), [], { enforceMustUnderstand: false });
  } catch (err) {
    out.envelopeProblem =
      err instanceof SoapFaultError ? `not a SOAP 1.2 envelope: ${err.reason}` : message(err);
    return out;
  }
  const body = decodeBody(out.transaction, out.envelope);
  if (body) out.body = body;
  return out;
}
