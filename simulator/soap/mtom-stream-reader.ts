/**
 * A streaming reader of multipart/related (MTOM/XOP) bodies (RFC 2046 5.1; RFC 2387; ITI TF-2
 * Appendix V): the root part is read whole (it is small), then each binary part is handed out as
 * a Readable that pulls from the source only as fast as it is read, so a paused reader holds no
 * more than the source's own buffer. Framing rules are mtom.ts's: CRLF or bare-LF framing decided
 * by the first delimiter line, transport padding after boundaries, a preamble, Content-IDs
 * without angle brackets. The root part must be the first part.
 */
import { Readable } from 'node:stream';
import { decodeCharset, parseContentType } from './content-type.js';
import { MtomError } from './mtom.js';

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

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_PREAMBLE_BYTES = 64 * 1024;
const MAX_PADDING = 64;

type DelimiterEnd = { kind: 'need-more' } | { kind: 'no' } | { kind: 'yes'; close: boolean; next: number };

/** After `--boundary` at `j`: `--` (close), or padding then CRLF / LF; or more bytes are needed. */
function delimiterEnd(buf: Buffer, j: number, ended: boolean): DelimiterEnd {
  const need: DelimiterEnd = ended ? { kind: 'no' } : { kind: 'need-more' };
  if (j + 2 > buf.length) return need;
  if (buf[j] === 0x2d && buf[j + 1] === 0x2d) return { kind: 'yes', close: true, next: j + 2 };
  let k = j;
  while (k < buf.length && k - j < MAX_PADDING && (buf[k] === 0x20 || buf[k] === 0x09)) k++;
  if (k >= buf.length) return need;
  if (buf[k] === 0x0a) return { kind: 'yes', close: false, next: k + 1 };
  if (buf[k] !== 0x0d) return { kind: 'no' };
  if (k + 1 >= buf.length) return need;
  return buf[k + 1] === 0x0a ? { kind: 'yes', close: false, next: k + 2 } : { kind: 'no' };
}

function parseHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const l of text.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = l.indexOf(':');
    if (colon <= 0) continue;
    const name = l.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, l.slice(colon + 1).trim());
  }
  return headers;
}

const stripAngles = (id: string): string =>
  id
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .trim();

/** Reads one multipart/related body from `source`; see the module comment. */
export class MultipartStreamReader {
  private readonly dash: Buffer;
  private readonly start: string | undefined;
  private readonly idleMs: number | undefined;
  private readonly it: AsyncIterator<Buffer>;
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private needle: Buffer | undefined;
  private closed = false;
  private partOpen = false;
  private failure: Error | undefined;

