/**
 * The simulated PARS's record of AuditEvents: stored once per id (a second POST of a stored id
 * stores nothing and returns the stored resource, so a sender that resends after a crash is
 * delivered exactly once), in arrival order, optionally persisted as NDJSON and reloaded on start
 * (PARS outlives a broker restart).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { AuditEvent } from 'fhir/r4.js';

/** The result of {@link ParsStore.put}. */
interface PutResult {
  /** False when the id was stored already (nothing new stored). */
  created: boolean;
  resource: AuditEvent;
}

/** AuditEvents by id, in arrival order. */
export class ParsStore {
  private readonly byId = new Map<string, AuditEvent>();
  private readonly fd: number | undefined;

  /** @param file NDJSON to reload from and append to; memory only when absent. */
  constructor(readonly file?: string) {
    if (file === undefined) return;
    mkdirSync(path.dirname(file), { recursive: true });
    if (existsSync(file)) {
      const text = readFileSync(file);
      const end = text.lastIndexOf(0x0a) + 1;
      // A torn last line (a crash mid-write: that event was never acknowledged, it will be resent)
      // is cut off, so that the next event appended starts on a line of its own and is not lost.
      if (end < text.length) truncateSync(file, end);
      for (const line of text.subarray(0, end).toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        try {
          const e = JSON.parse(line) as AuditEvent;
          if (e.id !== undefined) this.byId.set(e.id, e);
        } catch {
          /* a corrupt whole line: nothing acknowledged can be read from it */
        }
      }
    }
    this.fd = openSync(file, 'a');
  }

  /**
   * Store a validated AuditEvent. A new one gets `meta.versionId` 1 and `meta.lastUpdated` (and an
   * id, when it came without one, as a FHIR create assigns).
   */
  put(event: AuditEvent, now: Date): PutResult {
    const known = event.id !== undefined ? this.byId.get(event.id) : undefined;
    if (known) return { created: false, resource: known };
    const resource: AuditEvent = {
      ...event,
      id: event.id ?? randomUUID(),
      meta: { ...event.meta, versionId: '1', lastUpdated: now.toISOString() },
    };
    if (this.fd !== undefined) writeSync(this.fd, JSON.stringify(resource) + '\n');
    this.byId.set(resource.id!, resource);
    return { created: true, resource };
  }

  /** One event by id. */
  get(id: string): AuditEvent | undefined {
    return this.byId.get(id);
  }

  /** Every event, in arrival order. */
  all(): AuditEvent[] {
    return [...this.byId.values()];
  }

  /** How many events are stored. */
  get size(): number {
    return this.byId.size;
  }

  /** Close the file. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}
