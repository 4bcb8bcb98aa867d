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

/** The `encoding` of an XML declaration at the start of `bytes`, if any (XML 1.0 §4.3.3). */
function xmlDeclEncoding(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, 200).toString('latin1');
  return /^(?:\xEF\xBB\xBF)?<\?xml[^?]*?\sencoding\s*=\s*["']([A-Za-z][\w.-]*)["']/.exec(head)?.[1];
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
