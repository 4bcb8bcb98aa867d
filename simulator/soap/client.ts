/**
 * SOAP 1.2 client over the one HTTP client (transport/http-client.ts), classifying every way a
 * call can fail exactly: the broker's fan-out turns each kind into a different RegistryError.
 */
import { HttpTransportError, httpPost, readBody, type HttpAgent } from '../transport/http-client.js';
import { newUrnUuid } from '../shared/ids.js';
import type { Element, ReadContent } from './xml.js';
import { SoapFaultError, parseSoapFault, type ParsedSoapFault } from './fault.js';
import { buildSoapEnvelope, isFaultEnvelope, type SoapEnvelope } from './envelope.js';
import {
  encodeSoapMessage,
  readSoapMessage,
  type EncodedSoapMessage,
  type ReadSoapMessage,
} from './message-body.js';
import type { Attachments, MtomPart } from './mtom.js';

/**
 * How a call failed:
 * - `refused`: no connection (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ENOTFOUND, EAI_AGAIN) or the
 *   TLS handshake failed (certificate errors; see `code`).
 * - `timeout`: the caller's AbortSignal fired (or the OS connect timed out, ETIMEDOUT).
 * - `reset`: the connection broke after it was made (ECONNRESET, socket hang up, EPIPE, premature close).
 * - `http-status`: a non-2xx answer without a SOAP envelope (e.g. 503 text/html).
 * - `soap-fault`: a SOAP 1.2 env:Fault, whatever the HTTP status; see `fault`.
 * - `malformed`: a 2xx answer that is empty, not XML, not a SOAP 1.2 envelope, bad MTOM, or has an empty Body.
 * - `too-large`: the response exceeded `maxResponseBytes`.
 */
export type SoapCallErrorKind =
  'refused' | 'timeout' | 'reset' | 'http-status' | 'soap-fault' | 'malformed' | 'too-large';

/** A failed {@link soapCall}. `message` equals `detail`. */
export class SoapCallError extends Error {
  override readonly name = 'SoapCallError';
  readonly httpStatus?: number;
  readonly fault?: ParsedSoapFault;
  /** The underlying Node error code (e.g. `ECONNREFUSED`, `CERT_HAS_EXPIRED`), when there was one. */
  readonly code?: string;
  /**
   * What went over the wire before the call failed, set by {@link soapCall}: the request envelope
   * as sent (the MTOM root part) and, when an answer arrived (`http-status`, `soap-fault`,
   * `malformed`), that answer as read (status, headers, body). Absent when the request was never
   * built; `response` absent when nothing came back (`refused`, `timeout`, `reset`, `too-large`).
   */
  exchange?: { requestXml: string; response?: RawResponse };

  constructor(
    readonly kind: SoapCallErrorKind,
    readonly detail: string,
    opts: { httpStatus?: number; fault?: ParsedSoapFault; code?: string; cause?: unknown } = {},
  ) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause });
    if (opts.httpStatus !== undefined) this.httpStatus = opts.httpStatus;
    if (opts.fault) this.fault = opts.fault;
    if (opts.code !== undefined) this.code = opts.code;
  }
}

/** Options of {@link soapCall}. */
export interface SoapCallOptions {
  /** Endpoint URL, `http:` or `https:`; also sent as wsa:To. */
  url: string;
  /** Request wsa:Action. */
  action: string;
  /** One serialised element for env:Body. */
  bodyXml: string;
  /** Extra header blocks (e.g. wsse:Security with an XUA assertion), serialised XML. */
  headersXml?: string;
  /** Non-empty → the request is sent as MTOM. */
  attachments?: MtomPart[];
  /** Aborting it ends the call with kind `timeout` (e.g. `AbortSignal.timeout(ms)`). */
  signal?: AbortSignal;
  /** Response cap in bytes; default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
  /** Connection pool and TLS settings (mutual TLS, CRLs); the process-wide default pool when absent. */
  agent?: HttpAgent;
  /** Extra HTTP headers; Content-Type and Content-Length are always the client's own. */
  headers?: Record<string, string>;
  /** wsa:MessageID; a fresh `urn:uuid:` when absent. */
  messageId?: string;
  /** Elements of the response whose content a reader reads as it is parsed (xml.ts `parseXml`). */
  readContent?: ReadContent;
}

/** A successful call (2xx with a non-fault SOAP 1.2 envelope). */
export interface SoapCallResult {
  httpStatus: number;
  envelope: SoapEnvelope;
  /** The first element child of env:Body. */
  body: Element;
  /** MTOM parts by Content-ID (empty for plain SOAP). */
  attachments: Attachments;
  /** The response envelope text. */
  rawXml: string;
  /** Response body size in bytes, as received. */
  bytes: number;
  /** The wsa:MessageID that was sent (compare with `envelope.addressing.relatesTo`). */
  messageId: string;
  /** The request envelope as sent (the MTOM root part when the request had attachments). */
  requestXml: string;
}

/** Default response cap: 64 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** The SoapCallError of a transport failure (same kind, message and code). */
export function soapCallError(e: HttpTransportError): SoapCallError {
  return new SoapCallError(e.kind, e.message, {
    cause: e.cause ?? e,
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.httpStatus !== undefined ? { httpStatus: e.httpStatus } : {}),
  });
}

/** A complete HTTP response as read from the wire. */
export interface RawResponse {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  /** The response headers as received (names lower-case; repeated ones joined with `, `). */
  headers?: Record<string, string>;
}

/** The request headers of an encoded entity; Content-Type and Content-Length are the client's own. */
export function entityHeaders(
  entity: EncodedSoapMessage,
  extra: Record<string, string> | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(extra ?? {}))
    if (k.toLowerCase() !== 'content-type' && k.toLowerCase() !== 'content-length') headers[k] = v;
  headers['content-type'] = entity.contentType;
  headers['content-length'] = String(entity.length);
  return headers;
}

