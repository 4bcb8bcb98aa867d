/**
 * The MTOM/XOP framing of a retrieve answer, as NIR reads it (W3C XOP 1.0 §3, SOAP 1.2 MTOM §4.3,
 * RFC 2387, IHE ITI TF-2 3.39.4.2 and Appendix V): the HTTP Content-Type is multipart/related with
 * type="application/xop+xml", start and start-info="application/soap+xml"; the root part (the one
 * `start` names) is application/xop+xml with type="application/soap+xml"; each xdsb:Document is an
 * xop:Include whose href `cid:` names a part that exists.
 */
import { parseContentType } from '../soap/content-type.js';
import { MtomError, xopIncludeContentId } from '../soap/mtom.js';
import { childElements, firstChild } from '../soap/xml.js';
import { XcaNs } from '../xca/constants.js';
import type { RetrieveExchange } from './iti39-exchange.js';

/** Every framing problem of `ex`'s answer (empty when the framing is right). */
export function mtomProblems(ex: RetrieveExchange): string[] {
  const problems: string[] = [];
  const headers = ex.sent.record.response?.headers ?? {};
  const ct = parseContentType(headers['content-type']);
  if (ct.mediaType !== 'multipart/related')
    return [`HTTP Content-Type is ${headers['content-type'] ?? '(none)'}, not multipart/related`];
  if (ct.params.get('type')?.toLowerCase() !== 'application/xop+xml')
    problems.push(`Content-Type type="${ct.params.get('type') ?? ''}" is not "application/xop+xml"`);
  if (!ct.params.get('start')) problems.push('Content-Type has no start parameter naming the root part');
  if (ct.params.get('start-info')?.toLowerCase() !== 'application/soap+xml')
    problems.push(
      `Content-Type start-info="${ct.params.get('start-info') ?? ''}" is not "application/soap+xml"`,
    );
  const message = ex.sent.message;
  if (!message) return [...problems, ex.problem ?? 'the MTOM package could not be read'];
  const root = parseContentType(message.rootContentType);
  if (root.mediaType !== 'application/xop+xml')
    problems.push(
      `the root part's Content-Type is ${message.rootContentType ?? '(none)'}, not application/xop+xml`,
    );
  else if (root.params.get('type')?.toLowerCase() !== 'application/soap+xml')
    problems.push(`the root part's type="${root.params.get('type') ?? ''}" is not "application/soap+xml"`);
  const body = message.envelope.body;
  const responses = body ? childElements(body, XcaNs.xdsb, 'DocumentResponse') : [];
  if (responses.length === 0) problems.push('the answer has no xdsb:DocumentResponse to check');
  const unresolved: string[] = [];
  responses.forEach((r, i) => {
    const where = `xdsb:DocumentResponse[${i + 1}]/xdsb:Document`;
    const doc = firstChild(r, XcaNs.xdsb, 'Document');
    if (!doc) return void problems.push(`${where} is missing`);
    try {
      const cid = xopIncludeContentId(doc);
      if (cid === undefined) problems.push(`${where} holds inline base64, not an xop:Include`);
      else if (!message.attachments.has(cid)) unresolved.push(`${where} href cid:${cid}`);
    } catch (err) {
      problems.push(`${where}: ${err instanceof MtomError ? err.reason : String(err)}`);
    }
  });
  if (unresolved.length > 0)
    problems.push(
      `xop:Include names no MIME part: ${unresolved.join(', ')} (the parts' Content-IDs: ${[...message.attachments.keys()].join(', ') || 'none'})`,
    );
  return problems;
}
