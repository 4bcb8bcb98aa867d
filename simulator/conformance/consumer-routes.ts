/**
 * `GET /conformance/consumer` of the control API (mounted by the runtime and the broker container
 * through the control API's `routes` extension): the consumer-mode report (consumer-report.ts)
 * over the records kept so far, as JSON.
 *
 * Query: `since` an ISO 8601 date-time (requests that arrived at or after it), `consumer` a
 * consumer id (`X-NIR-Consumer`) or TLS client certificate CN, at most 256 characters. Answers 200
 * with a {@link ConsumerReport}, 400 `{ error: 'invalid query', problems }` for a bad parameter.
 */
import express, { type Router } from 'express';
import { sendError } from '../control/json-http.js';
import type { SimEvents } from '../control/events.js';
import { consumerChecks } from './consumer-checks.js';
import { ConsumerRecordLog, type ConsumerRecordLogOptions } from './consumer-log.js';
import { consumerReport, type ConsumerReport } from './consumer-report.js';

/** The longest `consumer` accepted, characters. */
const MAX_CONSUMER_LENGTH = 256;
/** ISO 8601 date-time with a zone (RFC 3339 §5.6), or a date (midnight UTC). */
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The route over `log`; `deadlineMs` is read per request (NIR's answer deadline, ms). */
export function consumerConformanceRoutes(log: ConsumerRecordLog, deadlineMs: () => number): Router {
  const r = express.Router();
  r.get('/conformance/consumer', (req, res) => {
    const problems: string[] = [];
    const since = req.query['since'];
    const consumer = req.query['consumer'];
    let sinceMs: number | undefined;
    if (since !== undefined) {
      if (typeof since !== 'string' || !ISO.test(since) || Number.isNaN(Date.parse(since)))
        problems.push(
          `since: expected an ISO 8601 date-time such as 2026-12-03T14:00:00Z, got ${JSON.stringify(since)}`,
        );
      else sinceMs = Date.parse(since);
    }
    if (
      consumer !== undefined &&
      (typeof consumer !== 'string' || consumer === '' || consumer.length > MAX_CONSUMER_LENGTH)
    )
      problems.push(`consumer: expected a consumer id of 1 to ${MAX_CONSUMER_LENGTH} characters`);
    if (problems.length > 0) return sendError(res, 400, 'invalid query', problems);
    const body: ConsumerReport = consumerReport(log.records(), consumerChecks, {
      deadlineMs: deadlineMs(),
      memo: log.verdicts,
      ...(sinceMs !== undefined ? { since: sinceMs } : {}),
      ...(typeof consumer === 'string' ? { consumer } : {}),
    });
    res.json(body);
  });
  return r;
}

/** Consumer mode wired to a running broker's event bus: the record log and its route. */
export interface ConsumerConformance {
  log: ConsumerRecordLog;
  routes: Router;
  /** Stop following the bus. */
  stop(): void;
}

/**
 * Start keeping `events`' consumer records and build the route over them.
 * @param deadlineMs NIR's answer deadline, ms, read per report.
 */
export function startConsumerConformance(
  events: SimEvents,
  deadlineMs: () => number,
  opts: ConsumerRecordLogOptions = {},
): ConsumerConformance {
  const log = new ConsumerRecordLog(opts);
  const stop = log.follow(events);
  return { log, routes: consumerConformanceRoutes(log, deadlineMs), stop };
}
