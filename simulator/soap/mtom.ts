/**
 * MTOM/XOP packaging of SOAP 1.2 messages (W3C XOP 1.0, SOAP 1.2 MTOM, RFC 2387 multipart/related,
 * RFC 2046 §5.1 framing; IHE ITI TF-2 Appendix V). Built and parsed by hand over Buffers:
 * busboy-family parsers reject multipart/related and none understands `start`
 * (../shared/research/npm-stack.md §5).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { attr, firstChild, textOf, type Element } from './xml.js';
import { SoapNs } from './namespaces.js';
import {
  CharsetError,
  decodeCharset,
  parseContentType,
  quoteParam,
  type ContentType,
} from './content-type.js';

/** Why a multipart/related (MTOM) message cannot be built or read. `message` equals `reason`. */
export class MtomError extends Error {
  override readonly name = 'MtomError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

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

const CRLF = '\r\n';
const PRINTABLE = /^[\x21-\x7e]+$/;
const HEADER_VALUE = /^[\x20-\x7e]+$/;

function pickBoundary(buffers: Buffer[]): string {
  for (let i = 0; i < 8; i++) {
    const boundary = `MIMEBoundary_${randomBytes(24).toString('hex')}`;
    const probe = Buffer.from(boundary, 'latin1');
    if (buffers.every((b) => b.indexOf(probe) < 0)) return boundary;
  }
  throw new MtomError('could not choose a MIME boundary absent from the parts');
}

/**
 * Package a SOAP 1.2 envelope and binary parts as an MTOM message (ITI TF-2 Appendix V; XOP 1.0
 * §3; SOAP 1.2 MTOM §4.3). Top-level type: `multipart/related; boundary="…";
 * type="application/xop+xml"; start="<root-cid>"; start-info="application/soap+xml"` (+ `action`).
 * Root part `application/xop+xml; charset=UTF-8; type="application/soap+xml"`; every part
 * `Content-Transfer-Encoding: binary`; CRLF framing. The boundary is random and checked to occur
 * in no part. Part bodies are not copied: `chunks` references them.
 * @param rootXml the envelope, already carrying `xop:Include` elements (see {@link xopIncludeXml}).
 * @returns the HTTP Content-Type value and the body as Buffers to write in order.
 * @throws MtomError for a Content-ID / content type with characters not allowed in a MIME header.
 */
export function buildMtom(
  rootXml: string,
  parts: MtomPart[],
  opts: { action?: string } = {},
): { contentType: string; chunks: Buffer[] } {
  for (const p of parts) {
    if (!PRINTABLE.test(p.contentId) || /[<>]/.test(p.contentId))
      throw new MtomError(`invalid Content-ID: ${JSON.stringify(p.contentId)}`);
    if (!HEADER_VALUE.test(p.contentType))
      throw new MtomError(`invalid part content type: ${JSON.stringify(p.contentType)}`);
  }
  const root = Buffer.from(rootXml, 'utf8');
  const boundary = pickBoundary([root, ...parts.map((p) => p.body)]);
  const rootCid = `root.${randomUUID()}@nir-sim`;
  let contentType =
    `multipart/related; boundary=${quoteParam(boundary)}; type="application/xop+xml"; ` +
    `start=${quoteParam(`<${rootCid}>`)}; start-info="application/soap+xml"`;
  if (opts.action !== undefined) contentType += `; action=${quoteParam(opts.action)}`;
  const head = (ct: string, cid: string): Buffer =>
    Buffer.from(
      `--${boundary}${CRLF}Content-Type: ${ct}${CRLF}Content-Transfer-Encoding: binary${CRLF}Content-ID: <${cid}>${CRLF}${CRLF}`,
      'latin1',
    );
  const chunks: Buffer[] = [
    head('application/xop+xml; charset=UTF-8; type="application/soap+xml"', rootCid),
    root,
  ];
  for (const p of parts) chunks.push(Buffer.from(CRLF, 'latin1'), head(p.contentType, p.contentId), p.body);
  chunks.push(Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'latin1'));
  return { contentType, chunks };
}

/**
 * The `xop:Include` element referring to part `contentId` (XOP 1.0 §2.1; RFC 2392 `cid:` URL).
 * The id is percent-encoded except `@`, which stays literal as in RFC 2392's examples and Axis2.
 */
export function xopIncludeXml(contentId: string): string {
  const href = `cid:${encodeURIComponent(contentId).replace(/%40/g, '@')}`;
  return `<xop:Include xmlns:xop="${SoapNs.xop}" href="${href}"/>`;
}

