/**
 * Posting raw SOAP to a server as a consumer would, and reading the answer with the project's
 * decoders (the raw text is kept so tests can schema-validate what went over the wire).
 */
import http from 'node:http';
import { parseMultipartRelated, resolveXopContent } from '../../simulator/soap/mtom.js';
import { parseSoapEnvelope } from '../../simulator/soap/envelope.js';
import { parseXml } from '../../simulator/soap/xml.js';
import { decodeAdhocQueryResponse } from '../../simulator/xca/adhoc-query-response.js';
import { decodeRetrieveDocumentSetResponse } from '../../simulator/xca/retrieve-document-set.js';
import type { AdhocQueryResponse, RetrieveDocumentSetResponse } from '../../simulator/xca/types.js';

export interface RawResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

/** POST `body` with a SOAP 1.2 content type (or the one given). */
export async function post(
  url: string,
  body: string | Buffer,
  contentType = 'application/soap+xml; charset=UTF-8',
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': contentType, ...headers },
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: Buffer.from(await res.arrayBuffer()),
  };
}

/**
 * POST `body` with node:http (not fetch, which hides a cut-off body behind an error) and report
 * whether the response body arrived complete (`complete` false: the server ended the stream early,
 * as a streamed RAD-75 answer does when a community fails mid-study).
 */
export function postRaw(
  url: string,
  body: string,
  contentType = 'application/soap+xml; charset=UTF-8',
): Promise<RawResponse & { complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': contentType } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined);
      res.on('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
          complete: res.complete,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The SOAP envelope text of a response (the root part for MTOM). */
export function envelopeText(r: RawResponse): {
  xml: string;
  parts: ReturnType<typeof parseMultipartRelated>['parts'];
} {
  if (r.contentType.startsWith('multipart/related')) {
    const m = parseMultipartRelated(r.body, r.contentType);
    return { xml: m.rootXml, parts: m.parts };
  }
  return { xml: r.body.toString('utf8'), parts: new Map() };
}

/** Decode an ITI-38 response; also returns the wsa headers and the envelope text. */
export function readQueryResponse(r: RawResponse): {
  response: AdhocQueryResponse;
  xml: string;
  action?: string;
  relatesTo?: string;
} {
  const { xml } = envelopeText(r);
  const env = parseSoapEnvelope(parseXml(xml), []);
  if (!env.body) throw new Error('no SOAP body');
  return { response: decodeAdhocQueryResponse(env.body), xml, ...env.addressing };
}

/** Decode an ITI-39 response (MTOM or inline). */
export function readRetrieveResponse(r: RawResponse): {
  response: RetrieveDocumentSetResponse;
  xml: string;
  action?: string;
  relatesTo?: string;
} {
  const { xml, parts } = envelopeText(r);
  const env = parseSoapEnvelope(parseXml(xml), []);
  if (!env.body) throw new Error('no SOAP body');
  return {
    response: decodeRetrieveDocumentSetResponse(env.body, (el) => resolveXopContent(el, parts)),
    xml,
    ...env.addressing,
  };
}

/** Code, subcode and reason of a SOAP 1.2 fault response. */
export function readFault(r: RawResponse): { code: string; subcode?: string; reason: string; xml: string } {
  const xml = r.body.toString('utf8');
  const doc = parseXml(xml);
  const ns = 'http://www.w3.org/2003/05/soap-envelope';
  const text = (local: string): string | undefined =>
    doc.getElementsByTagNameNS(ns, local)[0]?.textContent?.trim();
  const values = Array.from(doc.getElementsByTagNameNS(ns, 'Value')).map((v) => v.textContent?.trim() ?? '');
  return {
    code: values[0] ?? '',
    ...(values[1] !== undefined ? { subcode: values[1] } : {}),
    reason: text('Text') ?? '',
    xml,
  };
}
