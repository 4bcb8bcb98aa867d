/**
 * The durable on-disk queue of audit events waiting for PARS: an append-only journal of JSON lines
 * (`journal-NNNNNNNNNN.ndjson` segments) plus the acknowledged position (`ack.json`, replaced
 * atomically by rename). Appends are synchronous (`writeSync`), so an event is on disk before the
 * broker answers; a process that is killed loses nothing it appended. Delivery is in order from
 * the head; an item is acknowledged only once PARS has stored it, so after a crash the head may be
 * sent again (PARS dedupes on the event id: exactly once from its point of view). The acknowledged
 * position is written at most once per `ackIntervalMs` (default 1 s; at once when a segment is
 * finished, and on close), not once per event: an acknowledgement is four file-system calls, and
 * one lost in a crash only means those events are sent again. `fsync: true` also survives power
 * loss, at a cost per append. One process at a time: `queue.lock`.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { SimError, SimErrorCode } from '../shared/errors.js';

/** Options of {@link DurableQueue.open}. */
interface DurableQueueOptions {
  /** Start a new journal segment once the current one holds this many bytes (default 8 MiB). */
  segmentBytes?: number;
  /** fsync every append and acknowledgement (default false: survives a crash, not a power cut). */
  fsync?: boolean;
  /**
   * Longest an acknowledgement waits to be written to `ack.json`, ms (default 1,000; 0: each at
   * once). Until then a reader of the directory (queueDepthOnDisk) and a restart after a crash
   * count those items as waiting.
   */
  ackIntervalMs?: number;
}

/** The head of the queue. */
interface QueuedItem {
  id: string;
  /** The item as stored, one JSON text (what is sent). */
  json: string;
}

interface Pending extends QueuedItem {
  segment: number;
  /** Byte offset just past this item's line in its segment. */
  end: number;
}

interface AckPosition {
  segment: number;
  offset: number;
}

const DEAD_LETTERS = 'rejected.ndjson';
const SEGMENT = /^journal-(\d{10})\.ndjson$/;
const segmentName = (n: number): string => `journal-${String(n).padStart(10, '0')}.ndjson`;
/** Queues open in this process, by directory: a file lock cannot tell them apart by pid. */
const openHere = new Set<string>();