/** One HTTP POST of `entity`, read whole within `maxResponseBytes`. */
async function post(url: URL, entity: EncodedSoapMessage, opts: SoapCallOptions): Promise<RawResponse> {
  const signal = opts.signal;
  try {
    const answer = await httpPost({
      url,
      headers: entityHeaders(entity, opts.headers),
      body: entity.chunks,
      ...(signal ? { signal } : {}),
      ...(opts.agent ? { agent: opts.agent } : {}),
    });
    const body = await readBody(answer, opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, {
      ...(signal ? { signal } : {}),
    });
    const ct = answer.headers['content-type'];
    return {
      status: answer.status,
      contentType: Array.isArray(ct) ? ct[0] : ct,
      body,
      headers: joinedHeaders(answer.headers),
    };
  } catch (err) {
    if (err instanceof HttpTransportError) throw soapCallError(err);
    throw err;
  }
}

/**
 * Turn a complete HTTP response into a result or a classified error (shared with client-stream.ts).
 * @throws SoapCallError `http-status`, `malformed` or `soap-fault`.
 */
export function interpret(
  raw: RawResponse,
  messageId: string,
  readContent?: ReadContent,
): Omit<SoapCallResult, 'requestXml'> {
  const ok = raw.status >= 200 && raw.status < 300;
  const httpStatus = raw.status;
  let msg: ReadSoapMessage;
  try {
    msg = readSoapMessage(raw.body, raw.contentType ?? 'application/soap+xml', [], {
      enforceMustUnderstand: false,
      ...(readContent ? { readContent } : {}),
    });
  } catch (err) {
    if (!(err instanceof SoapFaultError)) throw err;
    if (!ok)
      throw new SoapCallError('http-status', `HTTP ${httpStatus} without a SOAP envelope`, { httpStatus });
    throw new SoapCallError('malformed', `the response is not a SOAP 1.2 message: ${err.reason}`, {
      httpStatus,
      cause: err,
    });
  }
  const { envelope } = msg;
  if (isFaultEnvelope(envelope)) {
    const fault = parseSoapFault(envelope.body!);
    const sub = fault.subcode ? ` (${fault.subcode})` : '';
    throw new SoapCallError('soap-fault', `SOAP fault ${fault.code}${sub}: ${fault.reason}`, {
      httpStatus,
      fault,
    });
  }
  if (!ok)
    throw new SoapCallError('http-status', `HTTP ${httpStatus} with a non-fault SOAP envelope`, {
      httpStatus,
    });
  if (!envelope.body) throw new SoapCallError('malformed', 'the response env:Body is empty', { httpStatus });
  return {
    httpStatus,
    envelope,
    body: envelope.body,
    attachments: msg.attachments,
    rawXml: msg.rawXml,
    bytes: raw.body.length,
    messageId,
  };
}

/**
 * Send one SOAP 1.2 request and read the synchronous response (SOAP 1.2 Part 2 §7 request-response
 * MEP; WS-Addressing 1.0 with anonymous wsa:ReplyTo; ITI TF-2 Appendix V MTOM when `attachments`
 * is non-empty). The envelope is `buildSoapEnvelope({ action, to: url, messageId, bodyXml })`.
 * The response is read with mustUnderstand not enforced (a client does not fault a response) and
 * is returned whatever its wsa:Action / wsa:RelatesTo: checking them is the caller's business.
 * @throws SoapCallError classified by `kind` (see {@link SoapCallErrorKind}).
 * @throws TypeError for a URL that is not absolute http: / https:, or an invalid attachment id.
 */
export async function soapCall(opts: SoapCallOptions): Promise<SoapCallResult> {
  const { url, messageId, entity, xml } = prepareRequest(opts, 'soapCall');
  let raw: RawResponse | undefined;
  try {
    raw = await post(url, entity, opts);
    return { ...interpret(raw, messageId, opts.readContent), requestXml: xml };
  } catch (err) {
    if (err instanceof SoapCallError) err.exchange = { requestXml: xml, ...(raw ? { response: raw } : {}) };
    throw err;
  }
}

/** HTTP headers as one string each (RFC 9110 5.3: repeated field lines joined with `, `). */
export function joinedHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * The parts of a request every SOAP call prepares the same way: the endpoint URL, the wsa:MessageID,
 * the envelope text (`xml`) and the encoded entity (`buildSoapEnvelope({ action, to: url, messageId, bodyXml, headersXml })`,
 * MTOM when there are attachments).
 * @throws TypeError for a URL that is not absolute http: / https:, or an entity that cannot be
 *   encoded (e.g. an invalid attachment id); `caller` names the function in the message.
 */
export function prepareRequest(
  opts: Pick<SoapCallOptions, 'url' | 'action' | 'bodyXml' | 'headersXml' | 'attachments' | 'messageId'>,
  caller: string,
): { url: URL; messageId: string; entity: EncodedSoapMessage; xml: string } {
  const url = new URL(opts.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`${caller}: unsupported URL scheme ${url.protocol}`);
  const messageId = opts.messageId ?? newUrnUuid();
  const xml = buildSoapEnvelope({
    action: opts.action,
    to: opts.url,
    messageId,
    bodyXml: opts.bodyXml,
    ...(opts.headersXml === undefined ? {} : { headersXml: opts.headersXml }),
  });
  try {
    return { url, messageId, entity: encodeSoapMessage(xml, opts.action, opts.attachments), xml };
  } catch (err) {
    throw new TypeError(`${caller}: cannot encode the request: ${(err as Error).message}`, { cause: err });
  }
}
