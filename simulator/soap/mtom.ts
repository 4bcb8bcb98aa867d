/**
 * MTOM/XOP messages held whole in memory (W3C XOP 1.0, SOAP 1.2 MTOM, RFC 2387 multipart/related;
 * IHE ITI TF-2 Appendix V), and the XOP references between the envelope and its parts. The framing
 * is the one the streamed writer and reader use: {@link buildMtom} is mtom-stream.ts's layout
 * with every body in memory, {@link parseMultipartRelated} the reader's framer fed
 * the whole body as one chunk.
 */
import { SoapNs } from './namespaces.js';
import { attr, firstChild, textOf, type Element } from './xml.js';
import {
  MORE,
  MtomError,
  MultipartFramer,
  decodeRootXml,
  decodeTransfer,
  parseMultipartType,
  partHeading,
  type PartHeading,
} from './mtom-framing.js';
import { checkPartHeaders, chooseBoundary, mtomLayout } from './mtom-stream.js';

export { MtomError } from './mtom-framing.js';

/** One binary part to send. */
export interface MtomPart {
  /** Content-ID without angle brackets, e.g. `doc1@nir-sim` (RFC 2392 addr-spec). */
  contentId: string;
  /** MIME type of the bytes, e.g. `application/dicom`. */
  contentType: string;
  body: Buffer;
}

/** One received non-root part. `body` is a view on the received Buffer (no copy). */
export interface MimePart {
  contentType: string;
  body: Buffer;
}

/** Received parts by Content-ID without angle brackets. */
export type Attachments = Map<string, MimePart>;

/** A parsed multipart/related message. */
export interface MultipartRelated {
  /** The root part decoded to text with its charset (default UTF-8, BOM dropped; invalid bytes are an MtomError). */
  rootXml: string;
  /** The root part's Content-Type header value as sent. */
  rootContentType: string;
  /** Every other part that has a Content-ID. */
  parts: Attachments;
}

/**
 * Package a SOAP 1.2 envelope and binary parts as an MTOM message (ITI TF-2 Appendix V; XOP 1.0
 * §3; SOAP 1.2 MTOM §4.3) with mtom-stream.ts's layout (mtomLayout). The boundary is random and
 * checked to occur in no part. Part bodies are not copied: `chunks` references them.
 * @param rootXml the envelope, already carrying `xop:Include` elements (see {@link xopIncludeXml}).
 * @returns the HTTP Content-Type value and the body as Buffers to write in order.
 * @throws MtomError for a Content-ID / content type with characters not allowed in a MIME header.
 */
export function buildMtom(
  rootXml: string,
  parts: MtomPart[],
  opts: { action?: string } = {},
): { contentType: string; chunks: Buffer[] } {
  for (const p of parts) checkPartHeaders(p.contentId, p.contentType);
  const root = Buffer.from(rootXml, 'utf8');
  const layout = mtomLayout(chooseBoundary([root, ...parts.map((p) => p.body)]), opts);
  const chunks: Buffer[] = [layout.rootHead, root];
  for (const p of parts) chunks.push(layout.partHead(p.contentId, p.contentType), p.body);
  chunks.push(layout.tail);
  return { contentType: layout.contentType, chunks };
}

/**
 * The `xop:Include` element referring to part `contentId` (XOP 1.0 §2.1; RFC 2392 `cid:` URL).
 * The id is percent-encoded except `@`, which stays literal as in RFC 2392's examples and Axis2.
 */
export function xopIncludeXml(contentId: string): string {
  const href = `cid:${encodeURIComponent(contentId).replace(/%40/g, '@')}`;
  return `<xop:Include xmlns:xop="${SoapNs.xop}" href="${href}"/>`;
}

/**
 * Read a multipart/related (MTOM/XOP) message held whole (RFC 2387; RFC 2046 §5.1; XOP 1.0; ITI
 * TF-2 Appendix V) with mtom-framing.ts's MultipartFramer, fed `body` as one chunk: the same
 * framing, tolerance and bounds as the streamed reader. The root is the part whose Content-ID
 * equals `start` (angle brackets ignored), or the first part when `start` is absent; unlike the
 * streamed reader it need not come first. Part bodies are exact byte views on `body` (base64
 * parts excepted, which are decoded).
 * @param contentTypeHeader the HTTP Content-Type value.
 * @throws MtomError when the type is not multipart/related, the boundary is missing or absent, the
 *   body is truncated, there are no parts or more than MTOM_LIMITS allows, `start` matches no part,
 *   Content-IDs repeat, the root is not XML or has an unknown charset, or a part uses an
 *   unsupported transfer encoding.
 */
