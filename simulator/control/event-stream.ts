/**
 * `GET /events` of the control API: a Server-Sent Events stream (WHATWG HTML Living Standard
 * "Server-sent events", media type `text/event-stream`) of what changes in a running topology, so
 * that a dashboard sees transactions and faults without polling (docs/dashboard.md "The event
 * stream"). Each event's `data` is one line of JSON; `id` is a sequence number of this process.
 *
 * | event | data |
 * |---|---|
 * | `topology` | the `GET /topology` answer; sent first, and again when a community goes down or up |
 * | `faults` | `{ faults: FaultStatus[] }` as `GET /faults`; sent first, and again when a fault or a counter (matched, applied) changed |
 * | `fault-added` | `{ fault }`: the fault as stored, defaults filled in |
 * | `fault-removed` | `{ name }` |
 * | `transaction` | one transaction as `GET /transactions` lists it (no bodies; `GET /transactions/{id}` has them) |
 * | `refusal` | a consumer request the broker answered with a SOAP Fault (SOAP 1.2 Part 1 §5.4): the FaultEvent without the request envelope and requester (`id`, `transaction`, `messageId`, `consumerId`, `endpoint`, `remoteAddress`, `startedAt`, `durationMs`, `httpStatus`, `code`, `subcode`, `reason`) |
 *
 * A comment line (`: heartbeat`) every 15 s keeps proxies from closing an idle stream. At most
 * `maxSubscribers` streams at once (default 16); one more is answered 503 `{ error, problems }`
 * with `Retry-After`. A subscriber that stops reading is dropped once 1 MiB waits for it. With a
 * `Last-Event-ID` header the `transaction`, `refusal`, `fault-added` and `fault-removed` events
 * after that id still held (the last 200) are sent again after the two snapshots.
 *
 * Fault changes are seen from the control API's own verbs, from the FaultStore's `change` event
 * (in-process), and by listing the faults after each transaction and every 5 s, only while someone
 * listens (counters move in the gateways, and in the container stack in other containers, which a
 * list asks over HTTP).
 */
import express, { type Response, type Router } from 'express';
import type { FaultEvent } from '../events/transaction-events.js';
import { FaultStore, type FaultStatus } from '../faults/fault-store.js';
import type { Logger } from '../shared/logger.js';
import type { SimEvents } from './events.js';
import type { AddAllResult, FaultControl } from './fault-control.js';
import { sendError } from './json-http.js';
import { summariseTransaction } from './transaction-log.js';

/** The kinds of event `GET /events` sends. */
export type StreamEventKind =
  'topology' | 'faults' | 'fault-added' | 'fault-removed' | 'transaction' | 'refusal';

/** Sizing and timing of an EventStream. */
export interface EventStreamOptions {
  /** Streams open at once (default 16). */
  maxSubscribers?: number;
  /** Interval of the `: heartbeat` comment, ms (default 15 000). */
  heartbeatMs?: number;
  /** Interval of the fault list refresh while someone listens, ms (default 5 000). */
  refreshMs?: number;
}

const DEFAULT_MAX_SUBSCRIBERS = 16;
const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_REFRESH_MS = 5_000;
/** Events kept for `Last-Event-ID` replays. */
const REPLAY_EVENTS = 200;
/** Bytes that may wait for a subscriber before it is dropped (1 MiB). */
const MAX_PENDING_BYTES = 1024 * 1024;
/** The reconnection time the stream suggests to EventSource, ms. */
const RETRY_MS = 2_000;

interface SentEvent {
  id: number;
  kind: StreamEventKind;
  text: string;
}

/** A topology as `GET /topology` answers it, for the `topology` event. */
type TopologyBody = { communities: { name: string; down: boolean }[] };

/**
 * The event stream of one control API. `faults()` wraps the FaultControl the routes use, so that
 * changes made through the API are announced at once.
 */
export class EventStream {
  private readonly subscribers = new Set<Response>();
  private readonly replay: SentEvent[] = [];
  private seq = 0;
  private lastFaults: FaultStatus[] | undefined;
  private lastDown = '';
  private refreshing: Promise<void> | undefined;
  private again = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unfollow: (() => void)[] = [];
  readonly maxSubscribers: number;

