/**
 * Driving a virtual clock (simulator/shared/clock.ts) from a test while real I/O runs: wait until
 * the code under test waits on exactly the timers the test expects, then move time on. The wait
 * polls a state, never a duration, so the outcome does not depend on how busy the machine is.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { VirtualClock } from '../../simulator/shared/clock.js';

/**
 * Resolve once `ready(clock.dueIn())` holds (each pending timer's ms until it fires, soonest
 * first), with that list. Bounded only by the test's own timeout.
 */
export async function timersWhen(
  clock: VirtualClock,
  ready: (dueIn: number[]) => boolean,
): Promise<number[]> {
  for (;;) {
    const due = clock.dueIn();
    if (ready(due)) return due;
    await sleep(2); // a poll interval, not a deadline: the real I/O gets the CPU meanwhile
  }
}

/** Resolve once the pending timers are exactly `dueIn` (ms until each fires, soonest first). */
export function timersAre(clock: VirtualClock, dueIn: readonly number[]): Promise<number[]> {
  return timersWhen(clock, (d) => d.length === dueIn.length && d.every((ms, i) => ms === dueIn[i]));
}
