/**
 * What a failed community leg put on the wire, for its LegEvent (events/transaction-events.ts):
 * the request as sent and whatever answer arrived (status, headers, body), or, when none did, why
 * not (`noResponse`). A SOAP leg's call error carries it (soap/client.ts SoapCallError.exchange);
 * a leg that failed after its answer was read (an answer the codec cannot decode, an MHD answer
 * refused as unusable) has it attached with {@link withExchange}. The transaction log cuts the
 * bodies at its bound like any other (control/transaction-log.ts); the strings are new ones made
 * from the bytes received, never slices of a larger text that would keep it alive.
 */
import type { LegEvent } from '../events/transaction-events.js';
import { SoapCallError } from '../soap/client.js';
import type { LegFailure } from './leg.js';

/** What a codec knows of a leg's exchange (community-client.ts LegExchange, structurally). */
interface LegExchange {
  httpStatus: number;
  requestXml?: string;
  responseXml?: string;
  requestLine?: string;
  responseBody?: string;
}

/** The exchanges attached to errors thrown after the wire exchange (see {@link withExchange}). */
const attached = new WeakMap<object, LegExchange>();

/**
 * Attach what went over the wire to `error` (an object), for the leg's record; returns `error`,
 * so a codec writes `throw withExchange(err, exchange)`.
 */
export function withExchange<E>(error: E, exchange: LegExchange): E {
  if (typeof error === 'object' && error !== null) attached.set(error, exchange);
  return error;
}

/** The LegEvent fields of a failed leg's exchange. */
export type FailedLegExchange = Pick<
  LegEvent,
  'requestXml' | 'responseXml' | 'requestLine' | 'responseBody' | 'responseHeaders' | 'noResponse'
> & { httpStatus?: number };

/** Media types whose body is an XML document (SOAP 1.2: RFC 3902; MTOM: multipart/related). */
const XML_TYPE = /^(application\/(soap\+xml|xml|xop\+xml)|text\/xml|multipart\/related)\b/i;

/**
 * The exchange of a leg that failed with `error`, classified as `failure`: the request as sent
 * (`requestXml`, or an MHD leg's `requestLine`), and the answer received (`httpStatus`,
 * `responseHeaders`, the body as `responseXml` when the answer's Content-Type is XML or MTOM,
 * else as `responseBody`) or `noResponse` with the failure's detail when none arrived. Empty when
 * the leg sent nothing (no codec, no endpoint, the forwarded assertion could not be signed).
 */
export function failedLegExchange(error: unknown, failure: LegFailure): FailedLegExchange {
  const why = failureText(failure);
  if (error instanceof SoapCallError && error.exchange) {
    const { requestXml, response } = error.exchange;
    if (!response) return { requestXml, noResponse: why };
    const text = response.body.toString('utf8');
    const xml = response.contentType === undefined || XML_TYPE.test(response.contentType);
    return {
      requestXml,
      httpStatus: response.status,
      ...(response.headers ? { responseHeaders: response.headers } : {}),
      ...(xml ? { responseXml: text } : { responseBody: text }),
    };
  }
  const exchange = typeof error === 'object' && error !== null ? attached.get(error) : undefined;
  if (!exchange) return {};
  const answered =
    exchange.responseXml !== undefined || exchange.responseBody !== undefined || exchange.httpStatus > 0;
  return {
    ...(exchange.requestXml !== undefined ? { requestXml: exchange.requestXml } : {}),
    ...(exchange.requestLine !== undefined ? { requestLine: exchange.requestLine } : {}),
    ...(exchange.httpStatus > 0 ? { httpStatus: exchange.httpStatus } : {}),
    ...(exchange.responseXml !== undefined ? { responseXml: exchange.responseXml } : {}),
    ...(exchange.responseBody !== undefined ? { responseBody: exchange.responseBody } : {}),
    ...(answered ? {} : { noResponse: why }),
  };
}

/** A failure in words, as the leg's `failure.detail` says it. */
export function failureText(f: LegFailure): string {
  switch (f.reason) {
    case 'timeout':
      return `no answer within ${f.deadlineMs} ms`;
    case 'soap-fault':
      return `${f.faultCode}: ${f.faultReason}`;
    case 'http-status':
      return `HTTP ${f.httpStatus}: ${f.detail}`;
    case 'refused':
    case 'reset':
    case 'too-large':
    case 'malformed':
    case 'invalid-response':
    case 'unsupported':
      return f.detail;
  }
}