  constructor(
    private readonly source: FaultControl,
    events: SimEvents,
    private readonly topology: () => TopologyBody,
    private readonly logger: Logger,
    opts: EventStreamOptions = {},
  ) {
    this.maxSubscribers = opts.maxSubscribers ?? DEFAULT_MAX_SUBSCRIBERS;
    const onTransaction = (e: Parameters<typeof summariseTransaction>[0]): void => {
      this.broadcast('transaction', summariseTransaction(e));
      this.refresh();
    };
    events.on('transaction', onTransaction);
    this.unfollow.push(() => events.off('transaction', onTransaction));
    // A refused request is no transaction, but a consumer's all the same (the Conformance view
    // judges it): announced without its envelope and the requester read from it.
    const onRefusal = (e: FaultEvent): void => {
      const { requestXml: _q, requester: _r, ...refusal } = e;
      this.broadcast('refusal', refusal);
    };
    events.on('fault', onRefusal);
    this.unfollow.push(() => events.off('fault', onRefusal));
    if (source instanceof FaultStore) {
      const onChange = (): void => this.refresh();
      source.on('change', onChange);
      this.unfollow.push(() => source.off('change', onChange));
    }
    const heartbeat = setInterval(() => {
      for (const res of this.subscribers) this.write(res, ': heartbeat\n\n');
    }, opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
    const poll = setInterval(() => {
      if (this.subscribers.size > 0) this.refresh();
    }, opts.refreshMs ?? DEFAULT_REFRESH_MS);
    for (const t of [heartbeat, poll]) t.unref();
    this.timers.push(heartbeat, poll);
  }

  /** Number of open streams. */
  get size(): number {
    return this.subscribers.size;
  }

  /** `source` with each change announced on the stream once it is done. */
  faults(): FaultControl {
    const s = this.source;
    const after = <T>(v: T | Promise<T>): Promise<T> =>
      Promise.resolve(v).finally(() => {
        this.refresh();
      });
    return {
      list: () => s.list(),
      addAll: (inputs): Promise<AddAllResult> => after(s.addAll(inputs)),
      remove: (name) => after(s.remove(name)),
      reset: () => after(s.reset()),
      isDown: (target) => s.isDown(target),
    };
  }

  /** The router for `GET /events`. */
  routes(): Router {
    const r = express.Router();
    r.get('/events', async (req, res) => {
      if (this.subscribers.size >= this.maxSubscribers) {
        res.set('Retry-After', '5');
        return sendError(res, 503, 'too many event streams', [
          `at most ${this.maxSubscribers} GET /events streams at once; close one or retry later`,
        ]);
      }
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      this.subscribers.add(res);
      res.on('close', () => this.subscribers.delete(res));
      this.write(res, `retry: ${RETRY_MS}\n\n`);
      // The two snapshots, then what a reconnecting client missed.
      this.write(res, frame(this.seq, 'topology', JSON.stringify(this.topology())));
      const faults = await this.listFaults();
      if (faults && this.subscribers.has(res)) {
        this.write(res, frame(this.seq, 'faults', JSON.stringify({ faults })));
        this.lastFaults ??= faults;
      }
      const last = req.get('last-event-id');
      if (last !== undefined && /^\d{1,15}$/.test(last)) {
        const after = Number(last);
        for (const e of this.replay) if (e.id > after) this.write(res, e.text);
      }
    });
    return r;
  }

  /** Close every stream and stop following the bus and the store. */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    for (const u of this.unfollow) u();
    for (const res of this.subscribers) res.end();
    this.subscribers.clear();
  }

  /** Send one event to every subscriber (and keep it for replays unless it is a snapshot). */
  private broadcast(kind: StreamEventKind, data: unknown): void {
    const id = ++this.seq;
    const text = frame(id, kind, JSON.stringify(data));
    if (kind !== 'topology' && kind !== 'faults') {
      this.replay.push({ id, kind, text });
      if (this.replay.length > REPLAY_EVENTS) this.replay.shift();
    }
    for (const res of this.subscribers) this.write(res, text);
  }

  private write(res: Response, text: string): void {
    if (res.writableLength > MAX_PENDING_BYTES) {
      this.logger.warn('event stream: a subscriber stopped reading; dropped');
      this.subscribers.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  }

  private async listFaults(): Promise<FaultStatus[] | undefined> {
    try {
      return await this.source.list();
    } catch (err) {
      this.logger.warn({ err }, 'event stream: the faults could not be listed');
      return undefined;
    }
  }

  /**
   * List the faults and announce what changed (added, removed, counters, a community down or up).
   * One refresh at a time; a request during one runs once more after it.
   */
  private refresh(): void {
    // Nobody listens: list nothing (in the container stack a list asks every gateway container);
    // the next stream starts from its own snapshot.
    if (this.subscribers.size === 0) {
      this.lastFaults = undefined;
      return;
    }
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = this.refreshOnce().finally(() => {
      this.refreshing = undefined;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  private async refreshOnce(): Promise<void> {
    const now = await this.listFaults();
    if (now === undefined) return;
    const before = this.lastFaults;
    // Without a baseline, the whole list, no fault announced as new.
    if (before === undefined) this.broadcast('faults', { faults: now });
    else {
      const had = new Set(before.map((s) => s.fault.name));
      const has = new Set(now.map((s) => s.fault.name));
      for (const s of before)
        if (!has.has(s.fault.name)) this.broadcast('fault-removed', { name: s.fault.name });
      for (const s of now) if (!had.has(s.fault.name)) this.broadcast('fault-added', { fault: s.fault });
      if (!sameCounters(before, now)) this.broadcast('faults', { faults: now });
    }
    this.lastFaults = now;
    const topology = this.topology();
    const down = topology.communities
      .filter((c) => c.down)
      .map((c) => c.name)
      .join('\n');
    if (down !== this.lastDown) {
      this.lastDown = down;
      this.broadcast('topology', topology);
    }
  }
}

/** One SSE event: `id`, `event` and a one-line `data` (JSON never holds a raw newline). */
function frame(id: number, kind: StreamEventKind, json: string): string {
  return `id: ${id}\nevent: ${kind}\ndata: ${json}\n\n`;
}

function sameCounters(a: FaultStatus[], b: FaultStatus[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (s, i) =>
        s.fault.name === b[i]!.fault.name && s.matched === b[i]!.matched && s.applied === b[i]!.applied,
    )
  );
}
