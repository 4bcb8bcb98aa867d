/**
 * Admission control for the broker's consumer requests: at most `maxConcurrent` in processing, at
 * most `maxWaiting` more waiting in arrival order, and an overall deadline per request measured
 * from its arrival (so time spent waiting counts). Past capacity a request is refused at once; a
 * request whose deadline passes while it waits is refused without ever being processed. Both
 * become a SOAP 1.2 `env:Receiver` fault with subcode `wsa:EndpointUnavailable` and HTTP 503 +
 * `Retry-After` (overload.ts). Time comes from a {@link DeadlineClock}, so tests are exact.
 */
import type { DeadlineClock } from '../shared/clock.js';

/** Limits of the admission queue (docs/limits.md). */
export interface AdmissionLimits {
  /** Requests processed at once (across the sandbox and integration ports). */
  maxConcurrent: number;
  /** Requests waiting for a processing slot; one more is refused at once. */
  maxWaiting: number;
  /** Overall deadline of a request from its arrival, ms; its legs get at most what remains. */
  requestDeadlineMs: number;
  /** What the 503's `Retry-After` asks of the consumer, ms (sent in whole seconds, at least 1). */
  retryAfterMs: number;
}

/**
 * Defaults sized for a 2-core machine running the broker and its simulated communities in one
 * process, where the CPU is the limit: with 16 requests in processing their legs timed out at a
 * 1 s deadline under load (the communities could not be served in time), with 4 they did not;
 * 16 waiting drain well within the request deadline (`npm run bench:overload`).
 */
export const DEFAULT_ADMISSION: Omit<AdmissionLimits, 'requestDeadlineMs'> = {
  maxConcurrent: 4,
  maxWaiting: 16,
  retryAfterMs: 1_000,
};

/** The time a request has beyond the per-leg deadline to be consolidated and answered, ms. */
export const DEFAULT_REQUEST_DEADLINE_MARGIN_MS = 1_000;

/** A processing slot; `release` is idempotent. */
export interface AdmissionTicket {
  /** Epoch ms by which the answer is due (arrival + requestDeadlineMs). */
  deadlineAt: number;
  release(): void;
}

/** Why a request was not admitted. */
export type RefusalReason = 'queue-full' | 'deadline-in-queue';

/** The outcome of {@link AdmissionQueue.enter}. */
export type Admission =
  { admitted: true; ticket: AdmissionTicket } | { admitted: false; reason: RefusalReason };

/** Counters for `sim status` and logs. */
interface AdmissionStats {
  active: number;
  waiting: number;
  admitted: number;
  refusedQueueFull: number;
  refusedDeadline: number;
}

interface Waiter {
  /** Take a free slot; false when the waiter's deadline has passed (refused instead). */
  grant(): boolean;
}

/** A bounded FIFO of requests in front of the broker's handlers. */
export class AdmissionQueue {
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private readonly counts = { admitted: 0, refusedQueueFull: 0, refusedDeadline: 0 };

  /** @throws RangeError when a limit is not a positive integer (maxWaiting may be 0). */
  constructor(
    readonly limits: AdmissionLimits,
    private readonly clock: DeadlineClock,
  ) {
    const positive = (n: number, min: number): boolean => Number.isInteger(n) && n >= min;
    if (!positive(limits.maxConcurrent, 1)) throw new RangeError('maxConcurrent must be an integer >= 1');
    if (!positive(limits.maxWaiting, 0)) throw new RangeError('maxWaiting must be an integer >= 0');
    if (!positive(limits.requestDeadlineMs, 1))
      throw new RangeError('requestDeadlineMs must be an integer >= 1');
    if (!positive(limits.retryAfterMs, 0)) throw new RangeError('retryAfterMs must be an integer >= 0');
  }

  /**
   * Admit a request that arrived at `arrivedAt` (epoch ms of this queue's clock): at once when a
   * slot is free and nobody waits; after waiting its turn; or not at all (`queue-full` at once,
   * `deadline-in-queue` when its deadline passed before a slot came). `abandoned` (the client went
   * away) removes a waiting request; it then resolves as `deadline-in-queue`, to nobody.
   */
  enter(arrivedAt: number, abandoned?: AbortSignal): Promise<Admission> {
    const now = this.tryEnter(arrivedAt);
    return now ? Promise.resolve(now) : this.wait(arrivedAt, abandoned);
  }

  /**
   * What {@link enter} answers at once, without waiting: admitted (a slot is free and nobody
   * waits), `deadline-in-queue` (spent on arrival) or `queue-full`; undefined when the request
   * would wait its turn (then call {@link enter}). Lets a caller prepare what only a wait needs
   * (e.g. the AbortSignal of a client going away) only when it waits.
   */
  tryEnter(arrivedAt: number): Admission | undefined {
    const deadlineAt = arrivedAt + this.limits.requestDeadlineMs;
    if (deadlineAt <= this.clock.now()) return this.refuse('deadline-in-queue');
    if (this.active < this.limits.maxConcurrent && this.waiters.length === 0) return this.admit(deadlineAt);
    if (this.waiters.length >= this.limits.maxWaiting) return this.refuse('queue-full');
    return undefined;
  }

  /** Wait for a slot until the deadline (its timer dropped once the wait ends) or `abandoned`. */
  private wait(arrivedAt: number, abandoned: AbortSignal | undefined): Promise<Admission> {
    const deadlineAt = arrivedAt + this.limits.requestDeadlineMs;
    return new Promise((resolve) => {
      const expired = this.clock.deadline(deadlineAt - this.clock.now());
      const stop = (): void => {
        expired.clear();
        expired.signal.removeEventListener('abort', giveUp);
        abandoned?.removeEventListener('abort', giveUp);
      };
      const giveUp = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        stop();
        resolve(this.refuse('deadline-in-queue'));
      };
      const waiter: Waiter = {
        grant: () => {
          stop();
          if (deadlineAt <= this.clock.now()) {
            resolve(this.refuse('deadline-in-queue'));
            return false;
          }
          resolve(this.admit(deadlineAt));
          return true;
        },
      };
      expired.signal.addEventListener('abort', giveUp, { once: true });
      abandoned?.addEventListener('abort', giveUp, { once: true });
      this.waiters.push(waiter);
    });
  }

  /**
   * Refuse a request at its arrival, before its body is read, when every slot and every waiting
   * place is taken (counted as `queue-full`); false, and nothing counted, otherwise. A request not
   * refused here still {@link enter}s once its body is in.
   */
  refuseIfFull(): boolean {
    if (this.active < this.limits.maxConcurrent || this.waiters.length < this.limits.maxWaiting) return false;
    this.refuse('queue-full');
    return true;
  }

  /** Current occupancy and totals since start. */
  stats(): AdmissionStats {
    return { active: this.active, waiting: this.waiters.length, ...this.counts };
  }

  private admit(deadlineAt: number): Admission {
    this.active++;
    this.counts.admitted++;
    let released = false;
    return {
      admitted: true,
      ticket: {
        deadlineAt,
        release: () => {
          if (released) return;
          released = true;
          this.active--;
          this.next();
        },
      },
    };
  }

  private next(): void {
    // A waiter whose deadline has passed is refused and takes no slot: the next one is tried.
    while (this.active < this.limits.maxConcurrent && this.waiters.length > 0) this.waiters.shift()!.grant();
  }

  private refuse(reason: RefusalReason): Admission {
    if (reason === 'queue-full') this.counts.refusedQueueFull++;
    else this.counts.refusedDeadline++;
    return { admitted: false, reason };
  }
}