interface LineEnd {
  close: boolean;
  crlf: boolean;
  next: number;
}

/** After `--boundary` at `j`: `--` (close), or optional padding then CRLF / LF; else not a delimiter. */
function delimiterEnd(buf: Buffer, j: number): LineEnd | undefined {
  if (buf[j] === 0x2d && buf[j + 1] === 0x2d) return { close: true, crlf: false, next: j + 2 };
  let k = j;
  while (buf[k] === 0x20 || buf[k] === 0x09) k++;
  if (buf[k] === 0x0d && buf[k + 1] === 0x0a) return { close: false, crlf: true, next: k + 2 };
  if (buf[k] === 0x0a) return { close: false, crlf: false, next: k + 1 };
  return undefined;
}

/** Split the body into raw parts (RFC 2046 §5.1.1). Framing (CRLF or bare LF) follows the first delimiter line. */
function splitParts(buf: Buffer, boundary: string): Buffer[] {
  const dash = Buffer.from(`--${boundary}`, 'latin1');
  let at = -1;
  let line: LineEnd | undefined;
  for (let i = buf.indexOf(dash); i >= 0; i = buf.indexOf(dash, i + 1)) {
    line = i === 0 || buf[i - 1] === 0x0a ? delimiterEnd(buf, i + dash.length) : undefined;
    if (line) {
      at = i;
      break;
    }
  }
  if (at < 0 || !line) throw new MtomError('the boundary does not occur in the body');
  const needle = Buffer.concat([Buffer.from(line.crlf ? CRLF : '\n', 'latin1'), dash]);
  const out: Buffer[] = [];
  while (!line.close) {
    const start = line.next;
    let next: LineEnd | undefined;
    let i = buf.indexOf(needle, start);
    for (; i >= 0; i = buf.indexOf(needle, i + 1)) {
      next = delimiterEnd(buf, i + needle.length);
      if (next) break;
    }
    if (i < 0 || !next) throw new MtomError('the multipart body is truncated: no closing boundary');
    out.push(buf.subarray(start, i));
    line = next;
  }
  return out;
}

interface RawPart {
  headers: Map<string, string>;
  body: Buffer;
}

/** Header block up to the first empty line (CRLF or LF); names lower-cased, folded lines joined. */
function splitHeaders(part: Buffer): RawPart {
  let headEnd: number;
  let bodyStart: number;
  if (part[0] === 0x0d && part[1] === 0x0a) [headEnd, bodyStart] = [0, 2];
  else if (part[0] === 0x0a) [headEnd, bodyStart] = [0, 1];
  else {
    const a = part.indexOf('\r\n\r\n', 0, 'latin1');
    const b = part.indexOf('\n\n', 0, 'latin1');
    if (a < 0 && b < 0) throw new MtomError('a MIME part has no empty line after its headers');
    [headEnd, bodyStart] = a >= 0 && (b < 0 || a < b) ? [a, a + 4] : [b, b + 2];
  }
  const headers = new Map<string, string>();
  const text = part
    .subarray(0, headEnd)
    .toString('latin1')
    .replace(/\r?\n[ \t]+/g, ' ');
  for (const l of text.split(/\r?\n/)) {
    const colon = l.indexOf(':');
    if (colon <= 0) continue;
    const name = l.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, l.slice(colon + 1).trim());
  }
  return { headers, body: part.subarray(bodyStart) };
}

function stripAngles(id: string): string {
  const t = id.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1).trim() : t;
}

/** Undo Content-Transfer-Encoding (RFC 2045 §6): binary/8bit/7bit as is, base64 decoded. */
function decodeTransfer(p: RawPart): Buffer {
  const cte = (p.headers.get('content-transfer-encoding') ?? 'binary').toLowerCase();
  if (cte === 'binary' || cte === '8bit' || cte === '7bit') return p.body;
  if (cte === 'base64') return Buffer.from(p.body.toString('latin1'), 'base64');
  throw new MtomError(`unsupported Content-Transfer-Encoding: ${cte}`);
}

const XML_ROOT_TYPES: ReadonlySet<string> = new Set([
  'application/xop+xml',
  'application/soap+xml',
  'text/xml',
  'application/xml',
]);

