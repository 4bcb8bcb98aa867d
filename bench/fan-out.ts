/**
 * Fan-out benchmark: N = 1, 10, 50, 200 communities, each answering after a fixed 50 ms, in a
 * process of their own; the broker in another; the relay (the physical limit: the same fan-out
 * with no XML work, bench/relay-process.ts) in a third; the consumer (sequential ITI-38
 * FindDocuments, one at a time, broker and relay alternating) in the bench's process. For each N it
 * prints the broker's median and p90 latency, the median / 50 ms, the broker's overhead above the
 * slowest community (each request's latency as the consumer saw it minus its slowest leg as the
 * broker timed it; the median of those), the broker's CPU time per request, and the same for the
 * relay with broker / relay of the medians. Prints and records figures only; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { generateDataPack } from '../simulator/data-pack/generator.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import type { BrokerTake } from './broker-process.js';
import { cpuMs, withBenchProcesses } from './bench-processes.js';
import type { BenchChild } from './child.js';
import type { CommunityAddress } from './communities-process.js';
import { recordFigure } from './figures.js';
import { median, quantile, sorted, timeExchange } from './measure.js';
import type { RelayTake } from './relay-process.js';

const DELAY_MS = 50;
const NS = [1, 10, 50, 200];
const WARM_UP = 5;
/** Requests per side and N: fewer at N = 200, where one request costs the broker the most. */
const samplesAt = (n: number): number => (n >= 200 ? 20 : 40);
const DEADLINE_MS = 10_000;

/** One side's figures at one N. */
export interface Side {
  medianMs: number;
  p90Ms: number;
  /**
   * Median over the requests every community answered of (latency the consumer saw - slowest leg
   * as this side timed it), ms; NaN when no request was complete.
   */
  overheadMs: number;
  /** Requests every community answered, of `samples`. */
  complete: number;
  samples: number;
  /** This side's process CPU per request, ms. */
  cpuMsPerRequest: number;
  /** Why requests were not complete (empty when all were). */
  failures: string;
}

/** What a side reports of the requests it answered since the last call, in order. */
interface Answered {
  slowestLegMs: number[];
  complete: boolean[];
  failures: string;
}

/**
 * One side under test: its URL, its process, how it reports each request's slowest leg, and how
 * one request is sent (default: POST the SOAP body to `url`).
 */
export interface Target {
  url: string;
  process: BenchChild;
  take: () => Promise<Answered>;
  exchange?: () => Promise<{ ms: number }>;
}

function send(t: Target, body: string): Promise<{ ms: number }> {
  return t.exchange ? t.exchange() : timeExchange(t.url, body);
}

/** Time `samples` sequential requests to each target in turn (after `WARM_UP` each). */
export async function sample(targets: readonly Target[], body: string, samples: number): Promise<Side[]> {
  for (let i = 0; i < WARM_UP; i++) for (const t of targets) await send(t, body);
  for (const t of targets) await t.take();
  const before = await Promise.all(targets.map((t) => t.process.usage()));
  const times: number[][] = targets.map(() => []);
  for (let i = 0; i < samples; i++)
    for (const [k, t] of targets.entries()) times[k]!.push((await send(t, body)).ms);
  const after = await Promise.all(targets.map((t) => t.process.usage()));
  return Promise.all(
    targets.map(async (t, k): Promise<Side> => {
      const a = await t.take();
      const mine = times[k]!;
      const s = sorted(mine);
      // Sequential requests: the side's records are in the consumer's order, one per request
      // (a request answered with a SOAP Fault has none; then nothing can be paired).
      const paired = a.slowestLegMs.length === samples;
      const overheads = paired
        ? mine.flatMap((ms, i) => (a.complete[i] ? [ms - a.slowestLegMs[i]!] : []))
        : [];
      return {
        medianMs: median(s),
        p90Ms: quantile(s, 0.9),
        overheadMs: overheads.length > 0 ? median(sorted(overheads)) : NaN,
        complete: paired ? overheads.length : 0,
        samples,
        cpuMsPerRequest: cpuMs(before[k]!, after[k]!) / samples,
        failures: a.failures,
      };
    }),
  );
}

function record(n: number, who: 'broker' | 'relay', s: Side): void {
  const detail = `${n} communities each answering after ${DELAY_MS} ms; ${s.samples} sequential ITI-38 FindDocuments, ${s.complete} answered by every community`;
  const f = (name: string, value: number, unit: string): void => {
    if (Number.isFinite(value))
      recordFigure({ section: 'fan-out', name: `N=${n} ${who} ${name}`, value, unit, detail });
  };
  f('median latency', s.medianMs, 'ms');
  f('p90 latency', s.p90Ms, 'ms');
  f('overhead above the slowest leg', s.overheadMs, 'ms');
  f('CPU per request', s.cpuMsPerRequest, 'ms');
}

