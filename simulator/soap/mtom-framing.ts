/**
 * The one MIME framing of received MTOM/XOP messages (RFC 2046 §5.1 multipart bodies, RFC 2387
 * multipart/related, W3C XOP 1.0 §3, SOAP 1.2 MTOM §4.3; IHE ITI TF-2 Appendix V): a
 * {@link MultipartFramer} that the streaming reader (mtom-stream-reader.ts) feeds as bytes arrive
 * and the whole-body reader (mtom.ts parseMultipartRelated) feeds as one chunk, with the same
 * tolerance and bounds. The writer's layout is mtom-stream.ts's mtomLayout.
 *
 * Built by hand over Buffers, not on a multipart library: busboy and @fastify/busboy, the kept
 * Node parsers, reject multipart/related, and none of the generic parsers understands `start`,
 * XOP's root part or a root read whole before the binary parts stream
 * (../shared/research/npm-stack.md §5).
 */
import { CharsetError, decodeCharset, parseContentType } from './content-type.js';

/** Why a multipart/related (MTOM) message cannot be built or read. `message` equals `reason`. */
export class MtomError extends Error {
  override readonly name: string = 'MtomError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Bounds on what a received multipart body may contain. */
export const MTOM_LIMITS = {
  /** Bytes before the first delimiter line (the preamble, RFC 2046 §5.1.1). */
  preambleBytes: 64 * 1024,
  /** Bytes of one part's header block. */
  headerBytes: 16 * 1024,
  /** Spaces and tabs after a boundary (transport padding, RFC 2046 §5.1.1). */
  padding: 64,
  /** Parts in one message, the root part included. */
  parts: 65_536,
} as const;

const CRLF = '\r\n';

/** A multipart/related Content-Type: its boundary and its `start` (Content-ID without angle brackets). */
export interface MultipartType {
  boundary: string;
  start?: string;
}

/** Content-ID without surrounding angle brackets (RFC 2392). */
function stripAngles(id: string): string {
  const t = id.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1).trim() : t;
}

/**
 * Read a multipart/related Content-Type (RFC 2387 §3; parameters quoted or not, names
 * case-insensitive).
 * @throws MtomError when the type is not multipart/related or has no boundary.
 */
export function parseMultipartType(contentTypeHeader: string): MultipartType {
  const ct = parseContentType(contentTypeHeader);
  if (ct.mediaType !== 'multipart/related')
    throw new MtomError(`expected multipart/related, got ${ct.mediaType || 'no type'}`);
  const boundary = ct.params.get('boundary');
  if (!boundary) throw new MtomError('multipart/related without a boundary parameter');
  const start = ct.params.get('start');
  return start === undefined ? { boundary } : { boundary, start: stripAngles(start) };
}

/** Returned by {@link MultipartFramer} steps that need more bytes than it holds. */
export const MORE: unique symbol = Symbol('more bytes needed');

type DelimiterEnd = { kind: 'more' } | { kind: 'no' } | { kind: 'yes'; close: boolean; next: number };

/** After `--boundary` at `j`: `--` (close), or padding then CRLF / LF; or more bytes are needed. */
function delimiterEnd(buf: Buffer, j: number, ended: boolean): DelimiterEnd {
  const more: DelimiterEnd = ended ? { kind: 'no' } : { kind: 'more' };
  if (j + 2 > buf.length) {
    if (buf[j] === 0x0a) return { kind: 'yes', close: false, next: j + 1 };
    return more;
  }
  if (buf[j] === 0x2d && buf[j + 1] === 0x2d) return { kind: 'yes', close: true, next: j + 2 };
  let k = j;
  while (k < buf.length && k - j < MTOM_LIMITS.padding && (buf[k] === 0x20 || buf[k] === 0x09)) k++;
  if (k >= buf.length) return more;
  if (buf[k] === 0x0a) return { kind: 'yes', close: false, next: k + 1 };
  if (buf[k] !== 0x0d) return { kind: 'no' };
  if (k + 1 >= buf.length) return more;
  return buf[k + 1] === 0x0a ? { kind: 'yes', close: false, next: k + 2 } : { kind: 'no' };
}

/**
 * The length of the longest tail of `b` that is a proper prefix of `needle` (a delimiter line
 * cut off by the end of the chunk); 0 when none. Full occurrences are for indexOf to find.
 */
function delimiterPrefixAtEnd(b: Buffer, needle: Buffer): number {
  const lead = needle[0]!;
  for (let p = b.indexOf(lead, Math.max(0, b.length - needle.length + 1)); p >= 0; p = b.indexOf(lead, p + 1))
    if (b.compare(needle, 0, b.length - p, p) === 0) return b.length - p;
  return 0;
}

