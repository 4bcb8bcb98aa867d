/**
 * A SOAP endpoint's answer to anything but POST: `GET <path>?wsdl` (or `?WSDL`, also HEAD) serves
 * the endpoint's WSDL 1.1 (wsdl.ts) with the service address the client used; every other method
 * or query is 405 with `Allow: POST` (RFC 9110 §15.5.6) and a SOAP 1.2 Sender fault body, since
 * the SOAP 1.2 HTTP binding (Part 2 §7.4) exchanges messages by POST only.
 */
import type { Request, Response } from 'express';
import { SoapFaultError, buildSoapFault } from './fault.js';
import { soapXmlContentType } from './content-type.js';
import { WSA_FAULT_ACTION } from './namespaces.js';
import { buildWsdl, type WsdlOperation } from './wsdl.js';

/** RFC 3986 §3.2.2–3.2.3 `host [":" port]` (IP-literal or reg-name), as a Host header may carry it. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]+)(?::\d{1,5})?$/;

/** Whether the query string asks for the WSDL: a `wsdl` key in any case, with or without a value. */
function asksForWsdl(req: Request): boolean {
  const q = req.originalUrl.indexOf('?');
  if (q < 0) return false;
  const params = new URLSearchParams(req.originalUrl.slice(q + 1));
  return [...params.keys()].some((k) => k.toLowerCase() === 'wsdl');
}

/**
 * The URL the client used for this endpoint (RFC 9110 §7.1: scheme from the connection, authority
 * from Host, the path without its query), or undefined when Host is absent or not a host[:port].
 */
function requestedEndpointUrl(req: Request): string | undefined {
  const host = req.headers.host;
  if (host === undefined || !HOST.test(host)) return undefined;
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const q = req.originalUrl.indexOf('?');
  return `${scheme}://${host}${q < 0 ? req.originalUrl : req.originalUrl.slice(0, q)}`;
}

/**
 * Answer a non-POST request to a SOAP endpoint.
 * - GET/HEAD with `?wsdl` and `wsdl` given: 200 `text/xml; charset=UTF-8`, the WSDL whose
 *   soap12:address is {@link requestedEndpointUrl}; 400 text/plain when Host is missing or invalid.
 * - Otherwise: 405, `Allow: POST`, a SOAP 1.2 Sender fault (`application/soap+xml`).
 * Never throws.
 */
export function answerOtherMethod(req: Request, res: Response, wsdl: WsdlOperation | undefined): void {
  if (wsdl && (req.method === 'GET' || req.method === 'HEAD') && asksForWsdl(req)) {
    const url = requestedEndpointUrl(req);
    if (url === undefined) {
      res.status(400).type('text/plain').send('The Host header is missing or is not a valid host[:port]\n');
      return;
    }
    send(res, 200, 'text/xml; charset=UTF-8', buildWsdl(wsdl, url));
    return;
  }
  res.setHeader('Allow', 'POST');
  const reason = wsdl
    ? 'SOAP requests must use HTTP POST; GET ?wsdl describes this endpoint'
    : 'SOAP requests must use HTTP POST';
  send(res, 405, soapXmlContentType(WSA_FAULT_ACTION), buildSoapFault(new SoapFaultError('Sender', reason)));
}

/** Write `text` as is (express's res.send would rewrite the charset parameter). */
function send(res: Response, status: number, contentType: string, text: string): void {
  const body = Buffer.from(text, 'utf8');
  res.status(status).setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}