const fmt = (v: number, width: number, digits = 1): string => v.toFixed(digits).padStart(width);

/** The broker at `url` (its own process) as a side; `exchange` as in {@link Target}. */
export function brokerTarget(
  url: string,
  broker: BenchChild,
  exchange?: () => Promise<{ ms: number }>,
): Target {
  return {
    url,
    process: broker,
    ...(exchange ? { exchange } : {}),
    take: async () => {
      const t = await broker.call<BrokerTake>('take');
      return {
        slowestLegMs: t.slowestLegMs,
        complete: t.complete,
        failures: `${t.faults} SOAP Faults; failed legs: ${t.legFailures.join('; ') || 'none'}`,
      };
    },
  };
}

function relayTarget(url: string, relay: BenchChild): Target {
  return {
    url,
    process: relay,
    take: async () => {
      const t = await relay.call<RelayTake>('take');
      return {
        slowestLegMs: t.slowestLegMs,
        complete: t.complete,
        failures: `${t.failed} failed: ${t.failures.join('; ') || 'none'}`,
      };
    },
  };
}

/** A line saying how many requests were not answered by every community, or undefined. */
export function incomplete(who: string, s: Side): string | undefined {
  return s.complete === s.samples
    ? undefined
    : `        ${who}: ${s.complete} of ${s.samples} requests answered by every community (${s.failures})`;
}

/** Run the fan-out benchmark and print one line per N. */
export async function fanOutBench(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-'));
  try {
    const t0 = performance.now();
    const most = Math.max(...NS);
    await generateDataPack({ seed: 7, communities: most, patients: 6, outDir: dir });
    const pack = await loadDataPack(dir);
    const nhs = pack.manifest.examples.inAllCommunities!;
    const body = findDocumentsEnvelope(nhs);
    console.log(
      `fan-out: each community answers after ${DELAY_MS} ms; ${samplesAt(1)} sequential ITI-38 FindDocuments per N (${samplesAt(200)} at N = 200) to the broker and to the relay (no XML work), alternating; communities, broker and relay in 3 processes (pack of ${most} communities generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    console.log(
      '    N | broker median   p90  /50ms  overhead  CPU/req | relay median  overhead  CPU/req | broker/relay median',
    );
    await withBenchProcesses(async ({ communities, broker, relay }) => {
      const all = await communities.call<CommunityAddress[]>('start', {
        packDir: dir,
        count: most,
        delayMs: DELAY_MS,
      });
      for (const n of NS) {
        const legs = all.slice(0, n);
        const b = await broker.call<{ iti38Url: string }>('start', {
          communities: legs,
          deadlineMs: DEADLINE_MS,
        });
        const r = await relay.call<{ url: string }>('start', { communities: legs, deadlineMs: DEADLINE_MS });
        const [bs, rs] = await sample(
          [brokerTarget(b.iti38Url, broker), relayTarget(r.url, relay)],
          body,
          samplesAt(n),
        );
        const ratio = bs!.medianMs / rs!.medianMs;
        console.log(
          `  ${String(n).padStart(3)} | ${fmt(bs!.medianMs, 13)} ${fmt(bs!.p90Ms, 5)} ${fmt(bs!.medianMs / DELAY_MS, 6, 2)} ${fmt(bs!.overheadMs, 9)} ${fmt(bs!.cpuMsPerRequest, 8, 2)} | ${fmt(rs!.medianMs, 12)} ${fmt(rs!.overheadMs, 9)} ${fmt(rs!.cpuMsPerRequest, 8, 2)} | ${fmt(ratio, 19, 2)}`,
        );
        for (const line of [incomplete('broker', bs!), incomplete('relay', rs!)]) if (line) console.log(line);
        record(n, 'broker', bs!);
        record(n, 'relay', rs!);
        recordFigure({
          section: 'fan-out',
          name: `N=${n} broker median / ${DELAY_MS} ms`,
          value: bs!.medianMs / DELAY_MS,
          unit: 'ratio',
        });
        recordFigure({
          section: 'fan-out',
          name: `N=${n} broker / relay median latency`,
          value: ratio,
          unit: 'ratio',
        });
      }
      console.log(
        '  overhead: per request, the latency the consumer saw minus the slowest leg as the broker (relay) timed it; median. CPU/req: that process only, ms.',
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