/** Header lines: names lower-cased, folded lines joined, the first of a repeated name kept. */
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

/**
 * Cuts a multipart body into part headers and body bytes as the bytes arrive (RFC 2046 §5.1.1):
 * CRLF or bare-LF framing decided by the first delimiter line, a preamble, transport padding
 * after boundaries, an epilogue. Synchronous: feed bytes with {@link push} (and {@link end} at the
 * end of the body) and call the steps in order, `start`, then per part `headers` and `body` until
 * it returns null; a step returns {@link MORE} when it needs bytes not yet pushed, never after
 * {@link end}. Bodies are views on the pushed Buffers (no copy when a part lies in one chunk).
 * Bounds: {@link MTOM_LIMITS}.
 */
export class MultipartFramer {
  private readonly dash: Buffer;
  private needle: Buffer | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private parts = 0;
  /** Preamble bytes already dropped. */
  private skipped = 0;
  /** True once the closing delimiter has been read. */
  closed = false;

  constructor(boundary: string) {
    this.dash = Buffer.from(`--${boundary}`, 'latin1');
  }

  /** Append received bytes. */
  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** Say that no more bytes will come. */
  end(): void {
    this.ended = true;
  }

  /** Drop what is held (after the closing delimiter: the epilogue). */
  discard(): void {
    this.buf = Buffer.alloc(0);
  }

  /**
   * Skip the preamble and the first delimiter line. True when that line is already the closing
   * delimiter (a body without parts).
   * @throws MtomError 'the boundary does not occur in the body' (also when the preamble exceeds
   *   MTOM_LIMITS.preambleBytes).
   */
  start(): boolean | typeof MORE {
    const b = this.buf;
    const room = MTOM_LIMITS.preambleBytes - this.skipped;
    for (let i = b.indexOf(this.dash); i >= 0 && i <= room; i = b.indexOf(this.dash, i + 1)) {
      // A delimiter line starts the body or follows a line break (RFC 2046 §5.1.1).
      if (i > 0 ? b[i - 1] !== 0x0a : this.skipped > 0) continue;
      const end = delimiterEnd(b, i + this.dash.length, this.ended);
      if (end.kind === 'more') return MORE;
      if (end.kind === 'no') continue;
      const crlf = !end.close && b[end.next - 2] === 0x0d;
      this.needle = Buffer.concat([Buffer.from(crlf ? CRLF : '\n', 'latin1'), this.dash]);
      this.buf = b.subarray(end.next);
      this.closed = end.close;
      return end.close;
    }
    if (this.ended || b.length > room + this.dash.length + MTOM_LIMITS.padding + 2)
      throw new MtomError('the boundary does not occur in the body');
    // Keep only what may still begin a delimiter line (and the byte before it), so a trickled
    // preamble is not copied over and over.
    const keep = this.dash.length + MTOM_LIMITS.padding + 3;
    if (b.length > keep) {
      this.skipped += b.length - keep;
      this.buf = b.subarray(b.length - keep);
    }
    return MORE;
  }

  /**
   * The header block of the next part, up to its empty line (names lower-cased).
   * @throws MtomError when a delimiter comes before the empty line, the block exceeds
   *   MTOM_LIMITS.headerBytes, the body ends inside it, or the message has more than
   *   MTOM_LIMITS.parts parts.
   */
  headers(): Map<string, string> | typeof MORE {
    const b = this.buf;
    let end = -1;
    let skip = 0;
    if (b[0] === 0x0d && b[1] === 0x0a) [end, skip] = [0, 2];
    else if (b[0] === 0x0a) [end, skip] = [0, 1];
    else {
      const w = b.subarray(0, MTOM_LIMITS.headerBytes + 4);
      const a = w.indexOf('\r\n\r\n', 0, 'latin1');
      const l = w.indexOf('\n\n', 0, 'latin1');
      if (a >= 0 || l >= 0) [end, skip] = a >= 0 && (l < 0 || a < l) ? [a, 4] : [l, 2];
    }
    // A delimiter line before the empty line is complete ends the part inside its headers.
    const needle = this.needle!;
    const scan = b.subarray(0, (end >= 0 ? end + skip : MTOM_LIMITS.headerBytes + 4) + needle.length);
    for (let d = scan.indexOf(needle); d >= 0 && (end < 0 || d < end + skip); d = scan.indexOf(needle, d + 1))
      if (delimiterEnd(b, d + needle.length, true).kind === 'yes')
        throw new MtomError('a MIME part has no empty line after its headers');
    if (end < 0) {
      if (b.length > MTOM_LIMITS.headerBytes + 4)
        throw new MtomError(`a MIME part has more than ${MTOM_LIMITS.headerBytes / 1024} KiB of headers`);
      if (this.ended) throw new MtomError('the multipart body is truncated in part headers');
      return MORE;
    }
    if (++this.parts > MTOM_LIMITS.parts)
      throw new MtomError(`the multipart body has more than ${MTOM_LIMITS.parts} parts`);
    this.buf = b.subarray(end + skip);
    return parseHeaders(b.subarray(0, end).toString('latin1'));
  }

