/**
 * The broker's records of one FHIR request (events/transaction-events.ts), beside
 * transaction-record.ts for SOAP: what the HTTP exchange tells (`X-NIR-Consumer`, the URL called,
 * the peer address, `X-Request-Id`), the TransactionEvent of an answer completed with the MHD
 * fields (protocol `mhd`, `METHOD URL` request line, the response body, the search parameters as
 * received) and the FaultEvent of a refusal (HTTP status, the OperationOutcome issue code as
 * `code`, its diagnostics as `reason`). Times in epoch ms.
 */
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type {
  BrokerTransaction,
  FaultEvent,
  RequesterIdentity,
  TransactionEvent,
} from '../events/transaction-events.js';
import type { Clock } from '../shared/clock.js';
import { CONSUMER_HEADER } from './broker.js';

/** A client's request id (FHIR R4 HTTP 3.1.0.1.6: `X-Request-Id`), recorded as the messageId. */
const REQUEST_ID_HEADER = 'x-request-id';
/** Longest `X-Request-Id` kept, characters (an id, not a payload). */
const MAX_REQUEST_ID_CHARS = 200;

/** What the HTTP exchange of a FHIR request tells, read once when it arrives. */
export interface FhirRequestFacts {
  /** The `X-NIR-Consumer` header, when non-empty. */
  consumerId?: string;
  /** The `X-Request-Id` header, when non-empty (cut at 200 characters). */
  messageId?: string;
  /** The scheme and authority the consumer called, `http(s)://host[:port]` (from Host). */
  origin: string;
  /** The URL called, without its query (`{origin}{path}`). */
  endpoint: string;
  /** `METHOD URL` as received (a POST `_search` gets its form body after a newline, when given). */
  requestLine: string;
  remoteAddress?: string;
}

const header = (req: Request, name: string): string | undefined => {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/** The facts of `req` (its path within the app at `req.originalUrl`). */
export function fhirRequestFacts(req: Request, formBody?: string): FhirRequestFacts {
  const consumerId = header(req, CONSUMER_HEADER);
  const requestId = header(req, REQUEST_ID_HEADER)?.slice(0, MAX_REQUEST_ID_CHARS);
  const origin = `${req.protocol}://${req.headers.host ?? 'localhost'}`;
  const path = req.originalUrl.split('?')[0] ?? req.originalUrl;
  const line = `${req.method} ${origin}${req.originalUrl}`;
  return {
    ...(consumerId !== undefined ? { consumerId } : {}),
    ...(requestId !== undefined ? { messageId: requestId } : {}),
    origin,
    endpoint: `${origin}${path}`,
    requestLine: formBody !== undefined && formBody !== '' ? `${line}\n${formBody}` : line,
    ...(req.socket.remoteAddress !== undefined ? { remoteAddress: req.socket.remoteAddress } : {}),
  };
}

/**
 * The TransactionEvent of an answered FHIR request: `event` (from the federation core, or built
 * for an answer without legs) with the MHD fields and the request's facts.
 */
export function fhirTransactionEvent(
  event: TransactionEvent,
  facts: FhirRequestFacts,
  answer: { responseBody: string; searchParameters?: [string, string][] },
): TransactionEvent {
  return {
    ...event,
    protocol: 'mhd',
    ...(facts.messageId !== undefined ? { messageId: facts.messageId } : {}),
    ...(facts.consumerId !== undefined ? { consumerId: facts.consumerId } : {}),
    endpoint: facts.endpoint,
    ...(facts.remoteAddress !== undefined ? { remoteAddress: facts.remoteAddress } : {}),
    requestLine: facts.requestLine,
    responseBody: answer.responseBody,
    ...(answer.searchParameters !== undefined ? { searchParameters: answer.searchParameters } : {}),
  };
}

/** The FaultEvent of a FHIR request refused with `httpStatus` and one OperationOutcome issue. */
export function fhirFaultEvent(
  transaction: BrokerTransaction,
  facts: FhirRequestFacts,
  refusal: { httpStatus: number; code: string; diagnostics: string },
  requester: RequesterIdentity,
  startedAt: number,
  clock: Clock,
): FaultEvent {
  return {
    id: randomUUID(),
    transaction,
    ...(facts.messageId !== undefined ? { messageId: facts.messageId } : {}),
    ...(facts.consumerId !== undefined ? { consumerId: facts.consumerId } : {}),
    requester,
    endpoint: facts.endpoint,
    ...(facts.remoteAddress !== undefined ? { remoteAddress: facts.remoteAddress } : {}),
    startedAt,
    durationMs: clock.now() - startedAt,
    httpStatus: refusal.httpStatus,
    code: refusal.code,
    reason: refusal.diagnostics,
  };
}
