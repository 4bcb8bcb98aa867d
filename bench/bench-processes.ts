/**
 * The three child processes of the fan-out and throughput benchmarks (bench/child.ts): the
 * simulated communities, the broker, and the relay (the physical limit), started together and
 * always stopped, whatever happens. The load generator stays in the bench's own process.
 */
import { BenchChild, type Usage } from './child.js';

/** The bench's child processes. */
export interface BenchProcesses {
  communities: BenchChild;
  broker: BenchChild;
  relay: BenchChild;
}

/** Run `fn` with the three processes started; they are closed afterwards. */
export async function withBenchProcesses<T>(fn: (p: BenchProcesses) => Promise<T>): Promise<T> {
  const p: BenchProcesses = {
    communities: BenchChild.start('./communities-process.ts', 'communities process'),
    broker: BenchChild.start('./broker-process.ts', 'broker process'),
    relay: BenchChild.start('./relay-process.ts', 'relay process'),
  };
  try {
    return await fn(p);
  } finally {
    await Promise.all([p.communities.close(), p.broker.close(), p.relay.close()]);
  }
}

/** CPU time a process spent between two {@link Usage} samples, ms. */
export function cpuMs(before: Usage, after: Usage): number {
  return (after.cpuMicros - before.cpuMicros) / 1000;
}

/** Resolve after `ms` (lets answers still in flight settle before a process's CPU is read). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
