/**
 * Streamed MTOM/XOP responses (ITI TF-2 Appendix V; XOP 1.0; RFC 2387): the same framing as
 * mtom.ts's buildMtom, but binary parts are read from files or streams while the body is written,
 * so a response of any size never sits in memory. Used for RAD-75, whose studies can be gigabytes.
 */
import { createReadStream } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { quoteParam } from './content-type.js';
import { MtomError } from './mtom.js';
import { SoapNs } from './namespaces.js';
import { attr, firstChild, type Element } from './xml.js';

/** Where a streamed part's bytes come from. */
export type PartBody =
  /** Bytes in memory. */
  | { kind: 'buffer'; bytes: Buffer }
  /** A file, read when the part is written; `size` in bytes. */
  | { kind: 'file'; path: string; size: number }
  /** A stream opened when the part is written; `size` in bytes when known. */
  | { kind: 'stream'; open: () => Readable | Promise<Readable>; size?: number };

/** One binary part of a streamed MTOM message. */
export interface StreamedPart {
  /** Content-ID without angle brackets (RFC 2392 addr-spec). */
  contentId: string;
  /** MIME type, e.g. `application/dicom`. */
  contentType: string;
  body: PartBody;
}

/**
 * The parts, in the order they are written: a list known up front (then Content-Length can be
 * computed when every size is known), or produced while the body is written (the broker relaying
 * communities' parts as they arrive). The root part always goes first.
 */
export type StreamedParts = readonly StreamedPart[] | AsyncIterable<StreamedPart>;

/**
 * Parts produced while writing that hold resources (the broker's open community connections):
 * the SOAP server calls `close()` once the response has ended, completed or not, even when the
 * parts were never read (the client went away first). `close()` must be idempotent.
 */
export interface ClosableParts extends AsyncIterable<StreamedPart> {
  close(): void;
}

/** Release `parts` if it holds resources (see {@link ClosableParts}). */
export function closeParts(parts: StreamedParts): void {
  if ('close' in parts && typeof parts.close === 'function') (parts as ClosableParts).close();
}

/** A streamed HTTP entity. */
export interface StreamedEntity {
  /** HTTP Content-Type value. */
  contentType: string;
  /** Body length in bytes when known (send Content-Length), else undefined (send it chunked). */
  length?: number;
  /**
   * The body, produced on demand with backpressure (call once). It errors, and must be abandoned,
   * when a part's stream fails or a part's bytes differ from its declared size.
   */
  open(): Readable;
}

const CRLF = '\r\n';
const PRINTABLE = /^[\x21-\x7e]+$/;
const HEADER_VALUE = /^[\x20-\x7e]+$/;

function checkHeaderValues(p: StreamedPart): void {
  if (!PRINTABLE.test(p.contentId) || /[<>]/.test(p.contentId))
    throw new MtomError(`invalid Content-ID: ${JSON.stringify(p.contentId)}`);
  if (!HEADER_VALUE.test(p.contentType))
    throw new MtomError(`invalid part content type: ${JSON.stringify(p.contentType)}`);
}

function sizeOf(b: PartBody): number | undefined {
  return b.kind === 'buffer' ? b.bytes.length : b.size;
}

async function openBody(b: PartBody): Promise<Readable> {
  switch (b.kind) {
    case 'buffer':
      return Readable.from([b.bytes], { objectMode: false });
    case 'file':
      return createReadStream(b.path, { highWaterMark: 256 * 1024 });
    case 'stream':
      return b.open();
  }
}

/**
 * Package a SOAP 1.2 envelope and streamed binary parts as an MTOM message with the framing of
 * buildMtom (mtom.ts): `multipart/related; boundary; type="application/xop+xml"; start;
 * start-info="application/soap+xml"; action`, root part `application/xop+xml; charset=UTF-8;
 * type="application/soap+xml"`, every part `Content-Transfer-Encoding: binary`, CRLF framing. The
 * boundary is 48 random hex digits; streamed parts cannot be searched for it beforehand, and the
 * chance that one contains it is 2^-192 per position.
 * @param rootXml the envelope, carrying `xop:Include` elements (mtom.ts xopIncludeXml).
 * @throws MtomError for a listed part whose Content-ID or type cannot go in a MIME header (parts
 *   of an AsyncIterable are checked when written, and fail the body stream instead).
 */
export function buildStreamedMtom(
  rootXml: string,
  parts: StreamedParts,
  opts: { action?: string } = {},
): StreamedEntity {
  const listed = Array.isArray(parts) ? (parts as readonly StreamedPart[]) : undefined;
  listed?.forEach(checkHeaderValues);
  const boundary = `MIMEBoundary_${randomBytes(24).toString('hex')}`;
  const rootCid = `root.${randomUUID()}@nir-sim`;
  let contentType =
    `multipart/related; boundary=${quoteParam(boundary)}; type="application/xop+xml"; ` +
    `start=${quoteParam(`<${rootCid}>`)}; start-info="application/soap+xml"`;
  if (opts.action !== undefined) contentType += `; action=${quoteParam(opts.action)}`;
  const head = (ct: string, cid: string, first: boolean): Buffer =>
    Buffer.from(
      `${first ? '' : CRLF}--${boundary}${CRLF}Content-Type: ${ct}${CRLF}Content-Transfer-Encoding: binary${CRLF}Content-ID: <${cid}>${CRLF}${CRLF}`,
      'latin1',
    );
  const rootHead = head('application/xop+xml; charset=UTF-8; type="application/soap+xml"', rootCid, true);
  const root = Buffer.from(rootXml, 'utf8');
  const tail = Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'latin1');
  let length: number | undefined;
  if (listed && listed.every((p) => sizeOf(p.body) !== undefined)) {
    length = rootHead.length + root.length + tail.length;
    for (const p of listed) length += head(p.contentType, p.contentId, false).length + sizeOf(p.body)!;
  }
  async function* generate(): AsyncGenerator<Buffer> {
    yield rootHead;
    yield root;
    for await (const p of parts) {
      checkHeaderValues(p);
      yield head(p.contentType, p.contentId, false);
      const declared = sizeOf(p.body);
      let n = 0;
      for await (const chunk of await openBody(p.body)) {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        n += b.length;
        yield b;
      }
      if (declared !== undefined && n !== declared)
        throw new MtomError(`part ${p.contentId} has ${n} bytes, ${declared} were declared`);
    }
    yield tail;
  }
  let opened = false;
  return {
    contentType,
    ...(length !== undefined ? { length } : {}),
    open: () => {
      if (opened) throw new Error('buildStreamedMtom: the body can be opened once');
      opened = true;
      return Readable.from(generate(), { objectMode: false, highWaterMark: 256 * 1024 });
    },
  };
}

/**
 * The Content-ID an XOP-optimised element refers to (XOP 1.0 3.2: `xop:Include/@href` =
 * `cid:` + percent-encoded id; RFC 2392), or undefined when the element holds its value inline.
 * @throws MtomError for an href that is not a valid `cid:` URL.
 */
export function xopIncludeContentId(el: Element): string | undefined {
  const include = firstChild(el, SoapNs.xop, 'Include');
  if (!include) return undefined;
  const href = attr(include, 'href')?.trim() ?? '';
  if (!/^cid:/i.test(href)) throw new MtomError(`xop:Include href is not a cid: URL: ${href}`);
  try {
    return decodeURIComponent(href.slice(4));
  } catch {
    throw new MtomError(`xop:Include href is not a valid cid: URL: ${href}`);
  }
}
