/** Injectable time source, so tests and data-pack generation never depend on the wall clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
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
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

/** The real clock (timers of the event loop). */
export const systemClock: DeadlineClock = {
  now: () => Date.now(),
  timeout: (ms) => {
    if (ms <= 0) return AbortSignal.abort(timeoutReason());
    return AbortSignal.timeout(Math.ceil(ms));
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
    sleep: (ms) => systemClock.sleep(ms),
  };
}

/** A clock that moves only when told to ({@link virtualClock}). */
export interface VirtualClock extends DeadlineClock {
  /** Move time forward by `ms` (>= 0), firing every timer that falls due, in time order. */
  advance(ms: number): void;
  /** Timers not yet fired. */
  pending(): number;
}

/**
 * A virtual clock starting at `epochMs`: `timeout`/`sleep` fire only when {@link VirtualClock.advance}
 * passes their time, so deadline tests are exact whatever the machine is doing.
 */
export function virtualClock(epochMs = 0): VirtualClock {
  let t = epochMs;
  let seq = 0;
  const timers: { at: number; seq: number; fire: () => void }[] = [];
  const schedule = (ms: number, fire: () => void): void => {
    timers.push({ at: t + Math.max(0, ms), seq: seq++, fire });
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
  };
  return {
    now: () => t,
    timeout: (ms) => {
      const ac = new AbortController();
      if (ms <= 0) ac.abort(timeoutReason());
      else schedule(ms, () => ac.abort(timeoutReason()));
      return ac.signal;
    },
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
  };
}