/** A durable FIFO of JSON items with an `id`. Not safe for two processes: see `queue.lock`. */
export class DurableQueue {
  private readonly pending: Pending[] = [];
  private fd: number;
  private appendSize: number;
  private closed = false;
  /** The latest acknowledged position not yet in `ack.json`, and the timer that writes it. */
  private ackDue: AckPosition | undefined;
  private ackTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly dir: string,
    private appendSegment: number,
    private readonly opts: Required<DurableQueueOptions>,
  ) {
    const file = this.segmentPath(appendSegment);
    this.fd = openSync(file, 'a');
    this.appendSize = statSync(file).size;
  }

  /**
   * Open (or create) the queue in `dir`, recovering what a previous run left: acknowledged
   * segments are removed, a torn last line (a crash mid-write) is cut off, the rest is pending.
   * @throws SimError SIM_ERR_ALREADY_RUNNING when another live process (or queue here) holds it.
   */
  static open(dir: string, options: DurableQueueOptions = {}): DurableQueue {
    const abs = path.resolve(dir);
    mkdirSync(abs, { recursive: true });
    lock(abs);
    try {
      const ack = readAck(abs);
      const segments = listSegments(abs);
      for (const s of segments.filter((n) => n < ack.segment)) rmSync(path.join(abs, segmentName(s)));
      const live = segments.filter((n) => n >= ack.segment);
      const q = new DurableQueue(abs, live.at(-1) ?? ack.segment, {
        segmentBytes: options.segmentBytes ?? 8 * 1024 * 1024,
        fsync: options.fsync ?? false,
        ackIntervalMs: options.ackIntervalMs ?? 1_000,
      });
      for (const s of live) q.recover(s, s === ack.segment ? ack.offset : 0);
      return q;
    } catch (err) {
      unlock(abs);
      throw err;
    }
  }

  /** Items waiting. */
  get depth(): number {
    return this.pending.length;
  }

  /** The oldest item waiting, if any. */
  peek(): QueuedItem | undefined {
    const p = this.pending[0];
    return p && { id: p.id, json: p.json };
  }

  /** Append one item (synchronously on disk). `json` must be one line of JSON with this `id`. */
  append(item: QueuedItem): void {
    if (this.closed) throw new Error(`audit queue ${this.dir} is closed`);
    const buf = Buffer.from(item.json + '\n', 'utf8');
    if (this.appendSize > 0 && this.appendSize + buf.length > this.opts.segmentBytes) this.rotate();
    for (let off = 0; off < buf.length;) off += writeSync(this.fd, buf, off, buf.length - off);
    if (this.opts.fsync) fsyncSync(this.fd);
    this.appendSize += buf.length;
    this.pending.push({ ...item, segment: this.appendSegment, end: this.appendSize });
  }

  /** Acknowledge the head: it was delivered. Finished segments are removed. */
  ack(): void {
    const head = this.pending.shift();
    if (!head) throw new Error('audit queue: nothing to acknowledge');
    const next = this.pending[0];
    const segmentDone =
      head.segment < this.appendSegment && (next === undefined || next.segment > head.segment);
    if (!segmentDone) {
      this.ackLater({ segment: head.segment, offset: head.end });
      return;
    }
    this.writeAck({ segment: head.segment + 1, offset: 0 });
    rmSync(this.segmentPath(head.segment), { force: true });
  }

  /** The dead-letter file: `rejected.ndjson` beside the journal. */
  get deadLetterFile(): string {
    return path.join(this.dir, DEAD_LETTERS);
  }

  /**
   * Set the head aside in the dead-letter file (one JSON line `{id, reason, item}`, on disk before
   * the head is acknowledged) and acknowledge it: PARS refused it for good.
   */
  deadLetter(reason: string): void {
    const head = this.pending[0];
    if (!head) throw new Error('audit queue: nothing to set aside');
    const line = JSON.stringify({ id: head.id, reason, item: JSON.parse(head.json) as unknown }) + '\n';
    const fd = openSync(this.deadLetterFile, 'a');
    try {
      writeSync(fd, line);
      if (this.opts.fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.ack();
  }

  /** Close the journal and release the lock. Pending items stay on disk for the next open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ackDue) this.writeAck(this.ackDue);
    closeSync(this.fd);
    unlock(this.dir);
  }

  private segmentPath(n: number): string {
    return path.join(this.dir, segmentName(n));
  }

  private recover(segment: number, offset: number): void {
    const file = this.segmentPath(segment);
    const text = readFileSync(file);
    const lastNl = text.lastIndexOf(0x0a);
    if (lastNl + 1 < text.length) {
      truncateSync(file, lastNl + 1); // a torn write: never acknowledged to anyone
      if (segment === this.appendSegment) this.appendSize = lastNl + 1;
    }
    let start = offset;
    while (start <= lastNl) {
      const nl = text.indexOf(0x0a, start);
      const json = text.subarray(start, nl).toString('utf8');
      start = nl + 1;
      const id = idOf(json);
      if (id !== undefined) this.pending.push({ id, json, segment, end: start });
    }
  }

  private rotate(): void {
    closeSync(this.fd);
    const old = this.appendSegment;
    this.appendSegment += 1;
    this.fd = openSync(this.segmentPath(this.appendSegment), 'a');
    this.appendSize = 0;
    if (this.pending.length === 0) {
      this.writeAck({ segment: this.appendSegment, offset: 0 });
      rmSync(this.segmentPath(old), { force: true });
    }
  }

  /** Write `pos` within `ackIntervalMs` (at once when it is 0); a later position replaces it. */
  private ackLater(pos: AckPosition): void {
    if (this.opts.ackIntervalMs === 0) return this.writeAck(pos);
    this.ackDue = pos;
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = undefined;
      if (this.ackDue && !this.closed) this.writeAck(this.ackDue);
    }, this.opts.ackIntervalMs).unref();
  }

  /** Write `ack.json` now (atomically: a temporary file renamed over it); nothing is left due. */
  private writeAck(pos: AckPosition): void {
    this.ackDue = undefined;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const file = path.join(this.dir, 'ack.json');
    const tmp = `${file}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, JSON.stringify(pos));
    if (this.opts.fsync) fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, file);
  }
}

/**
 * Items waiting in the queue directory `dir`, read from disk without opening the queue (for
 * `sim status` in another process). 0 when there is no queue.
 */
export function queueDepthOnDisk(dir: string): number {
  if (!existsSync(dir)) return 0;
  const ack = readAck(dir);
  let n = 0;
  for (const s of listSegments(dir).filter((x) => x >= ack.segment)) {
    let text: Buffer;
    try {
      text = readFileSync(path.join(dir, segmentName(s)));
    } catch {
      continue; // removed by the running queue meanwhile: acknowledged
    }
    for (let i = s === ack.segment ? ack.offset : 0; i < text.length; i++) if (text[i] === 0x0a) n++;
  }
  return n;
}

/**
 * Events dead-lettered in the queue directory `dir` (distinct ids in `rejected.ndjson`, so an event
 * set aside twice around a crash counts once), read from disk (for `sim status`). 0 when none.
 */
export function deadLettersOnDisk(dir: string): number {
  let text: string;
  try {
    text = readFileSync(path.join(dir, DEAD_LETTERS), 'utf8');
  } catch {
    return 0;
  }
  const ids = new Set<string>();
  for (const m of text.matchAll(/^\{"id":("(?:[^"\\]|\\.)*")/gm)) ids.add(JSON.parse(m[1]!) as string);
  return ids.size;
}

function idOf(json: string): string | undefined {
  try {
    const v = JSON.parse(json) as { id?: unknown };
    return typeof v.id === 'string' ? v.id : undefined;
  } catch {
    return undefined; // a corrupt line cannot be delivered; the next acknowledgement passes it
  }
}

function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .flatMap((f) => {
      const m = SEGMENT.exec(f);
      return m ? [Number(m[1])] : [];
    })
    .sort((a, b) => a - b);
}

function readAck(dir: string): AckPosition {
  try {
    const v = JSON.parse(readFileSync(path.join(dir, 'ack.json'), 'utf8')) as Partial<AckPosition>;
    if (Number.isInteger(v.segment) && Number.isInteger(v.offset))
      return { segment: v.segment!, offset: v.offset! };
  } catch {
    /* no acknowledgement yet */
  }
  return { segment: listSegments(dir)[0] ?? 1, offset: 0 };
}

function lock(dir: string): void {
  const file = path.join(dir, 'queue.lock');
  const inUse = (pid: number): SimError =>
    new SimError(
      SimErrorCode.AlreadyRunning,
      `audit queue ${dir} is in use by process ${pid}: stop that nir-sim, or give this run another audit directory`,
    );
  if (openHere.has(dir)) throw inUse(process.pid);
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) throw inUse(pid);
    writeFileSync(file, String(process.pid)); // stale: its process is gone
  }
  openHere.add(dir);
}

function unlock(dir: string): void {
  openHere.delete(dir);
  rmSync(path.join(dir, 'queue.lock'), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