function decodeRoot(root: RawPart): { rootXml: string; rootContentType: string } {
  const rootContentType = root.headers.get('content-type') ?? '';
  const ct: ContentType = parseContentType(rootContentType);
  if (!XML_ROOT_TYPES.has(ct.mediaType))
    throw new MtomError(`the root part is not XML: ${ct.mediaType || 'no Content-Type'}`);
  try {
    return { rootXml: decodeCharset(decodeTransfer(root), ct.params.get('charset')), rootContentType };
  } catch (err) {
    if (err instanceof RangeError)
      throw new MtomError(`unsupported charset in the root part: ${ct.params.get('charset')}`);
    if (err instanceof CharsetError) throw new MtomError(`root part: ${err.message}`);
    throw err;
  }
}

/**
 * Read a multipart/related (MTOM/XOP) message (RFC 2387; RFC 2046 §5.1; XOP 1.0; ITI TF-2
 * Appendix V). Parameters are parsed properly (quoted or not, names case-insensitive). The root is
 * the part whose Content-ID equals `start` (angle brackets ignored), or the first part when `start`
 * is absent. Tolerates CRLF or bare-LF framing (decided by the first delimiter line), transport
 * padding after boundaries, a preamble, and a root typed `text/xml` (node-soap). Part bodies are
 * exact byte views on `body`.
 * @param contentTypeHeader the HTTP Content-Type value.
 * @throws MtomError when the type is not multipart/related, the boundary is missing or absent, the
 *   body is truncated, there are no parts, `start` matches no part, Content-IDs repeat, the root
 *   is not XML or has an unknown charset, or a part uses an unsupported transfer encoding.
 */
export function parseMultipartRelated(body: Buffer, contentTypeHeader: string): MultipartRelated {
  const ct = parseContentType(contentTypeHeader);
  if (ct.mediaType !== 'multipart/related')
    throw new MtomError(`expected multipart/related, got ${ct.mediaType || 'no type'}`);
  const boundary = ct.params.get('boundary');
  if (!boundary) throw new MtomError('multipart/related without a boundary parameter');
  const raw = splitParts(body, boundary).map(splitHeaders);
  if (raw.length === 0) throw new MtomError('the multipart body has no parts');
  const start = ct.params.get('start');
  const idOf = (p: RawPart): string | undefined => {
    const v = p.headers.get('content-id');
    return v === undefined ? undefined : stripAngles(v);
  };
  const root = start === undefined ? raw[0] : raw.find((p) => idOf(p) === stripAngles(start));
  if (!root) throw new MtomError(`no part has the Content-ID named by start: ${start}`);
  const parts: Attachments = new Map();
  const rootId = idOf(root);
  for (const p of raw) {
    const id = idOf(p);
    if (p === root || id === undefined) continue;
    // Content-IDs are unique within the package (RFC 2045 §7; XOP 1.0 §3.2 resolves cid: by it), the root's included.
    if (parts.has(id) || id === rootId) throw new MtomError(`Content-ID repeated: ${id}`);
    parts.set(id, {
      contentType: p.headers.get('content-type') ?? 'application/octet-stream',
      body: decodeTransfer(p),
    });
  }
  return { ...decodeRoot(root), parts };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The bytes of an `xs:base64Binary` element that may have been optimised by XOP (XOP 1.0 §3.2;
 * ITI TF-2 Appendix V): the part named by its `xop:Include/@href` (`cid:` + percent-decoded id,
 * matched to a Content-ID without angle brackets), or else its inline base64 text (whitespace
 * ignored).
 * @throws MtomError for an href that is not a `cid:` URL, a cid with no matching part, or text that
 *   is not valid base64.
 */
export function resolveXopContent(el: Element, parts: ReadonlyMap<string, MimePart>): Buffer {
  const include = firstChild(el, SoapNs.xop, 'Include');
  if (include) {
    const href = attr(include, 'href')?.trim() ?? '';
    if (!/^cid:/i.test(href)) throw new MtomError(`xop:Include href is not a cid: URL: ${href}`);
    let id: string;
    try {
      id = decodeURIComponent(href.slice(4));
    } catch {
      throw new MtomError(`xop:Include href is not a valid cid: URL: ${href}`);
    }
    const part = parts.get(id);
    if (!part) throw new MtomError(`xop:Include refers to a part that is not in the message: cid:${id}`);
    return part.body;
  }
  const text = textOf(el).replace(/\s+/g, '');
  if (!BASE64.test(text))
    throw new MtomError(`${el.localName ?? 'element'} is neither xop:Include nor valid base64`);
  return Buffer.from(text, 'base64');
}
