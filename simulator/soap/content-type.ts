/**
 * MIME `Content-Type` header values: parsing (RFC 2045 §5.1 syntax, RFC 2231-free) and quoting
 * parameters for the values nir-sim writes.
 */

/** A parsed Content-Type. */
export interface ContentType {
  /** `type/subtype`, lower-cased, e.g. `multipart/related`; '' when the header is empty. */
  mediaType: string;
  /** Parameters by lower-cased name; values unquoted and unescaped, case preserved. First one wins. */
  params: Map<string, string>;
}

/** Split on `;` outside quoted strings. */
function splitParams(header: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!;
    if (quoted && c === '\\' && i + 1 < header.length) {
      cur += c + header[++i]!;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

/**
 * Parse a Content-Type header value (RFC 2045 §5.1; RFC 9110 §8.3.1): media type and parameters,
 * quoted or token values, names case-insensitive, surrounding whitespace ignored. Tolerant:
 * parameters without `=` are skipped. Never throws.
 * @example parseContentType('Multipart/Related; BOUNDARY="a;b"; start=<x>').params.get('boundary') === 'a;b'
 */
export function parseContentType(header: string | undefined): ContentType {
  const [first = '', ...rest] = splitParams(header ?? '');
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const name = p.slice(0, eq).trim().toLowerCase();
    if (name === '' || params.has(name)) continue;
    params.set(name, unquote(p.slice(eq + 1).trim()));
  }
  return { mediaType: first.trim().toLowerCase(), params };
}

/**
 * A parameter value as an RFC 2045 quoted-string (`"` and `\` escaped).
 * @throws TypeError when `value` has a control character or non-ASCII (header injection guard).
 */
export function quoteParam(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\uffff]/.test(value))
    throw new TypeError(`header parameter value not allowed: ${JSON.stringify(value)}`);
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** `application/soap+xml; charset=UTF-8; action="<action>"` (RFC 3902 §6; SOAP 1.2 Part 2 §7.1.4). */
export function soapXmlContentType(action: string): string {
  return `application/soap+xml; charset=UTF-8; action=${quoteParam(action)}`;
}

/** XML 1.0 §2.3 `S` as a byte: space, tab, CR, LF. */
const isSpaceByte = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a;
const isLetterByte = (b: number | undefined): boolean =>
  b !== undefined && ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a));
const isDigitByte = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;

/** XML 1.0 §4.3.3 `EncName`: `[A-Za-z] ([A-Za-z0-9._] | '-')*`. */
function isEncName(bytes: Buffer): boolean {
  if (!isLetterByte(bytes[0])) return false;
  for (const b of bytes.subarray(1))
    if (!isLetterByte(b) && !isDigitByte(b) && b !== 0x2e && b !== 0x5f && b !== 0x2d) return false;
  return true;
}

/** How many bytes of a message {@link xmlDeclEncoding} looks at: far more than any declaration needs. */
const DECLARATION_HEAD_BYTES = 200;

/**
 * The `encoding` of an XML declaration at the start of `bytes`, if any (XML 1.0 §4.3.3, detected
 * as Appendix F does for ASCII-compatible bytes). This runs on the undecoded bytes, before any XML
 * parser can (the parser needs the text, and the text needs this label), so it is a small scanner
 * of §2.8 `XMLDecl` over the first 200 bytes: an optional UTF-8 BOM, `<?xml` and `S`, then
 * pseudo-attributes `name S? = S? 'value'` (or `"value"`) separated by `S`, up to `?>`; the
 * `encoding` one is the answer when its value is an `EncName`. Undefined for anything else: no
 * declaration, a processing instruction such as `<?xml-stylesheet …?>`, a declaration that ends,
 * is cut short or goes wrong before an `encoding`. Other pseudo-attributes are not checked (the
 * parser does that once the text is decoded).
 */
function xmlDeclEncoding(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, DECLARATION_HEAD_BYTES);
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  if (head.toString('latin1', i, i + 5) !== '<?xml' || !isSpaceByte(head[i + 5])) return undefined;
  i += 5;
  const skipSpaces = (): void => {
    while (isSpaceByte(head[i])) i++;
  };
  for (;;) {
    skipSpaces();
    const nameStart = i;
    while (isLetterByte(head[i])) i++;
    if (i === nameStart) return undefined; // `?>` (no encoding), or not a declaration
    const name = head.toString('latin1', nameStart, i);
    skipSpaces();
    if (head[i] !== 0x3d /* = */) return undefined;
    i++;
    skipSpaces();
    const quote = head[i];
    if (quote !== 0x22 /* " */ && quote !== 0x27 /* ' */) return undefined;
    const end = head.indexOf(quote, i + 1);
    if (end < 0) return undefined;
    const value = head.subarray(i + 1, end);
    if (name === 'encoding') return isEncName(value) ? value.toString('latin1') : undefined;
    i = end + 1;
    if (!isSpaceByte(head[i])) return undefined;
  }
}

/** Bytes that are not valid in their declared charset (XML 1.0 §4.3.3: a fatal error). */
export class CharsetError extends Error {
  override readonly name = 'CharsetError';
}

/**
 * Decode XML bytes with the MIME `charset` parameter, or when it is absent the XML declaration's
 * `encoding`, else UTF-8 (RFC 7303 §3.2 / §8.1; WHATWG Encoding labels). A BOM is dropped. Bytes
 * invalid in the charset are a fatal error (XML 1.0 §4.3.3): real peers do send, e.g., Latin-1
 * bytes under a UTF-8 label (ihe-xca.md §7), and a sandbox should tell them so rather than guess.
 * @throws CharsetError for invalid bytes; RangeError for a charset label the runtime does not know.
 */
export function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  const label = charset?.trim() || xmlDeclEncoding(bytes) || 'utf-8';
  const decoder = new TextDecoder(label, { fatal: true });
  try {
    return decoder.decode(bytes);
  } catch {
    throw new CharsetError(`the message contains bytes that are not valid ${label} (XML 1.0 §4.3.3)`);
  }
}
