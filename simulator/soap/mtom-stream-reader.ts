/**
 * The streaming reader of multipart/related (MTOM/XOP) bodies (RFC 2046 §5.1; RFC 2387; ITI TF-2
 * Appendix V): the root part is read whole (it is small), then each binary part is handed out as
 * a Readable that pulls from the source only as fast as it is read, so a paused reader holds no
 * more than the source's own buffer. The framing, its tolerance and its bounds are
 * mtom-framing.ts's MultipartFramer, which this class feeds as the source delivers; streaming adds
 * one rule: the root part must be the first part.
 */
import { Readable } from 'node:stream';
import { systemClock, type DeadlineClock } from '../shared/clock.js';
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

/** Why reading stopped because the source sent nothing for too long. */
export class MtomIdleError extends MtomError {}

/** Reads one multipart/related body from `source`; see the module comment. */
export class MultipartStreamReader {
  private readonly framer: MultipartFramer;
  private readonly start: string | undefined;
  private readonly idleMs: number | undefined;
  private readonly clock: DeadlineClock;
  private readonly it: AsyncIterator<Buffer>;
  /** Content-IDs seen so far, the root's included (each is unique in the package, RFC 2045 §7). */
  private readonly ids = new Set<string>();
  private ended = false;
  private partOpen = false;
  private failure: Error | undefined;

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
    this.it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
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

  /** The Readable of the current part: pulls from the source on demand, base64-decoding if asked. */
  private partBody(base64: boolean): Readable {
    let pumping = false;
    let rest = '';
    const body: Readable = new Readable({
      highWaterMark: 64 * 1024,
      read: () => {
        if (pumping) return;
        pumping = true;
        void (async () => {
          try {
            for (;;) {
              const c = await this.bodyChunk();
              if (c === null) {
                if (base64 && rest !== '') body.push(Buffer.from(rest, 'base64'));
                this.partOpen = false;
                body.push(null);
                return;
              }
              let out = c;
              if (base64) {
                const text = rest + c.toString('latin1').replace(/\s+/g, '');
                const usable = text.length - (text.length % 4);
                rest = text.slice(usable);
                out = Buffer.from(text.slice(0, usable), 'base64');
              }
              if (!body.push(out)) return;
            }
          } catch (err) {
            body.destroy(err as Error);
          } finally {
            pumping = false;
          }
        })();
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
    this.source.destroy();
  }

  /** Next chunk of the source into the framer; false at its end. Idle timeout applies. */
  private async pull(): Promise<boolean> {
    if (this.failure) throw this.failure;
    if (this.ended) return false;
    const next = this.it.next();
    let r: IteratorResult<Buffer>;
    if (this.idleMs === undefined) r = await next;
    else {
      const idleMs = this.idleMs;
      const silence = this.clock.deadline(idleMs);
      const idle = new Promise<never>((_, reject) => {
        const fire = (): void => reject(new MtomIdleError(`no data for ${idleMs} ms`));
        if (silence.signal.aborted) fire();
        else silence.signal.addEventListener('abort', fire, { once: true });
      });
      try {
        r = await Promise.race([next, idle]);
      } catch (err) {
        next.catch(() => undefined);
        if (err instanceof MtomIdleError) this.close(err);
        throw err;
      } finally {
        silence.clear();
      }
    }
    if (r.done) {
      this.ended = true;
      return false;
    }
    this.framer.push(Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value));
    return true;
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
  }
}
