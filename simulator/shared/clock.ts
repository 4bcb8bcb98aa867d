/**
 * Injectable time: every deadline, delay and validity check in the simulator reads this clock
 * (docs/architecture.md), so tests and data-pack generation never depend on the wall clock or on
 * how busy the machine is. Production uses {@link systemClock}; tests use {@link virtualClock}.
 */
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
   * When `cancel` aborts first, the timer is dropped and the signal never aborts (what a caller
   * does once the work the deadline bounded has finished).
   */
  timeout(ms: number, cancel?: AbortSignal): AbortSignal;
  /**
   * Resolves after `ms` milliseconds of this clock's time. When `cancel` aborts first, the timer is
   * dropped and the promise rejects with `cancel.reason`.
   */
  sleep(ms: number, cancel?: AbortSignal): Promise<void>;
}

function timeoutReason(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

/**
 * Run `fire` after `ms` via `schedule` unless `cancel` aborts first (then `drop` undoes the
 * schedule and `onCancel` runs). The shared shape of both clocks' timers.
 */
function cancellable<H>(
  schedule: (fire: () => void) => H,
  drop: (handle: H) => void,
  fire: () => void,
  cancel: AbortSignal | undefined,
  onCancel: () => void = () => undefined,
): void {
  if (cancel?.aborted) {
    onCancel();
    return;
  }
  const stop = (): void => {
    drop(handle);
    onCancel();
  };
  const handle = schedule(() => {
    cancel?.removeEventListener('abort', stop);
    fire();
  });
  cancel?.addEventListener('abort', stop, { once: true });
}

/** The real clock (timers of the event loop; they never keep the process alive). */
export const systemClock: DeadlineClock = {
  now: () => Date.now(),
  timeout: (ms, cancel) => {
    if (ms <= 0) return AbortSignal.abort(timeoutReason());
    if (!cancel) return AbortSignal.timeout(Math.ceil(ms));
    const ac = new AbortController();
    cancellable(
      (fire) => setTimeout(fire, Math.ceil(ms)).unref(),
      (h) => clearTimeout(h),
      () => ac.abort(timeoutReason()),
      cancel,
    );
    return ac.signal;
  },
  sleep: (ms, cancel) =>
    new Promise((resolve, reject) =>
      cancellable(
        (fire) => setTimeout(fire, Math.max(0, ms)).unref(),
        (h) => clearTimeout(h),
        resolve,
        cancel,
        () => reject(cancel?.reason as Error),
      ),
    ),
};

/**
 * A clock whose `now()` always answers `epochMs` (tests, deterministic generation); its timers
 * run in real time, so deadlines still fire.
 */
export function fixedClock(epochMs: number): DeadlineClock {
  return {
    now: () => epochMs,
    timeout: (ms, cancel) => systemClock.timeout(ms, cancel),
    sleep: (ms, cancel) => systemClock.sleep(ms, cancel),
  };
}

/** A clock that moves only when told to ({@link virtualClock}). */
export interface VirtualClock extends DeadlineClock {
  /** Move time forward by `ms` (>= 0), firing every timer that falls due, in time order. */
  advance(ms: number): void;
  /** Timers neither fired nor cancelled: what the code under test is still waiting for. */
  pending(): number;
  /** For each pending timer, the ms until it fires, soonest first (which waits are still open). */
  dueIn(): number[];
}

/**
 * A virtual clock starting at `epochMs`: `timeout`/`sleep` fire only when {@link VirtualClock.advance}
 * passes their time, so deadline tests are exact whatever the machine is doing.
 */
export function virtualClock(epochMs = 0): VirtualClock {
  let t = epochMs;
  let seq = 0;
  type Timer = { at: number; seq: number; fire: () => void };
  const timers: Timer[] = [];
  const schedule =
    (ms: number) =>
    (fire: () => void): Timer => {
      const timer = { at: t + Math.max(0, ms), seq: seq++, fire };
      timers.push(timer);
      timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      return timer;
    };
  const drop = (timer: Timer): void => {
    const i = timers.indexOf(timer);
    if (i >= 0) timers.splice(i, 1);
  };
  return {
    now: () => t,
    timeout: (ms, cancel) => {
      const ac = new AbortController();
      if (ms <= 0) ac.abort(timeoutReason());
      else cancellable(schedule(ms), drop, () => ac.abort(timeoutReason()), cancel);
      return ac.signal;
    },
    sleep: (ms, cancel) =>
      new Promise((resolve, reject) =>
        cancellable(schedule(ms), drop, resolve, cancel, () => reject(cancel?.reason as Error)),
      ),
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
