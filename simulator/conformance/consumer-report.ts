/**
 * Consumer mode's report: every check over every request a supplier's consumer sent (the broker's
 * records, consumer-request.ts), per check and per onboarding item (UAT-01, NFT-01) what passed,
 * what failed and which broker transaction ids show it, and the latency of the answered requests
 * (NFT-01). Pure: the same records give the same report. What the control API's
 * `GET /conformance/consumer`, `nir-sim conformance consumer` and the report writers show.
 */
import type { CheckDefinition, CheckOutcome, CheckResult, OnboardingItem } from './check.js';
import type { ConsumerCheck, ConsumerVerdict } from './consumer-check.js';
import { consumerChecks } from './consumer-checks.js';
import {
  readConsumerRequest,
  type ConsumerRecord,
  type ConsumerRefusal,
  type ConsumerRequest,
} from './consumer-request.js';
import { durationSummary } from './provider-run-latency.js';
import type { ConsumerRequestVerdicts, LatencySummary } from './run-model.js';

/** What the report covers: requests from `since` (epoch ms) by `consumer`, held to `deadlineMs`. */
export interface ConsumerReportOptions {
  /** NIR's answer deadline, ms (the broker's overall request deadline). */
  deadlineMs: number;
  /** Only requests that arrived at or after this time, epoch ms. */
  since?: number;
  /**
   * Only requests of this consumer: its `X-NIR-Consumer` id, or the CN of its TLS client
   * certificate (integration port).
   */
  consumer?: string;
  /**
   * Verdicts already computed, by `<transaction id>@<deadlineMs>` (a record's verdicts never
   * change): read before judging a request, written after. The record log keeps one, so a report
   * asked for again judges only the requests that arrived since (about 2 ms each).
   */
  memo?: Map<string, ConsumerRequestReport>;
}

/** One check over every request: the broker transaction ids of each outcome. */
export interface ConsumerCheckTally {
  id: string;
  passed: string[];
  failed: string[];
  skipped: string[];
}

/** One onboarding item over its checks: `failed` when any request failed any of them. */
export interface ConsumerItemSummary {
  item: OnboardingItem;
  outcome: CheckOutcome;
  checks: string[];
  /** Transactions where every check of the item that applied passed. */
  passed: string[];
  /** Transactions where a check of the item failed. */
  failed: string[];
}

/** One request's verdicts, with the SOAP Fault it was refused with, if any. */
export interface ConsumerRequestReport extends ConsumerRequestVerdicts {
  consumerId?: string;
  durationMs: number;
  refusal?: ConsumerRefusal;
}

/**
 * The report. `results` has one CheckResult per check (same order as `checks`; `exchanges` are
 * broker transaction ids, the failing ones when any failed), ready for a ConformanceRun
 * (run-model.ts, mode `consumer`).
 */
export interface ConsumerReport {
  mode: 'consumer';
  /** ISO 8601 / consumer filter as applied, and the deadline, ms. */
  since?: string;
  consumer?: string;
  deadlineMs: number;
  requestCount: number;
  checks: CheckDefinition[];
  results: CheckResult[];
  tallies: ConsumerCheckTally[];
  items: ConsumerItemSummary[];
  requests: ConsumerRequestReport[];
  /** Of the answered requests (NFT-01); absent when none was answered. */
  latency?: LatencySummary;
}

/** The record's requester as the filter sees it: X-NIR-Consumer id or TLS certificate CN. */
function consumerOf(r: ConsumerRecord): string[] {
  const e = r.event;
  return [e.consumerId, e.requester?.callingSystem?.id].filter((x): x is string => x !== undefined);
}

