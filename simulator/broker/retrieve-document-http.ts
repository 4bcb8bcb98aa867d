/**
 * The HTTP side the broker's ITI-68 (retrieve-document.ts) and WADO-RS (wado-rs.ts) endpoints
 * share: what a request tells of itself (requestLine, endpoint, consumer), answering with an
 * OperationOutcome (FHIR R4 `application/fhir+json`; IHE MHD ITI TF-2 3.68.4.2.3: errors as an
 * OperationOutcome), and recording a refusal as a FaultEvent before its answer leaves
 * (docs/architecture.md "Audit pipeline": no answer without its record).
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import type {
  BrokerTransaction,
  FaultEvent,
  RequesterIdentity,
  TransactionEvent,
} from '../events/transaction-events.js';
import { issue, operationOutcome, type IssueType } from '../fhir/operation-outcome.js';
import type { BrokerContext, RequestContext } from './context.js';

/**
 * The consumer-profile header of the sandbox port (broker.ts CONSUMER_HEADER; not imported from
 * there: broker.ts mounts the FHIR routes, and the import would be a cycle).
 */
const CONSUMER_HEADER = 'x-nir-consumer';

/** FHIR R4 JSON media type (FHIR R4 http.html#mime-type). */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Longest request URL the MHD retrieve endpoints read, characters (the rest is refused with 414). */
export const MAX_RETRIEVE_URL_CHARS = 4096;

/** res.locals key of the time the request arrived (the broker's clock), epoch ms. */
const ARRIVED_AT = 'mhdRetrieveArrivedAt';

/** Note when the request arrived: the `startedAt` of its FaultEvent or TransactionEvent. */
export function noteArrival(bc: BrokerContext, res: Response): number {
  const now = bc.clock.now();
  res.locals[ARRIVED_AT] = now;
  return now;
}

/** When the request arrived (noteArrival), else now. */
export function arrivedAt(bc: BrokerContext, res: Response): number {
  const v: unknown = res.locals[ARRIVED_AT];
  return typeof v === 'number' ? v : bc.clock.now();
}

/** The consumer's profile key: the `X-NIR-Consumer` header, when non-empty. */
export function consumerIdOf(req: Request): string | undefined {
  const v = req.headers[CONSUMER_HEADER];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The request as the transaction log shows it: `GET <path and query>`. */
export function requestLineOf(req: Request): string {
  return `${req.method} ${req.originalUrl}`;
}

/** The URL the consumer called, without its query string, e.g. `http://127.0.0.1:8080/fhir/document`. */
export function endpointOf(req: Request): string | undefined {
  const host = req.headers.host;
  if (host === undefined) return undefined;
  return `${req.protocol}://${host}${req.originalUrl.split('?')[0] ?? ''}`;
}

/** The request's X-Request-Id (FHIR R4 http.html#custom), when sent: the event's `messageId`. */
function requestIdOf(req: Request): string | undefined {
  const v = req.headers['x-request-id'];
  return typeof v === 'string' && v !== '' && v.length <= 200 ? v : undefined;
}

/** The sandbox requester: the `X-NIR-Consumer` header as the calling system, unverified. */
export function sandboxRequester(consumerId: string | undefined): RequesterIdentity {
  return consumerId === undefined
    ? { assurance: 'unknown' }
    : { assurance: 'unverified', callingSystem: { id: consumerId, source: 'x-nir-consumer-header' } };
}

/** What the federation core is told of this request (RequestContext). */
export function requestContextOf(req: Request, requester: RequesterIdentity): RequestContext {
  const consumerId = consumerIdOf(req);
  const messageId = requestIdOf(req);
  const endpoint = endpointOf(req);
  return {
    ...(messageId !== undefined ? { messageId } : {}),
    ...(consumerId !== undefined ? { consumerId } : {}),
    requester,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(req.socket.remoteAddress !== undefined ? { remoteAddress: req.socket.remoteAddress } : {}),
  };
}

/** An OperationOutcome of one error issue, `expression` naming the parameter at fault when given. */
export function errorOutcome(code: IssueType, diagnostics: string, expression?: string): OperationOutcome {
  return operationOutcome([
    issue({ severity: 'error', code, diagnostics, ...(expression ? { expression: [expression] } : {}) }),
  ]);
}

/** Write `outcome` with `status` (and extra headers) as FHIR JSON. */
export function sendOutcome(
  res: Response,
  status: number,
  outcome: OperationOutcome,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(outcome);
  res
    .status(status)
    .set({ ...headers, 'Content-Type': FHIR_JSON })
    .send(body);
}

/**
 * The FaultEvent of a request refused before any community was asked: the HTTP status and the
 * first issue's code and diagnostics (FaultEvent `code`, `reason`), ending now.
 */
export function refusalEvent(
  bc: BrokerContext,
  req: Request,
  res: Response,
  transaction: BrokerTransaction,
  httpStatus: number,
  first: OperationOutcomeIssue,
  requester?: RequesterIdentity,
): FaultEvent {
  const startedAt = arrivedAt(bc, res);
  const rc = requestContextOf(req, requester ?? sandboxRequester(consumerIdOf(req)));
  return {
    id: randomUUID(),
    transaction,
    ...(rc.messageId !== undefined ? { messageId: rc.messageId } : {}),
    ...(rc.consumerId !== undefined ? { consumerId: rc.consumerId } : {}),
    ...(rc.requester !== undefined ? { requester: rc.requester } : {}),
    ...(rc.endpoint !== undefined ? { endpoint: rc.endpoint } : {}),
    ...(rc.remoteAddress !== undefined ? { remoteAddress: rc.remoteAddress } : {}),
    startedAt,
    durationMs: bc.clock.now() - startedAt,
    httpStatus,
    code: first.code,
    ...(first.diagnostics !== undefined ? { reason: first.diagnostics } : {}),
  };
}

/**
 * Refuse the request: record its FaultEvent (awaited), then answer `status` with `outcome`. A
 * recorder that rejects turns the answer into a 500 OperationOutcome (no answer without its
 * record).
 */
export async function refuse(
  bc: BrokerContext,
  req: Request,
  res: Response,
  transaction: BrokerTransaction,
  status: number,
  outcome: OperationOutcome,
  opts: { headers?: Record<string, string>; requester?: RequesterIdentity } = {},
): Promise<void> {
  try {
    await bc.recorder?.record({
      kind: 'fault',
      event: refusalEvent(bc, req, res, transaction, status, outcome.issue[0]!, opts.requester),
    });
  } catch (err) {
    bc.logger.error({ err }, 'could not record a refused FHIR request');
    sendOutcome(res, 500, unrecordedOutcome());
    return;
  }
  sendOutcome(res, status, outcome, opts.headers);
}

/**
 * Record `event` (awaited) before the answer's first byte; false (and a 500 OperationOutcome sent)
 * when the recorder rejects.
 */
export async function recordTransaction(
  bc: BrokerContext,
  res: Response,
  event: TransactionEvent,
): Promise<boolean> {
  try {
    await bc.recorder?.record({ kind: 'transaction', event });
    return true;
  } catch (err) {
    bc.logger.error({ err, id: event.id }, 'could not record a FHIR transaction');
    sendOutcome(res, 500, unrecordedOutcome());
    return false;
  }
}

function unrecordedOutcome(): OperationOutcome {
  return errorOutcome(
    'exception',
    'the broker could not record this request in its audit trail, so it does not answer it: try again later',
  );
}
