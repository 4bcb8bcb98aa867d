/**
 * The figures a benchmark run measured, kept beside what it prints so that
 * `npm run bench -- --json FILE` can write them all with the machine they were measured on.
 * Each bench module calls {@link recordFigure} once per printed figure.
 */
import os from 'node:os';

/** One measured figure. */
export interface Figure {
  /** The bench section, e.g. `fan-out`, `throughput`, `security`, `imaging`, `start-up`. */
  readonly section: string;
  /** What was measured, unique within the section, e.g. `N=50 median latency`. */
  readonly name: string;
  /** The value, in `unit`. */
  readonly value: number;
  /** `ms`, `req/s`, `MB/s`, `MiB`, `ratio`, `events/s`, `µs`, `s`, `count`, ... */
  readonly unit: string;
  /** Anything a reader needs to compare runs (connections, duration, sizes). */
  readonly detail?: string;
}

const recorded: Figure[] = [];

/** Record a figure of this run (it is printed by the caller, not here). */
export function recordFigure(figure: Figure): void {
  recorded.push(figure);
}

/** The figures recorded so far, in the order measured. */
export function recordedFigures(): readonly Figure[] {
  return recorded;
}

/** The machine a run is measured on: what a reader needs before comparing two runs. */
export interface MachineFacts {
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpuModel: string;
  /** Total memory, bytes. */
  readonly totalMemoryBytes: number;
  /** os.loadavg(): 1, 5 and 15 minute load averages. */
  readonly loadAverage: readonly number[];
}

/** The facts of this machine now. */
export function machineFacts(): MachineFacts {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryBytes: os.totalmem(),
    loadAverage: os.loadavg(),
  };
}

/** What `npm run bench -- --json FILE` writes, and `npm run bench:summary` reads. */
export interface BenchReport {
  /** ISO 8601. */
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The sections run, in order. */
  readonly sections: readonly string[];
  /** The machine at the start of the run. */
  readonly machine: MachineFacts;
  readonly loadAverageAtEnd: readonly number[];
  readonly figures: readonly Figure[];
}
