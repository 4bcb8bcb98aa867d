/**
 * Injected time for the programmatic API (docs/api.md "Time"): `startNirSim({ clock })` runs the
 * broker's deadlines, fault latencies and timestamps on a clock the supplier's test moves, so a
 * `timeout` fault under a 60 s deadline is a PartialSuccess as soon as the test says so, not after
 * 60 s of real time. A thin layer over shared/clock.ts, the clock every module already reads.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { virtualClock as sharedVirtualClock, type VirtualClock } from '../shared/clock.js';

/** Real time between two looks at the pending timers in {@link NirSimClock.whenTimers}, ms. */
const POLL_MS = 2;

/** Default bound of {@link NirSimClock.whenTimers}, ms of real time. */
const DEFAULT_WAIT_MS = 30_000;

/**
 * A clock that moves only when the test calls `advance(ms)` (ms of simulated time). `now()` is
 * milliseconds since the Unix epoch; `pending()` counts the timers still waiting and `dueIn()`
 * gives, for each, the ms until it fires, soonest first.
 */
export interface NirSimClock extends VirtualClock {
  /**
   * Resolve, with `dueIn()`, once `ready(dueIn())` holds: e.g. "the broker now waits only on the
   * hung community's deadline" (`(d) => d.length === 1`), after which `advance` fires it. Polls
   * every 2 ms of real time; the code under test runs meanwhile.
   * @param o.timeoutMs bound on the wait, ms of real time (default 30 000).
   * @throws SimError SIM_ERR_START_TIMEOUT when `ready` has not held within `timeoutMs`, naming the
   *   timers that were pending.
   */
  whenTimers(ready: (dueIn: number[]) => boolean, o?: { timeoutMs?: number }): Promise<number[]>;
}

/**
 * A virtual clock for {@link startNirSim}'s `clock` option, starting at `startMs` (ms since the
 * Unix epoch; default the real time now, so certificates and XUA assertions minted in real time
 * are valid on it).
 * @throws SimError SIM_ERR_BAD_ARGUMENT when `startMs` is not a finite number.
 */
export function virtualClock(startMs: number = Date.now()): NirSimClock {
  if (!Number.isFinite(startMs))
    throw new SimError(
      SimErrorCode.BadArgument,
      `startMs ${startMs} must be a finite number of ms since 1970`,
    );
  const clock = sharedVirtualClock(startMs);
  return {
    ...clock,
    async whenTimers(ready, o = {}) {
      const limit = o.timeoutMs ?? DEFAULT_WAIT_MS;
      const until = Date.now() + limit; // real time: this bounds the test, not the simulation
      for (;;) {
        const due = clock.dueIn();
        if (ready(due)) return due;
        if (Date.now() >= until)
          throw new SimError(
            SimErrorCode.StartTimeout,
            `the awaited timers were not pending within ${limit} ms of real time; pending (ms until each fires): [${due.join(', ')}]`,
          );
        await sleep(POLL_MS);
      }
    },
  };
}
