/**
 * The control API's transaction log: the last N consumer requests the broker answered, each with
 * its per-community legs and, on request, the SOAP bodies (`GET /transactions`, docs/faults.md).
 * FHIR requests (ITI-67, ITI-68, WADO-RS) and MHD legs have a request line (`METHOD URL`, a POST
 * `_search` with its form body after a newline) and a response body (FHIR JSON) instead of SOAP
 * envelopes; they are kept and bounded the same way.
 * A bounded in-memory ring filled with the broker's `transaction` records (it subscribes to SimEvents). What is kept reproduces
 * and schema-validates each exchange: the consumer's request and response envelopes and each leg's
 * request and response envelopes (whole SOAP 1.2 envelopes with their WS-Addressing headers; MTOM:
 * the root part), and every MTOM part by reference (Content-ID as the envelope's xop:Include names
 * it, Content-Type, size in bytes, SHA-256), never the parts' bytes. Bounded: at most `capacity`
 * transactions (default 500), each envelope cut at `maxBodyBytes` (default 256 KiB) with a marker,
 * and the bodies kept in all at most `maxTotalBytes` (default 64 MiB; the oldest transactions are
 * dropped first, the newest is always kept), so a long session at many communities holds tens of
 * MiB, not capacity x (2 + 2 x legs) x maxBodyBytes.
 */
import type { BrokerTransaction, LegEvent, TransactionEvent } from '../events/transaction-events.js';
import type { SimEvents } from './events.js';

/** Default number of transactions kept (oldest dropped first). */
const DEFAULT_LOG_CAPACITY = 500;
/** Default largest body kept per message, bytes (256 KiB); longer bodies are cut with a marker. */
const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
/** Default most body text kept in all, bytes (64 MiB: about 200 FindDocuments of 3 communities, 20 entries). */
const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 * 1024;

/**
 * A leg as `GET /transactions` lists it: everything but the bodies (SOAP envelopes, FHIR JSON); an
 * MHD leg's request line is its first line only (`METHOD URL`).
 */
export type LegSummary = Omit<LegEvent, 'requestXml' | 'responseXml' | 'responseBody' | 'responseHeaders'>;

/** A transaction as `GET /transactions` lists it: no bodies, legs without bodies, no document list. */
export interface TransactionSummary {
  id: string;
  transaction: TransactionEvent['transaction'];
  /** What the consumer spoke, when not XCA (`mhd`: FHIR R4 REST, WADO-RS too). */
  protocol?: TransactionEvent['protocol'];
  /** A FHIR request's first line, `METHOD URL` (a POST `_search`'s form body is left to the full record). */
  requestLine?: string;
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
  /**
   * Most body text kept in all, bytes (default 64 MiB), counted as the bodies' length in UTF-16
   * code units (what the strings hold; for the ASCII XML of SOAP, their UTF-8 size). The oldest
   * transactions are dropped until the total fits; the newest is kept whatever its size.
   */
  maxTotalBytes?: number;
}

/** The fields of a TransactionEvent or LegEvent that hold a message body, cut to `maxBodyBytes`. */
const isBodyField = (k: string): boolean => k.endsWith('Xml') || k === 'requestLine' || k === 'responseBody';

/**
 * Cut a body to at most `maxBytes` bytes of UTF-8 and append a marker saying how long it was: an
 * XML comment after XML (`...Xml` fields), a bracketed line after FHIR JSON or a request line (so
 * the kept text is never taken for a whole JSON document). A string that fits is returned unchanged.
 */
function truncateBody(xml: string, maxBytes: number, xmlBody = true): string {
  // A UTF-16 code unit is 1 to 3 bytes of UTF-8: most bodies are decided without counting.
  if (xml.length * 3 <= maxBytes) return xml;
  const bytes = Buffer.byteLength(xml, 'utf8');
  if (bytes <= maxBytes) return xml;
  // Decoding a cut buffer may end in U+FFFD for a split character; drop it.
  const kept = Buffer.from(xml, 'utf8')
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  const note = `nir-sim: body truncated: ${bytes} bytes, the first ${maxBytes} kept`;
  return xmlBody ? `${kept}\n<!-- ${note} -->` : `${kept}\n[${note}]`;
}

/** The first line of a request line (`METHOD URL`), without a POST's form body. */
const firstLine = (line: string): string => line.split('\n', 1)[0]!;

