/**
 * Parallel fan-out with one deadline per leg (ITI TF-2 3.38.4.1.3: the initiating gateway sends
 * to every responding gateway; NIR answers with what arrived). Every leg runs at once; a slow or
 * broken community never delays the others beyond its own deadline.
 */
import type { DeadlineClock } from '../shared/clock.js';

/** How one leg ended. `error` is whatever the call threw (the caller classifies it). */
type Settled<T> =
  | { ok: true; value: T; startedAt: number; durationMs: number }
  | { ok: false; error: unknown; timedOut: boolean; startedAt: number; durationMs: number };

/**
 * Run `call` for every target in parallel. Each call gets an AbortSignal that fires after
 * `deadlineMs` of `clock`'s time (or when `parent` aborts); the result array is in target order.
 * A leg's deadline timer is dropped as soon as the leg settles, so on a virtual clock
 * (`VirtualClock.pending()`) only the legs still waiting hold a timer.
 * @param deadlineMs per-leg deadline in milliseconds.
 */
export async function fanOut<C, T>(
  targets: readonly C[],
  call: (target: C, signal: AbortSignal) => Promise<T>,
  opts: { deadlineMs: number; clock: DeadlineClock; parent?: AbortSignal },
): Promise<Settled<T>[]> {
  return Promise.all(targets.map((t) => runLeg(t, call, opts)));
}

async function runLeg<C, T>(
  target: C,
  call: (target: C, signal: AbortSignal) => Promise<T>,
  opts: { deadlineMs: number; clock: DeadlineClock; parent?: AbortSignal },
): Promise<Settled<T>> {
  const deadline = opts.clock.deadline(opts.deadlineMs);
  const signal = opts.parent ? AbortSignal.any([deadline.signal, opts.parent]) : deadline.signal;
  const startedAt = opts.clock.now();
  try {
    const value = await call(target, signal);
    return { ok: true, value, startedAt, durationMs: opts.clock.now() - startedAt };
  } catch (error) {
    return {
      ok: false,
      error,
      timedOut: deadline.signal.aborted,
      startedAt,
      durationMs: opts.clock.now() - startedAt,
    };
  } finally {
    deadline.clear();
  }
}
