/**
 * The control API's transaction log: the last N consumer requests the broker answered, each with
 * its per-community legs and, on request, the SOAP bodies (`GET /transactions`, docs/faults.md).
 * A bounded in-memory ring filled with the broker's `transaction` records (it subscribes to SimEvents). What is kept reproduces
 * and schema-validates each exchange: the consumer's request and response envelopes and each leg's
 * request and response envelopes (whole SOAP 1.2 envelopes with their WS-Addressing headers; MTOM:
 * the root part), and every MTOM part by reference (Content-ID as the envelope's xop:Include names
 * it, Content-Type, size in bytes, SHA-256), never the parts' bytes. Bounded: at most `capacity`
 * transactions (default 500), each envelope cut at `maxBodyBytes` (default 256 KiB) with a marker,
 * so at most about capacity x (2 + 2 x legs) x maxBodyBytes.
 */
import type { LegEvent, TransactionEvent } from '../events/transaction-events.js';
import type { SimEvents } from './events.js';

/** Default number of transactions kept (oldest dropped first). */
const DEFAULT_LOG_CAPACITY = 500;
/** Default largest body kept per message, bytes (256 KiB); longer bodies are cut with a marker. */
const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

/** A leg as `GET /transactions` lists it: everything but the SOAP bodies. */
export type LegSummary = Omit<LegEvent, 'requestXml' | 'responseXml'>;

/** A transaction as `GET /transactions` lists it: no bodies, legs without bodies, no document list. */
export interface TransactionSummary {
  id: string;
  transaction: TransactionEvent['transaction'];
  messageId?: string;
  consumerId?: string;
  patient?: string;
  /** Epoch ms. */
  startedAt: number;
  durationMs: number;
  /** Response status URN (ebRS ResponseStatusType). */
  status: string;
  errors: TransactionEvent['errors'];
  resultCount: number;
  legs: LegSummary[];
}

/** Sizing of a TransactionLog. */
export interface TransactionLogOptions {
  /** Transactions kept, at least 1 (default 500). */
  capacity?: number;
  /** Largest body kept per message, bytes (default 256 KiB). */
  maxBodyBytes?: number;
}

/**
 * Cut `xml` to at most `maxBytes` bytes of UTF-8 and append a marker (an XML comment) saying how
 * long it was. A string that fits is returned unchanged.
 */
function truncateBody(xml: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(xml, 'utf8');
  if (bytes <= maxBytes) return xml;
  // Decoding a cut buffer may end in U+FFFD for a split character; drop it.
  const kept = Buffer.from(xml, 'utf8')
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${kept}\n<!-- nir-sim: body truncated: ${bytes} bytes, the first ${maxBytes} kept -->`;
}

/** A transaction without any body, for listings. */
function summarise(e: TransactionEvent): TransactionSummary {
  return {
    id: e.id,
    transaction: e.transaction,
    ...(e.messageId !== undefined ? { messageId: e.messageId } : {}),
    ...(e.consumerId !== undefined ? { consumerId: e.consumerId } : {}),
    ...(e.patient !== undefined ? { patient: e.patient } : {}),
    startedAt: e.startedAt,
    durationMs: e.durationMs,
    status: e.status,
    errors: e.errors,
    resultCount: e.resultCount,
    legs: e.legs.map(({ requestXml: _q, responseXml: _r, ...leg }) => leg),
  };
}

/** The ring of recent transactions, keyed by TransactionEvent id. */
export class TransactionLog {
  private readonly byId = new Map<string, TransactionEvent>();
  readonly capacity: number;
  readonly maxBodyBytes: number;

  constructor(opts: TransactionLogOptions = {}) {
    this.capacity = Math.max(1, Math.floor(opts.capacity ?? DEFAULT_LOG_CAPACITY));
    this.maxBodyBytes = Math.max(1, Math.floor(opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
  }

  /**
   * Record one transaction, its XML bodies and its legs' cut to `maxBodyBytes`, dropping the oldest
   * beyond capacity.
   */
  record(e: TransactionEvent): void {
    const stored: TransactionEvent = {
      ...this.cutBodies(e),
      legs: e.legs.map((leg) => this.cutBodies(leg)),
    };
    this.byId.delete(e.id);
    this.byId.set(e.id, stored);
    while (this.byId.size > this.capacity) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.byId.delete(oldest);
    }
  }

  /** A copy with every XML body (each string field named `...Xml`) cut to `maxBodyBytes`. */
  private cutBodies<T extends object>(o: T): T {
    const out = { ...o } as Record<string, unknown>;
    for (const [k, v] of Object.entries(out))
      if (k.endsWith('Xml') && typeof v === 'string') out[k] = truncateBody(v, this.maxBodyBytes);
    return out as T;
  }

  /** The newest `limit` transactions (all kept when omitted), newest first, without bodies. */
  list(limit?: number): TransactionSummary[] {
    const newestFirst = [...this.byId.values()].reverse();
    return (limit === undefined ? newestFirst : newestFirst.slice(0, limit)).map(summarise);
  }

  /** One transaction with its bodies, or undefined when unknown or already dropped. */
  get(id: string): TransactionEvent | undefined {
    return this.byId.get(id);
  }

  /** Number of transactions kept. */
  get size(): number {
    return this.byId.size;
  }

  /** Forget every transaction. */
  clear(): void {
    this.byId.clear();
  }

  /**
   * Keep every `transaction` record of `events` (subscribed as a recorder, so a transaction is in
   * the log before its answer leaves); returns the function that stops it.
   */
  follow(events: SimEvents): () => void {
    return events.subscribe({
      record: (r) => {
        if (r.kind === 'transaction') this.record(r.event);
        return Promise.resolve();
      },
    });
  }
}
