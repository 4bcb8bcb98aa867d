/**
 * The latency distribution of a run's answers (NFT-01): nearest-rank percentiles of the exchanges'
 * `durationMs` (first byte sent to last byte read, ms on the run's clock).
 */
import type { ExchangeRecord } from './exchange-record.js';
import type { LatencySummary } from './run-model.js';

/**
 * p50/p95/max (nearest rank, ms) and count of the exchanges that got an HTTP answer, or undefined
 * when none did.
 */
export function latencySummary(
  exchanges: readonly Pick<ExchangeRecord, 'durationMs' | 'response'>[],
  deadlineMs: number,
): LatencySummary | undefined {
  return durationSummary(
    exchanges.filter((e) => e.response !== undefined).map((e) => e.durationMs),
    deadlineMs,
  );
}

/**
 * p50/p95/max (nearest rank) and count of `durationsMs` (ms, any order), held to `deadlineMs`;
 * undefined for none. Shared by the provider run and consumer mode's report.
 */
export function durationSummary(
  durationsMs: readonly number[],
  deadlineMs: number,
): LatencySummary | undefined {
  const ms = [...durationsMs].sort((a, b) => a - b);
  if (ms.length === 0) return undefined;
  return {
    count: ms.length,
    p50Ms: percentile(ms, 50),
    p95Ms: percentile(ms, 95),
    maxMs: ms[ms.length - 1]!,
    deadlineMs,
  };
}

/** Nearest-rank percentile of ascending `sorted` (at least one value). */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}
