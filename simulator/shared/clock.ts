/**
 * Injectable time: every deadline, delay and validity check in the simulator reads this clock
 * (docs/architecture.md), so tests and data-pack generation never depend on the wall clock or on
 * how busy the machine is. Production uses {@link systemClock}; tests use {@link virtualClock}.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** A deadline that can be dropped once the work it bounded has finished ({@link DeadlineClock.deadline}). */
export interface Deadline {
  /** Aborts at the deadline with a `TimeoutError` DOMException as its reason, unless cleared first. */
  readonly signal: AbortSignal;
  /** Drop the timer: the signal never aborts (a no-op once it has). */
  clear(): void;
}

/**
 * A clock that also keeps time for deadlines: what the broker's request and leg deadlines run on,
 * so a test can move time forward exactly instead of waiting (and never depends on machine load).
 */
export interface DeadlineClock extends Clock {
  /**
   * An AbortSignal that aborts after `ms` milliseconds of this clock's time, with a `TimeoutError`
   * DOMException as its reason (like `AbortSignal.timeout`). `ms <= 0` gives an aborted signal.
   */
  timeout(ms: number): AbortSignal;
  /**
   * Like {@link timeout}, with a handle to drop the timer when the work finishes first: nothing is
   * left to fire later (on a virtual clock, `pending()` counts only what still waits).
   */
  deadline(ms: number): Deadline;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

const noop = (): void => undefined;

/** The real clock (timers of the event loop; they never keep the process alive). */
export const systemClock: DeadlineClock = {
  now: () => Date.now(),
  timeout: (ms) => {
    if (ms <= 0) return AbortSignal.abort(timeoutReason());
    return AbortSignal.timeout(Math.ceil(ms));
  },
  deadline: (ms) => {
    if (ms <= 0) return { signal: AbortSignal.abort(timeoutReason()), clear: noop };
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(timeoutReason()), Math.ceil(ms)).unref();
    return { signal: ac.signal, clear: () => clearTimeout(timer) };
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref?.()),
};

/**
 * A clock whose `now()` always answers `epochMs` (tests, deterministic generation); its timers
 * run in real time, so deadlines still fire.
 */
export function fixedClock(epochMs: number): DeadlineClock {
  return {
    now: () => epochMs,
    timeout: (ms) => systemClock.timeout(ms),
    deadline: (ms) => systemClock.deadline(ms),
    sleep: (ms) => systemClock.sleep(ms),
  };
}

/** A clock that moves only when told to ({@link virtualClock}). */
export interface VirtualClock extends DeadlineClock {
  /** Move time forward by `ms` (>= 0), firing every timer that falls due, in time order. */
  advance(ms: number): void;
  /** Timers neither fired nor cleared: what the code under test is still waiting for. */
  pending(): number;
  /** For each pending timer, the ms until it fires, soonest first (which waits are still open). */
  dueIn(): number[];
}

/**
 * A virtual clock starting at `epochMs`: `timeout`/`deadline`/`sleep` fire only when
 * {@link VirtualClock.advance} passes their time, so deadline tests are exact whatever the machine
 * is doing.
 */
export function virtualClock(epochMs = 0): VirtualClock {
  let t = epochMs;
  let seq = 0;
  type Timer = { at: number; seq: number; fire: () => void };
  const timers: Timer[] = [];
  const schedule = (ms: number, fire: () => void): Timer => {
    const timer = { at: t + Math.max(0, ms), seq: seq++, fire };
    timers.push(timer);
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    return timer;
  };
  const drop = (timer: Timer): void => {
    const i = timers.indexOf(timer);
    if (i >= 0) timers.splice(i, 1);
  };
  const deadline = (ms: number): Deadline => {
    const ac = new AbortController();
    if (ms <= 0) {
      ac.abort(timeoutReason());
      return { signal: ac.signal, clear: noop };
    }
    const timer = schedule(ms, () => ac.abort(timeoutReason()));
    return { signal: ac.signal, clear: () => drop(timer) };
  };
  return {
    now: () => t,
    timeout: (ms) => deadline(ms).signal,
    deadline,
    sleep: (ms) => new Promise((resolve) => schedule(ms, resolve)),
    advance: (ms) => {
      const until = t + Math.max(0, ms);
      while (timers.length > 0 && timers[0]!.at <= until) {
        const next = timers.shift()!;
        t = next.at;
        next.fire();
      }
      t = until;
    },
    pending: () => timers.length,
    dueIn: () => timers.map((x) => x.at - t),
  };
}
