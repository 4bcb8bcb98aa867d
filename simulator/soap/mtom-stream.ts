/**
 * The MTOM/XOP writer (ITI TF-2 Appendix V; XOP 1.0 §3; SOAP 1.2 MTOM §4.3; RFC 2387): one
 * layout ({@link mtomLayout}) for the whole-body form (mtom.ts buildMtom) and the streamed one
 * ({@link buildStreamedMtom}), whose binary parts are read from files or streams while the body
 * is written, so a response of any size never sits in memory (RAD-75 studies can be gigabytes).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable, finished } from 'node:stream';
import { quoteParam } from './content-type.js';
import { MtomError } from './mtom-framing.js';

const CRLF = '\r\n';
const PRINTABLE = /^[\x21-\x7e]+$/;
const HEADER_VALUE = /^[\x20-\x7e]+$/;

/**
 * Check that a part's Content-ID (without angle brackets, RFC 2392 addr-spec) and content type
 * can go in a MIME header.
 * @throws MtomError naming the value that cannot.
 */
export function checkPartHeaders(contentId: string, contentType: string): void {
  if (!PRINTABLE.test(contentId) || /[<>]/.test(contentId))
    throw new MtomError(`invalid Content-ID: ${JSON.stringify(contentId)}`);
  if (!HEADER_VALUE.test(contentType))
    throw new MtomError(`invalid part content type: ${JSON.stringify(contentType)}`);
}

/**
 * A boundary of `MIMEBoundary_` + 48 random hex digits that occurs in none of `known` (the bytes
 * that are in memory). Bytes streamed later cannot be searched beforehand; the chance that they
 * contain it is 2^-192 per position.
 * @throws MtomError when eight draws all occur in `known` (they do not, in practice).
 */
export function chooseBoundary(known: readonly Buffer[]): string {
  for (let i = 0; i < 8; i++) {
    const boundary = `MIMEBoundary_${randomBytes(24).toString('hex')}`;
    const probe = Buffer.from(boundary, 'latin1');
    if (known.every((b) => b.indexOf(probe) < 0)) return boundary;
  }
  throw new MtomError('could not choose a MIME boundary absent from the parts');
}

/** The framing bytes of one MTOM message, in the order they are written around the bodies. */
export interface MtomLayout {
  /**
   * `multipart/related; boundary="…"; type="application/xop+xml"; start="<root-cid>";
   * start-info="application/soap+xml"` (+ `; action="…"`): the HTTP Content-Type.
   */
  contentType: string;
  /** Delimiter and headers of the root part (`application/xop+xml; charset=UTF-8; type="application/soap+xml"`). */
  rootHead: Buffer;
  /** CRLF, delimiter and headers of a binary part (checked with {@link checkPartHeaders}). */
  partHead(contentId: string, contentType: string): Buffer;
  /** CRLF, closing delimiter, CRLF. */
  tail: Buffer;
}

/**
 * The framing of ITI TF-2 Appendix V / XOP 1.0 §3 / SOAP 1.2 MTOM §4.3 with `boundary`: every part
 * `Content-Transfer-Encoding: binary`, CRLF line ends, a fresh root Content-ID.
 */
export function mtomLayout(boundary: string, opts: { action?: string } = {}): MtomLayout {
  const rootCid = `root.${randomUUID()}@nir-sim`;
  let contentType =
    `multipart/related; boundary=${quoteParam(boundary)}; type="application/xop+xml"; ` +
    `start=${quoteParam(`<${rootCid}>`)}; start-info="application/soap+xml"`;
  if (opts.action !== undefined) contentType += `; action=${quoteParam(opts.action)}`;
  const head = (lead: string, ct: string, cid: string): Buffer =>
    Buffer.from(
      `${lead}--${boundary}${CRLF}Content-Type: ${ct}${CRLF}Content-Transfer-Encoding: binary${CRLF}Content-ID: <${cid}>${CRLF}${CRLF}`,
      'latin1',
    );
  return {
    contentType,
    rootHead: head('', 'application/xop+xml; charset=UTF-8; type="application/soap+xml"', rootCid),
    partHead: (contentId, ct) => {
      checkPartHeaders(contentId, ct);
      return head(CRLF, ct, contentId);
    },
    tail: Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'latin1'),
  };
}

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

function sizeOf(b: PartBody): number | undefined {
  return b.kind === 'buffer' ? b.bytes.length : b.size;
}

/** The bytes of a part body: in-memory bytes as they are, else a stream opened now. */
async function openBody(b: PartBody): Promise<readonly Buffer[] | Readable> {
  switch (b.kind) {
    case 'buffer':
      return [b.bytes];
    case 'file':
      return createReadStream(b.path, { highWaterMark: ENTITY_HIGH_WATER_MARK });
    case 'stream':
      return b.open();
  }
}