export function parseMultipartRelated(body: Buffer, contentTypeHeader: string): MultipartRelated {
  const { boundary, start } = parseMultipartType(contentTypeHeader);
  const framer = new MultipartFramer(boundary);
  framer.push(body);
  framer.end();
  const whole = <T>(step: T | typeof MORE): T => {
    if (step === MORE) throw new Error('MultipartFramer asked for more bytes after the end');
    return step;
  };
  const raw: { heading: PartHeading; rootType: string; body: Buffer }[] = [];
  if (!whole(framer.start())) {
    while (!framer.closed) {
      const headers = whole(framer.headers());
      const heading = partHeading(headers);
      const chunks: Buffer[] = [];
      for (let c = whole(framer.body()); c !== null; c = whole(framer.body())) chunks.push(c);
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      raw.push({ heading, rootType: headers.get('content-type') ?? '', body: bytes });
    }
  }
  if (raw.length === 0) throw new MtomError('the multipart body has no parts');
  const root = start === undefined ? raw[0] : raw.find((p) => p.heading.contentId === start);
  if (!root) throw new MtomError(`no part has the Content-ID named by start: <${start}>`);
  const parts: Attachments = new Map();
  const rootId = root.heading.contentId;
  for (const p of raw) {
    const id = p.heading.contentId;
    if (p === root || id === undefined) continue;
    // Content-IDs are unique within the package (RFC 2045 §7; XOP 1.0 §3.2 resolves cid: by it), the root's included.
    if (parts.has(id) || id === rootId) throw new MtomError(`Content-ID repeated: ${id}`);
    parts.set(id, { contentType: p.heading.contentType, body: decodeTransfer(p.body, p.heading.transfer) });
  }
  const rootXml = decodeRootXml(decodeTransfer(root.body, root.heading.transfer), root.rootType);
  return { rootXml, rootContentType: root.rootType, parts };
}

/**
 * The Content-ID an XOP-optimised element refers to (XOP 1.0 §3.2: `xop:Include/@href` =
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

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * An XOP resolver for a message whose parts are still arriving (the streamed MTOM answers of ITI-39
 * and RAD-75, ITI TF-2 Appendix V): an inline element's bytes are decoded as {@link
 * resolveXopContent} does, an `xop:Include` becomes a distinct empty placeholder Buffer, and
 * `partIds` maps each placeholder to the Content-ID of the part it stands for, to be read later.
 * @throws MtomError (from `resolve`) as {@link xopIncludeContentId} and {@link resolveXopContent}.
 */
export function streamedXopResolver(): {
  resolve: (el: Element) => Buffer;
  partIds: Map<Buffer, string>;
} {
  const partIds = new Map<Buffer, string>();
  return {
    partIds,
    resolve: (el) => {
      const id = xopIncludeContentId(el);
      if (id === undefined) return resolveXopContent(el, new Map());
      const placeholder = Buffer.alloc(0);
      partIds.set(placeholder, id);
      return placeholder;
    },
  };
}

/**
 * The bytes of an `xs:base64Binary` element that may have been optimised by XOP (XOP 1.0 §3.2;
 * ITI TF-2 Appendix V): the part named by its `xop:Include/@href` ({@link xopIncludeContentId},
 * matched to a Content-ID without angle brackets), or else its inline base64 text (whitespace
 * ignored).
 * @throws MtomError for an href that is not a `cid:` URL, a cid with no matching part, or text that
 *   is not valid base64.
 */
export function resolveXopContent(el: Element, parts: ReadonlyMap<string, MimePart>): Buffer {
  const id = xopIncludeContentId(el);
  if (id !== undefined) {
    const part = parts.get(id);
    if (!part) throw new MtomError(`xop:Include refers to a part that is not in the message: cid:${id}`);
    return part.body;
  }
  const text = textOf(el).replace(/\s+/g, '');
  if (!BASE64.test(text))
    throw new MtomError(`${el.localName ?? 'element'} is neither xop:Include nor valid base64`);
  return Buffer.from(text, 'base64');
}
