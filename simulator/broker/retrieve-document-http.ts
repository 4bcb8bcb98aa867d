/**
 * The HTTP side the broker's ITI-68 (retrieve-document.ts) and WADO-RS (wado-rs.ts) endpoints
 * share, beside the ITI-67 face's (fhir-record.ts: the request's facts and the FaultEvent, reused
 * here): the core's RequestContext of a request, answering with an
 * OperationOutcome (FHIR R4 `application/fhir+json`; IHE MHD ITI TF-2 3.68.4.2.3: errors as an
 * OperationOutcome), and recording a refusal as a FaultEvent before its answer leaves
 * (docs/architecture.md "Audit pipeline": no answer without its record).
 */
import type { Request, Response } from 'express';
import type { OperationOutcome } from 'fhir/r4.js';
import type { BrokerTransaction, RequesterIdentity, TransactionEvent } from '../events/transaction-events.js';
import { issue, operationOutcome, type IssueType } from '../fhir/operation-outcome.js';
import type { BrokerContext, RequestContext } from './context.js';
import { holdSlot } from './fhir-http.js';
import { fhirFaultEvent, type FhirRequestFacts } from './fhir-record.js';
import {
  FhirRefusal,
  admitBearer,
  unverifiedRequester,
  type FhirAdmission,
  type FhirSecurity,
} from './iua-enforcement.js';
import type { AssertionForwarder } from './xua-forward.js';

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

/** What the federation core is told of this request (RequestContext), from its HTTP facts. */
export function requestContextOf(
  facts: FhirRequestFacts,
  requester: RequesterIdentity,
  deadlineAt?: number,
): RequestContext {
  return {
    ...(facts.messageId !== undefined ? { messageId: facts.messageId } : {}),
    ...(facts.consumerId !== undefined ? { consumerId: facts.consumerId } : {}),
    requester,
    endpoint: facts.endpoint,
    ...(facts.remoteAddress !== undefined ? { remoteAddress: facts.remoteAddress } : {}),
    ...(deadlineAt !== undefined ? { deadlineAt } : {}),
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
 * Refuse the request: record its FaultEvent (awaited), then answer `status` with `outcome`. A
 * recorder that rejects turns the answer into a 500 OperationOutcome (no answer without its
 * record).
 */
export async function refuse(
  bc: BrokerContext,
  facts: FhirRequestFacts,
  res: Response,
  transaction: BrokerTransaction,
  status: number,
  outcome: OperationOutcome,
  requester: RequesterIdentity,
  headers: Record<string, string> = {},
): Promise<void> {
  const first = outcome.issue[0]!;
  try {
    await bc.recorder?.record({
      kind: 'fault',
      event: fhirFaultEvent(
        transaction,
        facts,
        { httpStatus: status, code: first.code, diagnostics: first.diagnostics ?? '' },
        requester,
        arrivedAt(bc, res),
        bc.clock,
      ),
    });
  } catch (err) {
    bc.logger.error({ err }, 'could not record a refused FHIR request');
    sendOutcome(res, 500, unrecordedOutcome());
    return;
  }
  sendOutcome(res, status, outcome, headers);
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

/** The OperationOutcome and headers of an IUA refusal (RFC 6750 §3: no detail of the check). */
export function refusalAnswer(r: FhirRefusal): {
  outcome: OperationOutcome;
  headers: Record<string, string>;
} {
  return {
    outcome: errorOutcome(r.issueCode, r.diagnostics),
    headers: r.wwwAuthenticate !== undefined ? { 'WWW-Authenticate': r.wwwAuthenticate } : {},
  };
}

/**
 * Admit the request as the ITI-67 face does: first a slot of the broker's admission queue
 * (fhir-http.ts `holdSlot`, held until the response closes; 503 + Retry-After when the queue is
 * full or the request's deadline passed while it waited), then iua-enforcement.ts `admitBearer`
 * (on the integration port mutual TLS and a valid IUA token, on the sandbox port everyone, the
 * requester read unverified); or refuse it (recorded as a FaultEvent, answered with an
 * OperationOutcome) and return undefined.
 * @returns the admission and `deadlineAt` (epoch ms) when the answer is due, for the legs.
 */
export async function admitOrRefuse(
  bc: BrokerContext,
  req: Request,
  res: Response,
  facts: FhirRequestFacts,
  transaction: BrokerTransaction,
  security: FhirSecurity | undefined,
  forward: AssertionForwarder | undefined,
): Promise<(FhirAdmission & { deadlineAt?: number }) | undefined> {
  const slot = await holdSlot(bc, arrivedAt(bc, res), res);
  if (slot === undefined) return undefined;
  if ('httpStatus' in slot) {
    bc.logger.warn(
      { path: req.path, transaction, ...bc.admission?.stats() },
      'request refused: broker overloaded',
    );
    const requester = unverifiedRequester(facts.consumerId, req.headers.authorization);
    const outcome = errorOutcome(slot.code, slot.diagnostics);
    await refuse(bc, facts, res, transaction, slot.httpStatus, outcome, requester, slot.headers);
    return undefined;
  }
  try {
    const admission = await admitBearer(req, facts.consumerId, bc, security, forward);
    return slot.deadlineAt !== undefined ? { ...admission, deadlineAt: slot.deadlineAt } : admission;
  } catch (err) {
    if (!(err instanceof FhirRefusal)) throw err;
    const a = refusalAnswer(err);
    const requester = unverifiedRequester(facts.consumerId, req.headers.authorization);
    await refuse(bc, facts, res, transaction, err.status, a.outcome, requester, a.headers);
    return undefined;
  }
}