  /**
   * @param contentTypeHeader the HTTP Content-Type (multipart/related with boundary, maybe start).
   * @param opts.idleTimeoutMs fail when the source sends nothing for this long while a part is being read.
   * @throws MtomError when the type is not multipart/related or has no boundary.
   */
  constructor(
    private readonly source: Readable,
    contentTypeHeader: string,
    opts: { idleTimeoutMs?: number } = {},
  ) {
    const ct = parseContentType(contentTypeHeader);
    if (ct.mediaType !== 'multipart/related')
      throw new MtomError(`expected multipart/related, got ${ct.mediaType || 'no type'}`);
    const boundary = ct.params.get('boundary');
    if (!boundary) throw new MtomError('multipart/related without a boundary parameter');
    this.dash = Buffer.from(`--${boundary}`, 'latin1');
    const start = ct.params.get('start');
    this.start = start === undefined ? undefined : stripAngles(start);
    this.idleMs = opts.idleTimeoutMs;
    this.it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  /**
   * Read the root part whole: its XML decoded with its charset, and its Content-Type.
   * @throws MtomError when the body is malformed, the first part is not the `start` part, the root
   *   exceeds `maxBytes`, or it is not valid text in its charset.
   */
  async readRoot(maxBytes: number): Promise<{ xml: string; contentType: string }> {
    await this.firstDelimiter();
    const headers = await this.readHeaders();
    const id = headers.get('content-id');
    if (this.start !== undefined && (id === undefined || stripAngles(id) !== this.start))
      throw new MtomError(
        'the first part is not the root part named by start; nir-sim streams parts and needs the root first',
      );
    const chunks: Buffer[] = [];
    let n = 0;
    for (let c = await this.bodyChunk(); c !== null; c = await this.bodyChunk()) {
      n += c.length;
      if (n > maxBytes) throw new MtomError(`the root part exceeds ${maxBytes} bytes`);
      chunks.push(c);
    }
    const contentType = headers.get('content-type') ?? '';
    const bytes = decodeTransfer(Buffer.concat(chunks, n), headers);
    try {
      return { xml: decodeCharset(bytes, parseContentType(contentType).params.get('charset')), contentType };
    } catch (err) {
      throw new MtomError(`root part: ${(err as Error).message}`);
    }
  }

  /**
   * The next part, or undefined after the closing delimiter. The previous part's body must have
   * been read to its end first. Destroying a part's body stops the whole reader.
   * @throws MtomError for malformed framing or headers, or when called with a part still open.
   */
  async nextPart(): Promise<ReceivedPart | undefined> {
    if (this.partOpen) throw new MtomError('the previous part has not been read to its end');
    if (this.failure) throw this.failure;
    if (this.closed) {
      await this.drainEpilogue();
      return undefined;
    }
    const headers = await this.readHeaders();
    const id = headers.get('content-id');
    const base64 = (headers.get('content-transfer-encoding') ?? 'binary').toLowerCase() === 'base64';
    this.partOpen = true;
    const body = this.partBody(base64);
    return {
      headers,
      ...(id !== undefined ? { contentId: stripAngles(id) } : {}),
      contentType: headers.get('content-type') ?? 'application/octet-stream',
      body,
    };
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

  /** Next chunk of the source into `buf`; false at its end. Idle timeout applies. */
  private async pull(): Promise<boolean> {
    if (this.failure) throw this.failure;
    if (this.ended) return false;
    const next = this.it.next();
    let r: IteratorResult<Buffer>;
    if (this.idleMs === undefined) r = await next;
    else {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new MtomIdleError(`no data for ${this.idleMs} ms`)), this.idleMs);
      });
      try {
        r = await Promise.race([next, idle]);
      } catch (err) {
        next.catch(() => undefined);
        if (err instanceof MtomIdleError) this.close(err);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    }
    if (r.done) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }

  /** Skip the preamble and the first delimiter line; decides CRLF or LF framing. */
  private async firstDelimiter(): Promise<void> {
    let from = 0;
    for (;;) {
      for (let i = this.buf.indexOf(this.dash, from); i >= 0; i = this.buf.indexOf(this.dash, i + 1)) {
        if (i > 0 && this.buf[i - 1] !== 0x0a) continue;
        const end = delimiterEnd(this.buf, i + this.dash.length, this.ended);
        if (end.kind === 'need-more') break;
        if (end.kind === 'no' || end.close) continue;
        const crlf = this.buf[end.next - 2] === 0x0d;
        this.needle = Buffer.concat([Buffer.from(crlf ? '\r\n' : '\n', 'latin1'), this.dash]);
        this.buf = this.buf.subarray(end.next);
        return;
      }
      from = Math.max(0, this.buf.length - this.dash.length - MAX_PADDING - 2);
      if (this.buf.length > MAX_PREAMBLE_BYTES)
        throw new MtomError('the boundary does not occur in the body');
      if (!(await this.pull())) throw new MtomError('the boundary does not occur in the body');
    }
  }

  /** Headers up to the first empty line. */
  private async readHeaders(): Promise<Map<string, string>> {
    for (;;) {
      const b = this.buf;
      let end = -1;
      let skip = 0;
      if (b[0] === 0x0d && b[1] === 0x0a) [end, skip] = [0, 2];
      else if (b[0] === 0x0a) [end, skip] = [0, 1];
      else {
        const a = b.indexOf('\r\n\r\n', 0, 'latin1');
        const l = b.indexOf('\n\n', 0, 'latin1');
        if (a >= 0 || l >= 0) [end, skip] = a >= 0 && (l < 0 || a < l) ? [a, 4] : [l, 2];
      }
      if (end >= 0) {
        this.buf = b.subarray(end + skip);
        return parseHeaders(b.subarray(0, end).toString('latin1'));
      }
      if (b.length > MAX_HEADER_BYTES) throw new MtomError('a MIME part has more than 16 KiB of headers');
      if (!(await this.pull())) throw new MtomError('the multipart body is truncated in part headers');
    }
  }

  /** The next bytes of the current part, or null once its closing delimiter has been consumed. */
  private async bodyChunk(): Promise<Buffer | null> {
    const needle = this.needle!;
    for (;;) {
      let safe = Math.max(0, this.buf.length - needle.length - MAX_PADDING - 2);
      for (let i = this.buf.indexOf(needle); i >= 0; i = this.buf.indexOf(needle, i + 1)) {
        const end = delimiterEnd(this.buf, i + needle.length, this.ended);
        if (end.kind === 'no') continue;
        if (end.kind === 'need-more') {
          safe = Math.min(safe, i);
          break;
        }
        if (i > 0) {
          const chunk = this.buf.subarray(0, i);
          this.buf = this.buf.subarray(i);
          return chunk;
        }
        this.buf = this.buf.subarray(end.next);
        this.closed = end.close;
        return null;
      }
      if (safe > 0) {
        const chunk = this.buf.subarray(0, safe);
        this.buf = this.buf.subarray(safe);
        return chunk;
      }
      if (!(await this.pull())) throw new MtomError('the multipart body is truncated: no closing boundary');
    }
  }

  /** Read what follows the closing delimiter (an epilogue, usually CRLF) so the response completes. */
  private async drainEpilogue(): Promise<void> {
    this.buf = Buffer.alloc(0);
    while (await this.pull()) this.buf = Buffer.alloc(0);
  }
}

/** Undo Content-Transfer-Encoding of a whole part (RFC 2045 6): binary/8bit/7bit as is, base64 decoded. */
function decodeTransfer(body: Buffer, headers: Map<string, string>): Buffer {
  const cte = (headers.get('content-transfer-encoding') ?? 'binary').toLowerCase();
  if (cte === 'binary' || cte === '8bit' || cte === '7bit') return body;
  if (cte === 'base64') return Buffer.from(body.toString('latin1'), 'base64');
  throw new MtomError(`unsupported Content-Transfer-Encoding: ${cte}`);
}
