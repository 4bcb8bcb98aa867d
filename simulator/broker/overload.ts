/**
 * The broker's answer when it is too busy: a SOAP 1.2 `env:Receiver` fault with subcode
 * `wsa:EndpointUnavailable` and `<wsa:RetryAfter>` (WS-Addressing 1.0 SOAP Binding §6.4.7), sent
 * with HTTP 503 and `Retry-After` (RFC 9110 §15.6.4), before the request body is read. It is
 * never a set of legs "timed out": a request refused here started no leg.
 */
import type { RequestHandler } from 'express';
import { SoapFaultError, WsaFaultSubcode } from '../soap/fault.js';
import { sendSoapFault } from '../soap/server.js';
import type { Logger } from '../shared/logger.js';
import type { DeadlineClock } from '../shared/clock.js';
import type { AdmissionQueue, RefusalReason } from './admission.js';

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

/**
 * Express middleware in front of a SOAP endpoint: admit the request through `queue` (arrival time
 * from `clock`, taken before anything else), hold its slot until the response closes, and hand
 * its deadline to the endpoint as `res.locals.deadlineAt` (SoapRequest.deadlineAt). A refused
 * request is answered with {@link overloadFault} at once, without reading its body.
 */
export function admissionControl(
  queue: AdmissionQueue,
  clock: DeadlineClock,
  logger: Logger,
): RequestHandler {
  return (req, res, next) => {
    const arrivedAt = clock.now();
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    void queue.enter(arrivedAt, gone.signal).then((a) => {
      if (!a.admitted) {
        if (res.destroyed || res.writableEnded) return;
        logger.warn(
          { reason: a.reason, path: req.path, ...queue.stats() },
          'request refused: broker overloaded',
        );
        void sendSoapFault(res, overloadFault(a.reason, queue.limits)).catch((err: unknown) =>
          logger.warn({ err }, 'could not send the overload fault'),
        );
        return;
      }
      if (res.destroyed || res.writableEnded) {
        a.ticket.release();
        return;
      }
      const { ticket } = a;
      res.once('close', () => ticket.release());
      res.locals['deadlineAt'] = a.ticket.deadlineAt;
      next();
    });
  };
}