/** Buffer of the entity stream and of file parts, bytes. */
const ENTITY_HIGH_WATER_MARK = 256 * 1024;

/**
 * The MTOM body as a Readable. A part's stream is piped in flowing mode: each chunk it emits is
 * pushed on as it is (no copy, no promise per chunk), the stream paused while the body's buffer is
 * full and resumed when it is read. Destroying the body destroys the part stream being read and
 * ends the parts iterable (its `return()`).
 */
function entityStream(layout: MtomLayout, root: Buffer, parts: StreamedParts): Readable {
  const iterator: AsyncIterator<StreamedPart> | Iterator<StreamedPart> = Array.isArray(parts)
    ? (parts as readonly StreamedPart[])[Symbol.iterator]()
    : (parts as AsyncIterable<StreamedPart>)[Symbol.asyncIterator]();
  /** The part stream being piped, while it is. */
  let flowing: Readable | undefined;
  let started = false;
  let busy = false;
  const fail = (err: unknown): void => {
    out.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  /** Pipe a part's `source` into the body; resolves with its length at its end, rejects with its failure. */
  const pipePart = (source: Readable): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      let written = 0;
      flowing = source;
      source.on('data', (c: Buffer | Uint8Array | string) => {
        const b = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
        written += b.length;
        if (!out.push(b)) source.pause();
      });
      finished(source, (err) => {
        flowing = undefined;
        if (err) reject(err);
        else resolve(written);
      });
    });
  const pump = async (): Promise<void> => {
    busy = true;
    try {
      if (!started) {
        started = true;
        out.push(layout.rootHead);
        if (!out.push(root)) return;
      }
      for (;;) {
        const r = await iterator.next();
        if (out.destroyed) return;
        if (r.done) {
          out.push(layout.tail);
          out.push(null);
          return;
        }
        const part = r.value;
        const head = layout.partHead(part.contentId, part.contentType);
        const source = await openBody(part.body);
        if (out.destroyed) {
          if (source instanceof Readable) source.destroy();
          return;
        }
        out.push(head);
        let written = 0;
        if (source instanceof Readable) written = await pipePart(source);
        else
          for (const b of source) {
            written += b.length;
            out.push(b);
          }
        if (out.destroyed) return;
        const declared = sizeOf(part.body);
        if (declared !== undefined && written !== declared)
          throw new MtomError(`part ${part.contentId} has ${written} bytes, ${declared} were declared`);
        // Go on only while the body wants more; read() calls pump again.
        if (out.readableLength >= out.readableHighWaterMark) return;
      }
    } catch (err) {
      fail(err);
    } finally {
      busy = false;
    }
  };
  const out: Readable = new Readable({
    highWaterMark: ENTITY_HIGH_WATER_MARK,
    read: () => {
      if (flowing) flowing.resume();
      else if (!busy) void pump();
    },
    destroy: (err, callback) => {
      flowing?.destroy();
      flowing = undefined;
      void Promise.resolve(iterator.return?.()).catch(() => undefined);
      callback(err);
    },
  });
  return out;
}

/**
 * Package a SOAP 1.2 envelope and streamed binary parts as an MTOM message with the layout of
 * {@link mtomLayout}: `multipart/related; boundary; type="application/xop+xml"; start;
 * start-info="application/soap+xml"; action`, root part `application/xop+xml; charset=UTF-8;
 * type="application/soap+xml"`, every part `Content-Transfer-Encoding: binary`, CRLF framing. The
 * boundary is chosen absent from the parts held in memory (chooseBoundary); streamed parts cannot
 * be searched for it beforehand, and the chance that one contains it is 2^-192 per position.
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
  listed?.forEach((p) => checkPartHeaders(p.contentId, p.contentType));
  const root = Buffer.from(rootXml, 'utf8');
  const inMemory = (listed ?? []).flatMap((p) => (p.body.kind === 'buffer' ? [p.body.bytes] : []));
  const layout = mtomLayout(chooseBoundary([root, ...inMemory]), opts);
  let length: number | undefined;
  if (listed && listed.every((p) => sizeOf(p.body) !== undefined)) {
    length = layout.rootHead.length + root.length + layout.tail.length;
    for (const p of listed) length += layout.partHead(p.contentId, p.contentType).length + sizeOf(p.body)!;
  }
  let opened = false;
  return {
    contentType: layout.contentType,
    ...(length !== undefined ? { length } : {}),
    open: () => {
      if (opened) throw new Error('buildStreamedMtom: the body can be opened once');
      opened = true;
      return entityStream(layout, root, parts);
    },
  };
}
