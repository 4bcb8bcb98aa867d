/**
 * Where audit events go (docs/architecture.md "Audit pipeline": memory, the run's NDJSON file, the
 * durable queue towards PARS). Every sink writes synchronously, so an event is recorded before the
 * broker's answer leaves (the broker emits the transaction, then answers; EventEmitter listeners
 * run inside that emit).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { AuditEvent } from 'fhir/r4.js';
import type { DurableQueue } from './durable-queue.js';
import type { ParsForwarder } from './pars-forwarder.js';

/** One event with its JSON text (serialised once for every sink). */
export interface SerialisedEvent {
  event: AuditEvent;
  /** `JSON.stringify(event)`, one line. */
  json: string;
}

/** A destination for audit events. `write` is synchronous and throws if the event is not recorded. */
export interface AuditSink {
  write(batch: readonly SerialisedEvent[]): void;
  close(): Promise<void>;
}

/** Keeps events in memory (tests, the control API). */
export class MemorySink implements AuditSink {
  readonly events: AuditEvent[] = [];
  write(batch: readonly SerialisedEvent[]): void {
    for (const b of batch) this.events.push(b.event);
  }
  async close(): Promise<void> {}
}

/** Appends one JSON line per event to a file (created with its directory; never truncated). */
export class NdjsonFileSink implements AuditSink {
  private readonly fd: number;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.fd = openSync(file, 'a');
  }

  write(batch: readonly SerialisedEvent[]): void {
    if (batch.length === 0) return;
    const buf = Buffer.from(batch.map((b) => b.json).join('\n') + '\n', 'utf8');
    for (let off = 0; off < buf.length;) off += writeSync(this.fd, buf, off, buf.length - off);
  }

  close(): Promise<void> {
    closeSync(this.fd);
    return Promise.resolve();
  }
}

/** Queues events durably for PARS and wakes the forwarder; delivery happens in the background. */
export class ParsQueueSink implements AuditSink {
  constructor(
    private readonly queue: DurableQueue,
    private readonly forwarder: ParsForwarder,
  ) {}

  write(batch: readonly SerialisedEvent[]): void {
    for (const b of batch) this.queue.append({ id: b.event.id!, json: b.json });
    this.forwarder.notify();
  }

  /** Stop forwarding (an attempt in flight is abandoned and resent next run) and close the queue. */
  async close(): Promise<void> {
    await this.forwarder.stop();
    this.queue.close();
  }
}
