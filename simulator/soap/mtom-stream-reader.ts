/**
 * The streaming reader of multipart/related (MTOM/XOP) bodies (RFC 2046 §5.1; RFC 2387; ITI TF-2
 * Appendix V): the root part is read whole (it is small), then each binary part is handed out as
 * a Readable that pulls from the source only as fast as it is read, so a paused reader holds no
 * more than the source's own buffer. The framing, its tolerance and its bounds are
 * mtom-framing.ts's MultipartFramer, which this class feeds as the source delivers; streaming adds
 * one rule: the root part must be the first part.
 */
import { Readable, finished } from 'node:stream';
import { systemClock, type Deadline, type DeadlineClock } from '../shared/clock.js';
import {
  MORE,
  MtomError,
  MultipartFramer,
  decodeRootXml,
  decodeTransfer,
  parseMultipartType,
  partHeading,
} from './mtom-framing.js';

/** A binary part as it arrives: headers, and its bytes as a stream to read before the next part. */
export interface ReceivedPart {
  /** Header names lower-cased. */
  headers: Map<string, string>;
  /** Content-ID without angle brackets, when the part has one. */
  contentId?: string;
  contentType: string;
  body: Readable;
}

/**
 * The buffer of a part's Readable, bytes: a few socket reads, so that a relay writes large
 * chunks; backpressure holds at most this much beyond the source's own buffer.
 */
const PART_HIGH_WATER_MARK = 256 * 1024;

/** Why reading stopped because the source sent nothing for too long. */
export class MtomIdleError extends MtomError {}

/** Reads one multipart/related body from `source`; see the module comment. */
export class MultipartStreamReader {
  private readonly framer: MultipartFramer;
  private readonly start: string | undefined;
  private readonly idleMs: number | undefined;
  private readonly clock: DeadlineClock;
  /** Content-IDs seen so far, the root's included (each is unique in the package, RFC 2045 §7). */
  private readonly ids = new Set<string>();
  private ended = false;
  private partOpen = false;
  private failure: Error | undefined;
  /** The source's 'end' has been seen (its buffer is then empty). */
  private sourceEnded = false;
  /** What the source failed with (an early close is ERR_STREAM_PREMATURE_CLOSE). */
  private sourceError: Error | undefined;
  /** Settles the pending {@link waitForSource}, if any. */
  private waiter: ((err?: Error) => void) | undefined;
  /** When the pending (or last) wait began, ms of `clock`. */
  private waitingSince = 0;
  private watchdog: Deadline | undefined;

  /**
   * @param contentTypeHeader the HTTP Content-Type (multipart/related with boundary, maybe start).
   * @param opts.idleTimeoutMs fail (MtomIdleError) when the source sends nothing for this long, ms,
   *   while the root or a part is being read; absent: no idle timeout.
   * @param opts.clock the time the idle timeout runs on (default {@link systemClock}).
   * @throws MtomError when the type is not multipart/related or has no boundary.
   */
  constructor(
    private readonly source: Readable,
    contentTypeHeader: string,
    opts: { idleTimeoutMs?: number | undefined; clock?: DeadlineClock | undefined } = {},
  ) {
    const { boundary, start } = parseMultipartType(contentTypeHeader);
    this.framer = new MultipartFramer(boundary);
    this.start = start;
    this.idleMs = opts.idleTimeoutMs;
    this.clock = opts.clock ?? systemClock;
    finished(source, (err) => {
      if (err) this.sourceError ??= err;
      else this.sourceEnded = true;
      this.waiter?.();
    });
    source.on('readable', () => this.waiter?.());
  }

  /**
   * Read the root part whole: its XML decoded with its charset, and its Content-Type.
   * @throws MtomError when the body is malformed, the first part is not the `start` part, the root
   *   exceeds `maxBytes`, or it is not valid text in its charset.
   */
  async readRoot(maxBytes: number): Promise<{ xml: string; contentType: string }> {
    if (await this.step(() => this.framer.start())) throw new MtomError('the multipart body has no parts');
    const headers = await this.step(() => this.framer.headers());
    const { contentId, transfer } = partHeading(headers);
    if (this.start !== undefined && contentId !== this.start)
      throw new MtomError(
        'the first part is not the root part named by start; nir-sim streams parts and needs the root first',
      );
    if (contentId !== undefined) this.ids.add(contentId);
    const chunks: Buffer[] = [];
    let n = 0;
    for (let c = await this.bodyChunk(); c !== null; c = await this.bodyChunk()) {
      n += c.length;
      if (n > maxBytes) throw new MtomError(`the root part exceeds ${maxBytes} bytes`);
      chunks.push(c);
    }
    this.disarm();
    const contentType = headers.get('content-type') ?? '';
    const xml = decodeRootXml(decodeTransfer(Buffer.concat(chunks, n), transfer), contentType);
    return { xml, contentType };
  }

  /**
   * The next part, or undefined after the closing delimiter. The previous part's body must have
   * been read to its end first. Destroying a part's body stops the whole reader.
   * @throws MtomError for malformed framing or headers, a repeated Content-ID, an unsupported
   *   transfer encoding, or when called with a part still open.
   */
  async nextPart(): Promise<ReceivedPart | undefined> {
    if (this.partOpen) throw new MtomError('the previous part has not been read to its end');
    if (this.failure) throw this.failure;
    if (this.framer.closed) {
      await this.drainEpilogue();
      return undefined;
    }
    const headers = await this.step(() => this.framer.headers());
    const { contentId, contentType, transfer } = partHeading(headers);
    if (contentId !== undefined) {
      if (this.ids.has(contentId)) throw new MtomError(`Content-ID repeated: ${contentId}`);
      this.ids.add(contentId);
    }
    this.partOpen = true;
    const body = this.partBody(transfer === 'base64');
    return contentId === undefined
      ? { headers, contentType, body }
      : { headers, contentId, contentType, body };
  }