/** A transaction without any body, for listings. */
export function summariseTransaction(e: TransactionEvent): TransactionSummary {
  return {
    id: e.id,
    transaction: e.transaction,
    ...(e.protocol !== undefined ? { protocol: e.protocol } : {}),
    ...(e.requestLine !== undefined ? { requestLine: firstLine(e.requestLine) } : {}),
    ...(e.messageId !== undefined ? { messageId: e.messageId } : {}),
    ...(e.consumerId !== undefined ? { consumerId: e.consumerId } : {}),
    ...(e.patient !== undefined ? { patient: e.patient } : {}),
    startedAt: e.startedAt,
    durationMs: e.durationMs,
    status: e.status,
    errors: e.errors,
    resultCount: e.resultCount,
    legs: e.legs.map(({ requestXml: _q, responseXml: _r, responseBody: _b, responseHeaders: _h, ...leg }) =>
      leg.requestLine !== undefined ? { ...leg, requestLine: firstLine(leg.requestLine) } : leg,
    ),
  };
}

/** The ring of recent transactions, keyed by TransactionEvent id. */
export class TransactionLog {
  private readonly byId = new Map<string, { event: TransactionEvent; size: number }>();
  /** The kept bodies' total, UTF-16 code units. */
  private total = 0;
  readonly capacity: number;
  readonly maxBodyBytes: number;
  readonly maxTotalBytes: number;

  constructor(opts: TransactionLogOptions = {}) {
    this.capacity = Math.max(1, Math.floor(opts.capacity ?? DEFAULT_LOG_CAPACITY));
    this.maxBodyBytes = Math.max(1, Math.floor(opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
    this.maxTotalBytes = Math.max(1, Math.floor(opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES));
  }

  /**
   * Record a copy of one transaction, its XML bodies and its legs' cut to `maxBodyBytes`, dropping
   * the oldest beyond `capacity` or `maxTotalBytes`. The copy is whole (`structuredClone`): the
   * event's short strings (returned DocumentEntry ids, homeCommunityIds, RegistryError texts) may
   * be V8 sliced strings that keep the whole community answer they were cut from alive, so keeping
   * the event's own strings would keep every answer whole, however short its kept body. A clone
   * owns flat copies of only what it holds (and flattens the answers built by concatenation).
   */
  record(e: TransactionEvent): void {
    const sized = { size: 0 };
    const stored: TransactionEvent = structuredClone({
      ...this.cutBodies(e, sized),
      legs: e.legs.map((leg) => this.cutBodies(leg, sized)),
    });
    this.forget(e.id);
    this.byId.set(e.id, { event: stored, size: sized.size });
    this.total += sized.size;
    while (this.byId.size > 1 && (this.byId.size > this.capacity || this.total > this.maxTotalBytes)) {
      const oldest = this.byId.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
  }

  private forget(id: string): void {
    const kept = this.byId.get(id);
    if (!kept) return;
    this.total -= kept.size;
    this.byId.delete(id);
  }

  /**
   * A copy with every body (each string field named `...Xml`, `requestLine`, `responseBody`) cut
   * to `maxBodyBytes`; their lengths are added to `sized.size`.
   */
  private cutBodies<T extends object>(o: T, sized: { size: number }): T {
    const out = { ...o } as Record<string, unknown>;
    for (const [k, v] of Object.entries(out))
      if (isBodyField(k) && typeof v === 'string') {
        const kept = truncateBody(v, this.maxBodyBytes, k.endsWith('Xml'));
        out[k] = kept;
        sized.size += kept.length;
      }
    return out as T;
  }

  /**
   * The newest `limit` transactions (all kept when omitted), newest first, without bodies; with
   * `transaction`, only those of that transaction (ITI-38, ..., ITI-67, ITI-68, WADO-RS).
   */
  list(limit?: number, filter: { transaction?: BrokerTransaction } = {}): TransactionSummary[] {
    const newestFirst = [...this.byId.values()]
      .map((k) => k.event)
      .filter((e) => filter.transaction === undefined || e.transaction === filter.transaction)
      .reverse();
    return (limit === undefined ? newestFirst : newestFirst.slice(0, limit)).map(summariseTransaction);
  }

  /** How many transactions the log holds, per transaction (those with none are left out). */
  counts(): Partial<Record<BrokerTransaction, number>> {
    const out: Partial<Record<BrokerTransaction, number>> = {};
    for (const { event } of this.byId.values()) out[event.transaction] = (out[event.transaction] ?? 0) + 1;
    return out;
  }

  /** One transaction with its bodies, or undefined when unknown or already dropped. */
  get(id: string): TransactionEvent | undefined {
    return this.byId.get(id)?.event;
  }

  /** Number of transactions kept. */
  get size(): number {
    return this.byId.size;
  }

  /** Forget every transaction. */
  clear(): void {
    this.byId.clear();
    this.total = 0;
  }

  /** The kept bodies' total, bytes as `maxTotalBytes` counts them. */
  get bodyBytes(): number {
    return this.total;
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
