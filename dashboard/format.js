// Formatting of what the dashboard shows: statuses, times, pretty-printed XML and JSON, the cURL
// command that reproduces a consumer request against the broker.

const STATUS = 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:';
const IHE_STATUS = 'urn:ihe:iti:2007:ResponseStatusType:';

/** `Success`, `PartialSuccess` or `Failure` from an ebRS / IHE ResponseStatusType URN. */
export function shortStatus(urn) {
  if (urn.startsWith(STATUS)) return urn.slice(STATUS.length);
  if (urn.startsWith(IHE_STATUS)) return urn.slice(IHE_STATUS.length);
  return urn;
}

/** `14:02:03.120` in local time. */
export function clockTime(epochMs) {
  const d = new Date(epochMs);
  return `${d.toLocaleTimeString('en-GB', { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * XML with one element per line, indented by depth; text, comments and CDATA kept as they are.
 * Only whitespace between tags is changed, so the document means the same.
 */
export function prettyXml(xml) {
  const tokens = xml
    .replace(/>\s+</g, '><')
    .split(/(<[^>]+>)/)
    .filter((t) => t !== '');
  const out = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.startsWith('</')) {
      depth = Math.max(0, depth - 1);
      out.push('  '.repeat(depth) + t);
    } else if (t.startsWith('<?') || t.startsWith('<!') || t.endsWith('/>')) {
      out.push('  '.repeat(depth) + t);
    } else if (t.startsWith('<')) {
      // An element holding only text stays on one line.
      const text = tokens[i + 1];
      const close = tokens[i + 2];
      if (text !== undefined && !text.startsWith('<') && close?.startsWith('</')) {
        out.push('  '.repeat(depth) + t + text + close);
        i += 2;
      } else {
        out.push('  '.repeat(depth) + t);
        depth++;
      }
    } else out.push('  '.repeat(depth) + t.trim());
  }
  return out.join('\n');
}

/**
 * JSON indented by two spaces. Several JSON documents one per line (an MHD retrieve leg's ITI-67
 * answers, joined by the log) are indented each; a line that is not whole JSON (cut by the log,
 * its marker) is kept as it is.
 */
export function prettyJson(text) {
  const one = (t) => {
    try {
      return JSON.stringify(JSON.parse(t), null, 2);
    } catch {
      return undefined;
    }
  };
  return (
    one(text) ??
    text
      .split('\n')
      .map((line) => one(line) ?? line)
      .join('\n')
  );
}

/** A body of the transaction log, pretty-printed by its kind. */
export function prettyBody(body) {
  if (body === undefined) return undefined;
  const t = body.trimStart();
  return t.startsWith('<') ? prettyXml(body) : t.startsWith('{') ? prettyJson(body) : body;
}

/** `'...'` for a POSIX shell. */
const shellQuote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The curl command that sends a transaction's request to the broker again: a SOAP envelope posted
 * as application/soap+xml (SOAP 1.2, W3C SOAP 1.2 Part 2 section 7.1.4) from a heredoc, or a FHIR
 * request line (`METHOD URL`, a POST `_search` with its form body on the next line).
 * @param tx a transaction as `GET /transactions/{id}` answers it.
 * @param brokerEndpoints `GET /topology`'s `broker.endpoints` (transaction -> URL).
 */
export function curlFor(tx, brokerEndpoints) {
  const consumer = tx.consumerId ? [`  -H ${shellQuote(`X-NIR-Consumer: ${tx.consumerId}`)} \\`] : [];
  if (tx.requestXml !== undefined) {
    const url = tx.endpoint ?? brokerEndpoints[tx.transaction];
    if (url === undefined) return undefined;
    return [
      `curl -sS -X POST ${shellQuote(url)} \\`,
      `  -H 'Content-Type: application/soap+xml; charset=UTF-8' \\`,
      ...consumer,
      `  --data-binary @- <<'XML'`,
      tx.requestXml,
      'XML',
    ].join('\n');
  }
  if (tx.requestLine !== undefined) {
    const [line, form] = tx.requestLine.split('\n', 2);
    const [method, url] = line.split(' ', 2);
    const accept = tx.transaction === 'WADO-RS' ? [] : [`  -H 'Accept: application/fhir+json' \\`];
    const body =
      form !== undefined
        ? [`  -H 'Content-Type: application/x-www-form-urlencoded' \\`, `  --data ${shellQuote(form)}`]
        : [];
    const lines = [`curl -sS -X ${method} ${shellQuote(url)} \\`, ...accept, ...consumer, ...body];
    lines[lines.length - 1] = lines[lines.length - 1].replace(/ \\$/, '');
    return lines.join('\n');
  }
  return undefined;
}