  /**
   * The Readable of the current part: pulls from the source on demand, base64-decoding if asked.
   * Bytes already buffered in the source are framed and pushed synchronously; only an empty
   * source is waited for (with the idle timeout).
   */
  private partBody(base64: boolean): Readable {
    let pumping = false;
    let rest = '';
    const decode = (c: Buffer): Buffer => {
      const text = rest + c.toString('latin1').replace(/\s+/g, '');
      const usable = text.length - (text.length % 4);
      rest = text.slice(usable);
      return Buffer.from(text.slice(0, usable), 'base64');
    };
    const pump = (): void => {
      pumping = true;
      try {
        for (;;) {
          const c = this.framer.body();
          if (c === MORE) {
            const got = this.pullNow();
            if (got === false) this.framer.end();
            else if (got === undefined) {
              this.waitForSource().then(pump, (err: unknown) => {
                pumping = false;
                body.destroy(err as Error);
              });
              return;
            }
            continue;
          }
          if (c === null) {
            if (base64 && rest !== '') body.push(Buffer.from(rest, 'base64'));
            this.partOpen = false;
            this.disarm();
            body.push(null);
            break;
          }
          if (!body.push(base64 ? decode(c) : c)) break;
        }
      } catch (err) {
        body.destroy(err as Error);
      }
      pumping = false;
    };
    const body: Readable = new Readable({
      highWaterMark: PART_HIGH_WATER_MARK,
      read: () => {
        if (!pumping) pump();
      },
      destroy: (err, cb) => {
        if (this.partOpen) this.close(err ?? new MtomError('a part was abandoned before its end'));
        cb(err);
      },
    });
    return body;
  }

  /** Stop reading: destroy the source (the HTTP response, and so its connection). */
  close(err?: Error): void {
    this.failure ??= err ?? new MtomError('the reader was closed');
    this.disarm();
    this.source.destroy();
    this.waiter?.(this.failure);
  }

  /**
   * Move the source's buffered bytes into the framer without waiting: true when some were moved,
   * false at the source's end, undefined when it has none yet.
   * @throws the reader's failure, or the source's error.
   */
  private pullNow(): boolean | undefined {
    if (this.failure) throw this.failure;
    if (this.ended) return false;
    const c = this.source.read() as Buffer | string | null;
    if (c !== null) {
      this.framer.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
      return true;
    }
    if (this.sourceError) throw this.sourceError;
    if (this.sourceEnded) {
      this.ended = true;
      return false;
    }
    return undefined;
  }

  /** Next bytes of the source into the framer, waiting if need be; false at its end. */
  private async pull(): Promise<boolean> {
    for (;;) {
      const got = this.pullNow();
      if (got !== undefined) return got;
      await this.waitForSource();
    }
  }

  /**
   * Resolves when the source has bytes, ended or failed; rejects with MtomIdleError (and closes
   * the reader) after idleTimeoutMs without any of these, or with the failure of close().
   */
  private waitForSource(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waitingSince = this.clock.now();
      this.waiter = (err) => {
        this.waiter = undefined;
        if (err) reject(err);
        else resolve();
      };
      this.arm();
    });
  }

  /**
   * The idle watchdog: one timer for as long as a part (or the root) is being read, not one per
   * chunk. When it fires during a wait that has lasted idleTimeoutMs the reader fails; during a
   * shorter wait it is set again for the rest; outside a wait it lapses.
   */
  private arm(): void {
    if (this.idleMs === undefined || this.watchdog) return;
    const due = this.idleMs - (this.clock.now() - this.waitingSince);
    const d = this.clock.deadline(due);
    this.watchdog = d;
    const fire = (): void => {
      if (this.watchdog !== d) return;
      this.watchdog = undefined;
      if (!this.waiter) return;
      if (this.clock.now() - this.waitingSince >= this.idleMs!)
        this.close(new MtomIdleError(`no data for ${this.idleMs} ms`));
      else this.arm();
    };
    if (d.signal.aborted) fire();
    else d.signal.addEventListener('abort', fire, { once: true });
  }

  /** Drop the idle watchdog (a part or the root has been read, or the reader closed). */
  private disarm(): void {
    this.watchdog?.clear();
    this.watchdog = undefined;
  }

  /** Run a framer step, pulling from the source while it needs more bytes. */
  private async step<T>(run: () => T | typeof MORE): Promise<T> {
    for (;;) {
      const r = run();
      if (r !== MORE) return r;
      if (!(await this.pull())) this.framer.end();
    }
  }

  /** The next bytes of the current part, or null once its closing delimiter has been consumed. */
  private bodyChunk(): Promise<Buffer | null> {
    return this.step(() => this.framer.body());
  }

  /** Read what follows the closing delimiter (an epilogue, usually CRLF) so the response completes. */
  private async drainEpilogue(): Promise<void> {
    this.framer.discard();
    while (await this.pull()) this.framer.discard();
    this.disarm();
  }
}