/** A check's verdict, a thrown error turned into a failed verdict naming the check (evaluate must not throw). */
function evaluate(check: ConsumerCheck, r: ConsumerRequest): ConsumerVerdict {
  try {
    return check.evaluate(r);
  } catch (err) {
    return {
      id: check.definition.id,
      outcome: 'failed',
      message: `the check could not judge this request: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** The latency of the answered requests, ms, rounded to 0.1 ms. */
function latencyOf(
  requests: readonly Pick<ConsumerRequestReport, 'refusal' | 'durationMs'>[],
  deadlineMs: number,
): LatencySummary | undefined {
  return durationSummary(
    requests.filter((r) => !r.refusal).map((r) => Math.round(r.durationMs * 10) / 10),
    deadlineMs,
  );
}

/** The whole result of one check from its tally. */
function checkResult(
  def: CheckDefinition,
  tally: ConsumerCheckTally,
  firstFailure: string | undefined,
): CheckResult {
  const total = tally.passed.length + tally.failed.length + tally.skipped.length;
  const measurements = {
    passed: tally.passed.length,
    failed: tally.failed.length,
    skipped: tally.skipped.length,
  };
  if (tally.failed.length > 0)
    return {
      id: def.id,
      outcome: 'failed',
      message: `${tally.failed.length} of ${total} request(s) failed; first, ${tally.failed[0]}: ${firstFailure ?? ''}`,
      exchanges: tally.failed,
      measurements,
    };
  if (tally.passed.length > 0)
    return {
      id: def.id,
      outcome: 'passed',
      message: `${tally.passed.length} of ${total} request(s) passed, none failed (${tally.skipped.length} not applicable)`,
      exchanges: tally.passed,
      measurements,
    };
  return {
    id: def.id,
    outcome: 'skipped',
    message: total === 0 ? 'no request from the consumer yet' : `applied to none of the ${total} request(s)`,
    exchanges: [],
    measurements,
  };
}

/** The onboarding items of `checks`, each over its checks' verdicts. */
function itemSummaries(
  checks: readonly ConsumerCheck[],
  requests: readonly ConsumerRequestReport[],
): ConsumerItemSummary[] {
  const items: OnboardingItem[] = ['UAT-01', 'UAT-02', 'NFT-01'];
  const out: ConsumerItemSummary[] = [];
  for (const item of items) {
    const ids = checks.filter((c) => c.definition.items?.includes(item)).map((c) => c.definition.id);
    if (ids.length === 0) continue;
    const passed: string[] = [];
    const failed: string[] = [];
    for (const req of requests) {
      const mine = req.verdicts.filter((v) => ids.includes(v.id));
      if (mine.some((v) => v.outcome === 'failed')) failed.push(req.transactionId);
      else if (mine.some((v) => v.outcome === 'passed')) passed.push(req.transactionId);
    }
    const outcome: CheckOutcome = failed.length > 0 ? 'failed' : passed.length > 0 ? 'passed' : 'skipped';
    out.push({ item, outcome, checks: ids, passed, failed });
  }
  return out;
}

/** One request's verdicts from every check, with what the report shows of the request. */
export function judgeRequest(r: ConsumerRequest, checks: readonly ConsumerCheck[]): ConsumerRequestReport {
  return {
    transactionId: r.id,
    transaction: r.transaction,
    startedAt: new Date(r.startedAt).toISOString(),
    ...(r.consumerId !== undefined ? { consumerId: r.consumerId } : {}),
    durationMs: r.durationMs,
    ...(r.refusal ? { refusal: r.refusal } : {}),
    verdicts: checks.map((c) => evaluate(c, r)),
  };
}

/**
 * Judge `records` (oldest first, as the broker made them) with `checks` (default every consumer
 * check): the requests that pass `opts.since` and `opts.consumer`, each check's verdict on each,
 * and the tallies per check and per onboarding item. Work: one envelope parse per request, then
 * each check once per request.
 */
export function consumerReport(
  records: readonly ConsumerRecord[],
  checks: readonly ConsumerCheck[] = consumerChecks,
  opts: ConsumerReportOptions,
): ConsumerReport {
  const selected = records.filter(
    (r) =>
      (opts.since === undefined || r.event.startedAt >= opts.since) &&
      (opts.consumer === undefined || consumerOf(r).includes(opts.consumer)),
  );
  const requests: ConsumerRequestReport[] = selected.map((rec) => {
    const key = `${rec.event.id}@${opts.deadlineMs}`;
    const known = opts.memo?.get(key);
    if (known) return known;
    const judged = judgeRequest(readConsumerRequest(rec, opts.deadlineMs), checks);
    opts.memo?.set(key, judged);
    return judged;
  });
  const tallies: ConsumerCheckTally[] = [];
  const results: CheckResult[] = [];
  checks.forEach((c, i) => {
    const tally: ConsumerCheckTally = { id: c.definition.id, passed: [], failed: [], skipped: [] };
    let firstFailure: string | undefined;
    for (const req of requests) {
      const v = req.verdicts[i]!;
      tally[v.outcome].push(req.transactionId);
      if (v.outcome === 'failed') firstFailure ??= v.message;
    }
    tallies.push(tally);
    results.push(checkResult(c.definition, tally, firstFailure));
  });
  const latency = latencyOf(requests, opts.deadlineMs);
  const sla = results.find((r) => r.id === 'CON-NFT01-SLA');
  if (sla && latency)
    sla.measurements = {
      ...sla.measurements,
      p50Ms: latency.p50Ms,
      p95Ms: latency.p95Ms,
      maxMs: latency.maxMs,
      count: latency.count,
    };
  return {
    mode: 'consumer',
    ...(opts.since !== undefined ? { since: new Date(opts.since).toISOString() } : {}),
    ...(opts.consumer !== undefined ? { consumer: opts.consumer } : {}),
    deadlineMs: opts.deadlineMs,
    requestCount: requests.length,
    checks: checks.map((c) => c.definition),
    results,
    tallies,
    items: itemSummaries(checks, requests),
    requests,
    ...(latency ? { latency } : {}),
  };
}
