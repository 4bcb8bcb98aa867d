/**
 * Draining the durable queue into PARS: one event at a time from the head (so PARS receives them
 * in order), acknowledged only once PARS has stored it. While PARS is down or slow the broker keeps
 * serving; the forwarder retries with exponential backoff (initialMs doubling to maxMs) and the
 * queue grows on disk. Events PARS refuses for good (a 4xx such as 400, 413, 422: pars-client.ts)
 * are dead-lettered (`rejected.ndjson` beside the queue, logged at error level with the event id,
 * the status and PARS's OperationOutcome text) and delivery of the rest goes on in order.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../shared/logger.js';
import type { DurableQueue } from './durable-queue.js';
import type { AuditEventSender } from './pars-client.js';

/** Retry timing, ms. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** Default backoff: 100 ms doubling to 5 s. */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 100, maxMs: 5_000 };

/** Counters since start. */
export interface ForwarderStats {
  /** Stored by PARS (201) or already there (200). */
  delivered: number;
  /** Of those, answered 200: PARS had it already (a resend after a crash). */
  duplicates: number;
  /** Failed attempts that will be retried. */
  retries: number;
  /** Dead-lettered since start: PARS refused them for good. */
  rejected: number;
  /** Why the last attempt failed, while PARS is failing. */
  lastError?: string;
}

/** Emits `drained` each time the queue becomes empty after a delivery. */
export class ParsForwarder extends EventEmitter<{ drained: [] }> {
  readonly stats: ForwarderStats = { delivered: 0, duplicates: 0, retries: 0, rejected: 0 };
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly queue: DurableQueue,
    private readonly send: AuditEventSender,
    private readonly logger: Logger,
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
  ) {
    super();
  }

  /** Start draining (idempotent). */
  start(): void {
    this.loop ??= this.run();
  }

  /** Something was appended: wake up if idle. */
  notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Resolve once the queue is empty (at once when it is). */
  async drained(): Promise<void> {
    if (this.queue.depth === 0) return;
    await new Promise<void>((resolve) => this.once('drained', resolve));
  }

  /** Stop: abort any attempt in flight (it will be sent again next time) and wait for the loop. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.notify();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let delay = this.backoff.initialMs;
    while (!signal.aborted) {
      const head = this.queue.peek();
      if (!head) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      const r = await this.send(head.json, signal);
      if (r.kind === 'delivered') {
        this.queue.ack();
        this.stats.delivered += 1;
        if (r.status === 200) this.stats.duplicates += 1;
        delay = this.backoff.initialMs;
        if (this.stats.lastError !== undefined) {
          this.logger.info({ queued: this.queue.depth }, 'PARS answers again; draining the audit queue');
          delete this.stats.lastError;
        }
        if (this.queue.depth === 0) this.emit('drained');
      } else if (r.kind === 'rejected') {
        this.queue.deadLetter(`HTTP ${r.status}: ${r.detail}`);
        this.stats.rejected += 1;
        this.logger.error(
          { id: head.id, status: r.status, outcome: r.detail, deadLetterFile: this.queue.deadLetterFile },
          `PARS refused audit event ${head.id} with HTTP ${r.status} (${r.detail}); dead-lettered, delivering the rest`,
        );
        if (this.queue.depth === 0) this.emit('drained');
      } else {
        if (signal.aborted) break;
        this.stats.retries += 1;
        if (this.stats.lastError !== r.detail)
          this.logger.warn({ detail: r.detail }, 'PARS unavailable; audit events queued');
        this.stats.lastError = r.detail;
        await sleep(delay, undefined, { signal }).catch(() => undefined);
        delay = Math.min(this.backoff.maxMs, delay * 2);
      }
    }
  }
}
