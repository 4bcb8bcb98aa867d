/**
 * ROB-LATENCY (NFT-01): every answer of the run came within NIR's deadline (`ctx.deadlineMs`, the
 * per-community deadline NIR's broker holds a responding gateway to), measured from the first byte
 * sent to the last byte read on the run's clock (exchange-record.ts `durationMs`). A request with no
 * answer because the exchange timed out counts as late; refused or TLS-refused ones do not (the
 * security checks cause those on purpose). It reports the distribution: `count`, `p50Ms`, `p95Ms`,
 * `maxMs` and `deadlineMs` in `measurements`. When the run has no answer yet (the check runs alone),
 * it sends its own probes (robustness-probe.ts).
 */
import { result, type CheckResult } from './check.js';
import type { ProviderCheck, ProviderContext } from './provider-check.js';
import { latencySummary } from './provider-run-latency.js';
import { sendProbes } from './robustness-probe.js';

export const ROB_LATENCY = 'ROB-LATENCY';

export const latencyCheck: ProviderCheck = {
  definition: {
    id: ROB_LATENCY,
    area: 'robustness',
    title: "Every answer comes within NIR's deadline",
    given: "the supplier's responding gateway holds the test data and NIR's per-community deadline is known",
    when: "NIR's initiating side sends the run's ITI-38, ITI-39 and RAD-75 requests",
    then: 'each answer has been read whole within the deadline, and the latency distribution (p50, p95, max) is reported',
    source:
      'NIR onboarding NFT-01 (response within the SLA); IHE ITI TF-2 3.38.4.1.3 (the initiating gateway waits a bounded time for each responding gateway)',
    items: ['NFT-01'],
  },
  run: runLatencyCheck,
};

async function runLatencyCheck(ctx: ProviderContext): Promise<CheckResult> {
  const relevant = () =>
    ctx.initiator.records().filter((r) => r.response !== undefined || r.failure?.kind === 'timeout');
  if (relevant().length === 0) await sendProbes(ctx, ROB_LATENCY);
  const records = relevant();
  const summary = latencySummary(records, ctx.deadlineMs);
  const timedOut = records.filter((r) => r.response === undefined);
  const late = records.filter((r) => r.response !== undefined && r.durationMs > ctx.deadlineMs);
  const measurements: Record<string, number> = {
    count: summary?.count ?? 0,
    p50Ms: summary?.p50Ms ?? 0,
    p95Ms: summary?.p95Ms ?? 0,
    maxMs: summary?.maxMs ?? 0,
    deadlineMs: ctx.deadlineMs,
  };
  const dist = summary
    ? `p50 ${summary.p50Ms} ms, p95 ${summary.p95Ms} ms, max ${summary.maxMs} ms over ${summary.count} answers`
    : 'no answers';
  if (records.length === 0)
    return {
      ...result(
        ROB_LATENCY,
        'failed',
        'no request of the run got an answer, so no latency could be measured',
      ),
      measurements,
    };
  if (late.length === 0 && timedOut.length === 0)
    return {
      ...result(
        ROB_LATENCY,
        'passed',
        `every answer came within NIR's deadline of ${ctx.deadlineMs} ms: ${dist}`,
        records.map((r) => r.name),
      ),
      measurements,
    };
  const worst = [...late].sort((a, b) => b.durationMs - a.durationMs)[0];
  const parts = [
    ...(late.length > 0
      ? [
          `${late.length} answer(s) came later than NIR's deadline of ${ctx.deadlineMs} ms (slowest: ${worst!.name} in ${worst!.durationMs} ms)`,
        ]
      : []),
    ...(timedOut.length > 0
      ? [`${timedOut.length} request(s) got no answer at all (first: ${timedOut[0]!.name})`]
      : []),
  ];
  return {
    ...result(
      ROB_LATENCY,
      'failed',
      `${parts.join('; ')}; ${dist}`,
      [...late, ...timedOut].map((r) => r.name),
    ),
    measurements,
  };
}