  /**
   * The next bytes of the current part's body, or null once its closing delimiter has been read
   * (then {@link closed} tells whether it was the last part).
   * @throws MtomError 'the multipart body is truncated: no closing boundary'.
   */
  body(): Buffer | null | typeof MORE {
    const needle = this.needle!;
    const b = this.buf;
    // Withhold only a tail that may still begin a delimiter, so that the next push appends to an
    // empty buffer (no copy) unless the chunk ends inside a delimiter line.
    let safe = this.ended ? b.length : b.length - delimiterPrefixAtEnd(b, needle);
    for (let i = b.indexOf(needle); i >= 0; i = b.indexOf(needle, i + 1)) {
      const end = delimiterEnd(b, i + needle.length, this.ended);
      if (end.kind === 'no') continue;
      if (end.kind === 'more') {
        safe = Math.min(safe, i);
        break;
      }
      if (i > 0) {
        this.buf = b.subarray(i);
        return b.subarray(0, i);
      }
      this.buf = b.subarray(end.next);
      this.closed = end.close;
      return null;
    }
    if (this.ended) throw new MtomError('the multipart body is truncated: no closing boundary');
    if (safe === 0) return MORE;
    this.buf = b.subarray(safe);
    return b.subarray(0, safe);
  }
}

/** How a part's body is transfer-encoded (RFC 2045 §6): as is (binary, 8bit, 7bit) or base64. */
export type TransferEncoding = 'identity' | 'base64';

/** What a part's headers say about it. */
export interface PartHeading {
  /** Content-ID without angle brackets, when the part has one. */
  contentId?: string;
  /** Content-Type as sent; `application/octet-stream` when absent. */
  contentType: string;
  transfer: TransferEncoding;
}

/**
 * Read a part's Content-ID, Content-Type and Content-Transfer-Encoding.
 * @throws MtomError for a transfer encoding other than binary, 8bit, 7bit or base64.
 */
export function partHeading(headers: ReadonlyMap<string, string>): PartHeading {
  const cte = (headers.get('content-transfer-encoding') ?? 'binary').toLowerCase();
  let transfer: TransferEncoding;
  if (cte === 'binary' || cte === '8bit' || cte === '7bit') transfer = 'identity';
  else if (cte === 'base64') transfer = 'base64';
  else throw new MtomError(`unsupported Content-Transfer-Encoding: ${cte}`);
  const id = headers.get('content-id');
  const contentType = headers.get('content-type') ?? 'application/octet-stream';
  return id === undefined ? { contentType, transfer } : { contentId: stripAngles(id), contentType, transfer };
}

/** Undo a whole part's transfer encoding. */
export function decodeTransfer(body: Buffer, transfer: TransferEncoding): Buffer {
  return transfer === 'base64' ? Buffer.from(body.toString('latin1'), 'base64') : body;
}

const XML_ROOT_TYPES: ReadonlySet<string> = new Set([
  'application/xop+xml',
  'application/soap+xml',
  'text/xml',
  'application/xml',
]);

/**
 * The root part's XML (XOP 1.0 §3: `application/xop+xml`; `text/xml`, node-soap's, tolerated),
 * decoded with its charset (default UTF-8, BOM dropped).
 * @param contentType the root part's Content-Type header value ('' when it had none).
 * @throws MtomError when the root is not XML, its charset is unknown, or its bytes are not valid
 *   in that charset.
 */
export function decodeRootXml(bytes: Buffer, contentType: string): string {
  const ct = parseContentType(contentType);
  if (!XML_ROOT_TYPES.has(ct.mediaType))
    throw new MtomError(`the root part is not XML: ${ct.mediaType || 'no Content-Type'}`);
  try {
    return decodeCharset(bytes, ct.params.get('charset'));
  } catch (err) {
    if (err instanceof RangeError)
      throw new MtomError(`unsupported charset in the root part: ${ct.params.get('charset')}`);
    if (err instanceof CharsetError) throw new MtomError(`root part: ${err.message}`);
    throw err;
  }
}
