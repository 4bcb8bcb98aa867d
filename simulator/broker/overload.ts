/**
 * The broker's answer when it is too busy: a SOAP 1.2 `env:Receiver` fault with subcode
 * `wsa:EndpointUnavailable` and `<wsa:RetryAfter>` (WS-Addressing 1.0 SOAP Binding §6.4.7), sent
 * with HTTP 503 and `Retry-After` (RFC 9110 §15.6.4), before the request body is read. It is
 * never a set of legs "timed out": a request refused here started no leg.
 */
import type { Request, RequestHandler, Response } from 'express';
import { SoapFaultError, WsaFaultSubcode } from '../soap/fault.js';
import { sendSoapFault } from '../soap/server.js';
import type { Logger } from '../shared/logger.js';
import type { DeadlineClock } from '../shared/clock.js';
import type { Admission, AdmissionQueue, RefusalReason } from './admission.js';

/**
 * The overload fault for `reason`: `queue-full` (too many requests in processing and waiting) or
 * `deadline-in-queue` (the request's overall deadline of `requestDeadlineMs` passed before it
 * could be processed, or before its legs could start).
 */
export function overloadFault(
  reason: RefusalReason,
  limits: { requestDeadlineMs: number; retryAfterMs: number },
): SoapFaultError {
  const retry = `retry after ${Math.max(1, Math.ceil(limits.retryAfterMs / 1000))} s`;
  const text =
    reason === 'queue-full'
      ? `The service is busy: too many requests are in progress; ${retry}`
      : `The service is busy: the request could not be processed within its ${limits.requestDeadlineMs} ms deadline; ${retry}`;
  return new SoapFaultError('Receiver', text, {
    subcode: WsaFaultSubcode.EndpointUnavailable,
    retryAfterMs: limits.retryAfterMs,
    logDetail: reason,
  });
}

/** The two halves of the admission control of one SOAP endpoint (see {@link admissionControl}). */
interface AdmissionControl {
  /** Express middleware in front of the endpoint: notes the arrival time; refuses at once when full. */
  onArrival: RequestHandler;
  /**
   * The endpoint's `afterBodyRead` hook (soap/server.ts): waits for a processing slot; resolves
   * false when the request was refused (the overload fault is then sent) or abandoned.
   */
  afterBodyRead: (req: Request, res: Response) => Promise<boolean>;
}

/**
 * Admission through `queue` for one SOAP endpoint, in two steps so that a slow upload never holds a
 * processing slot (a few clients trickling their bodies must not lock everyone else out):
 * - on arrival, before the body is read, the arrival time is taken from `clock` (the overall
 *   deadline runs from it) and, when every slot and every waiting place is taken, the request is
 *   answered with {@link overloadFault} `queue-full` at once, without reading its body;
 * - once the whole body is in (bounded by the listener's request timeout, shared/listener-limits.ts),
 *   the request waits its turn for a slot, holds it until the response closes, and hands its
 *   deadline to the endpoint as `res.locals.deadlineAt` (SoapRequest.deadlineAt); a request whose
 *   deadline passes first gets {@link overloadFault} `deadline-in-queue`.
 *
 * `onRefused`, when given, is awaited with each overload fault before it is sent (the broker
 * records it); a rejection is logged and the fault sent anyway.
 */
export function admissionControl(
  queue: AdmissionQueue,
  clock: DeadlineClock,
  logger: Logger,
  onRefused?: (req: Request, res: Response, fault: SoapFaultError) => Promise<void>,
): AdmissionControl {
  const refuse = async (req: Request, res: Response, reason: RefusalReason): Promise<void> => {
    if (res.destroyed || res.writableEnded) return;
    logger.warn({ reason, path: req.path, ...queue.stats() }, 'request refused: broker overloaded');
    const fault = overloadFault(reason, queue.limits);
    await onRefused?.(req, res, fault).catch((err: unknown) =>
      logger.error({ err }, 'could not record the overload fault'),
    );
    await sendSoapFault(res, fault).catch((err: unknown) =>
      logger.warn({ err }, 'could not send the overload fault'),
    );
  };
  const onArrival: RequestHandler = (req, res, next) => {
    res.locals['arrivedAt'] = clock.now();
    if (req.method === 'POST' && queue.refuseIfFull()) {
      void refuse(req, res, 'queue-full');
      return;
    }
    next();
  };
  const afterBodyRead = async (req: Request, res: Response): Promise<boolean> => {
    const arrived: unknown = res.locals['arrivedAt'];
    const arrivedAt = typeof arrived === 'number' ? arrived : clock.now();
    // Most requests are admitted (or refused) at once: only a waiting one needs to hear of its
    // client going away, so only it pays for an AbortController and a 'close' listener.
    const a = queue.tryEnter(arrivedAt) ?? (await waitForSlot(queue, arrivedAt, res));
    if (!a.admitted) {
      void refuse(req, res, a.reason);
      return false;
    }
    if (res.destroyed || res.writableEnded) {
      a.ticket.release();
      return false;
    }
    const { ticket } = a;
    res.once('close', () => ticket.release());
    res.locals['deadlineAt'] = ticket.deadlineAt;
    return true;
  };
  return { onArrival, afterBodyRead };
}

/** Wait for a slot in `queue`; the wait ends (refused) when the client closes the connection. */
async function waitForSlot(queue: AdmissionQueue, arrivedAt: number, res: Response): Promise<Admission> {
  const gone = new AbortController();
  const onClose = (): void => gone.abort();
  res.once('close', onClose);
  try {
    return await queue.enter(arrivedAt, gone.signal);
  } finally {
    res.off('close', onClose);
  }
}
