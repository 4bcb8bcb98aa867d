/**
 * The broker records consumer mode judges, kept as they come (a recorder on the event bus,
 * control/events.ts): every answered request (TransactionEvent, without its legs' and response's
 * bodies, which no consumer check reads) and every refused one (FaultEvent). Bounded like the
 * control API's transaction log: at most `capacity` records (default 500) and `maxTotalBytes` of
 * request envelopes in all (default 64 MiB, counted in UTF-16 code units), the oldest dropped
 * first, the newest always kept. Envelopes are kept whole (a cut envelope could not be re-read).
 */
import type { SimEvents } from '../control/events.js';
import type { ConsumerRequestReport } from './consumer-report.js';
import type { ConsumerRecord } from './consumer-request.js';

const DEFAULT_CAPACITY = 500;
const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 * 1024;

/** Sizing of a ConsumerRecordLog. */
export interface ConsumerRecordLogOptions {
  /** Records kept, at least 1 (default 500). */
  capacity?: number;
  /** Request envelope text kept in all, UTF-16 code units (default 64 MiB). */
  maxTotalBytes?: number;
}

/**
 * Only what consumer checks read: an answered request without the bodies of its answer and legs,
 * copied whole (`structuredClone`). The copy matters: the record's short strings (ids, codes,
 * patient) may be V8 sliced strings that keep the whole text they were cut from alive, a
 * community's answer of tens of KiB each, so keeping the record itself kept about 0.3 MiB per
 * request (a broker container's RssAnon grew from 115-119 to 170-187 MiB with 200 records kept,
 * `npm run bench:containers`). A clone owns flat copies of only what it holds.
 */
function slim(r: ConsumerRecord): ConsumerRecord {
  if (r.kind === 'fault') return structuredClone(r);
  const { responseXml: _x, responseBody: _b, queryXml: _q, ...event } = r.event;
  return structuredClone({
    kind: 'transaction',
    event: {
      ...event,
      legs: event.legs.map(({ requestXml: _lq, responseXml: _lr, responseBody: _lb, ...leg }) => leg),
    },
  });
}

export class ConsumerRecordLog {
  private readonly kept: { record: ConsumerRecord; size: number }[] = [];
  private total = 0;
  /**
   * The verdicts computed so far, by `<id>@<deadlineMs>` (consumer-report.ts `memo`), forgotten
   * with their record; bounded by the records kept times the deadlines asked for.
   */
  readonly verdicts = new Map<string, ConsumerRequestReport>();
  readonly capacity: number;
  readonly maxTotalBytes: number;

  constructor(opts: ConsumerRecordLogOptions = {}) {
    this.capacity = Math.max(1, Math.floor(opts.capacity ?? DEFAULT_CAPACITY));
    this.maxTotalBytes = Math.max(1, Math.floor(opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES));
  }

  /** Keep one record, dropping the oldest beyond the bounds. */
  add(record: ConsumerRecord): void {
    const size = record.event.requestXml?.length ?? 0;
    this.kept.push({ record: slim(record), size });
    this.total += size;
    while (this.kept.length > 1 && (this.kept.length > this.capacity || this.total > this.maxTotalBytes)) {
      const dropped = this.kept.shift()!;
      this.total -= dropped.size;
      const prefix = `${dropped.record.event.id}@`;
      for (const k of this.verdicts.keys()) if (k.startsWith(prefix)) this.verdicts.delete(k);
    }
  }

  /** The records kept, oldest first. */
  records(): ConsumerRecord[] {
    return this.kept.map((k) => k.record);
  }

  /** Number of records kept. */
  get size(): number {
    return this.kept.length;
  }

  /**
   * Keep every `transaction` and `fault` record of `events` from now on (subscribed as a recorder:
   * a record is kept before its answer leaves); returns the function that stops it.
   */
  follow(events: SimEvents): () => void {
    return events.subscribe({
      record: (r) => {
        if (r.kind === 'transaction' || r.kind === 'fault') this.add(r);
        return Promise.resolve();
      },
    });
  }
}
