/**
 * The SOAP 1.2 server edge: an express 5 endpoint that reads a capped body, parses the envelope
 * (plain or MTOM), checks wsa:Action, calls a transport-neutral handler and serialises its answer
 * or a SOAP fault. This is the one place SoapFaultErrors become faults (docs/architecture.md
 * "Principles").
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Logger } from '../shared/logger.js';
import type { Element } from './xml.js';
import { SoapFaultError, buildSoapFault, faultHttpResponse } from './fault.js';
import {
  buildSoapEnvelopeParts,
  enforceHeaderBlocks,
  type SoapEnvelope,
  type SoapEnvelopeParts,
} from './envelope.js';
import { encodeSoapMessage, readSoapMessage, type ReadSoapMessage } from './message-body.js';
import { parseContentType, soapXmlContentType } from './content-type.js';
import { WSA_FAULT_ACTION, type QName } from './namespaces.js';
import { checkRequest } from './request-checks.js';
import { answerOtherMethod } from './endpoint-metadata.js';
import type { WsdlOperation } from './wsdl.js';
import type { Attachments, MtomPart } from './mtom.js';
import { buildStreamedMtom, closeParts, type StreamedParts } from './mtom-stream.js';
import { deliver, wholeEntity, type OutgoingEntity } from './delivery.js';
import type { TransportDirective } from './transport-directive.js';

/** A parsed request as handlers see it; no sockets. */
export interface SoapRequest {
  envelope: SoapEnvelope;
  /** The first element child of env:Body (always present). */
  body: Element;
  /** MTOM parts by Content-ID without angle brackets (empty for plain SOAP). */
  attachments: Attachments;
  /** The envelope text as received (root part for MTOM). */
  rawXml: string;
  httpHeaders: IncomingHttpHeaders;
  remoteAddress?: string;
  /**
   * When the answer is due, epoch ms: the overall request deadline an admission middleware in
   * front set as `res.locals.deadlineAt` (absent when none did).
   */
  deadlineAt?: number;
  /** Present on TLS connections: whether the peer certificate verified, and the certificate if one was sent. */
  tls?: { authorized: boolean; authorizationError?: string; peerCertificate?: PeerCertificate };
}

/** A handler's answer; the server adds wsa:Action, wsa:MessageID and wsa:RelatesTo. */
export interface SoapResponse {
  /** Response wsa:Action, e.g. `urn:ihe:iti:2007:CrossGatewayQueryResponse`. */
  action: string;
  /** One serialised element for env:Body. */
  bodyXml: string;
  /** Non-empty → the response is sent as MTOM (ITI TF-2 Appendix V). */
  attachments?: MtomPart[];
  /**
   * Binary parts read from files or streams while the response is written (mtom-stream.ts): the
   * response is sent as MTOM without holding the parts in memory. Takes precedence over
   * `attachments`. If a part's stream fails midway the connection is destroyed and the failure
   * logged: the status line and root part are already on the wire.
   */
  streamedAttachments?: StreamedParts;
  /** Extra header blocks (serialised XML). */
  headersXml?: string;
  /** The response wsa:MessageID (a fresh `urn:uuid:` when absent). */
  messageId?: string;
  /** Deliver other than normally (a simulated fault; see transport-directive.ts). */
  delivery?: TransportDirective;
  /**
   * The envelope as {@link responseEnvelopeParts} builds it for this answer and the request, when
   * the handler built it already (to record what is sent, with `messageId` set): the server sends
   * it as it is instead of building it again.
   */
  envelope?: SoapEnvelopeParts;
}

/** Transport-neutral request handler. Throw SoapFaultError for a fault; any other throw is a Receiver fault. */
export type SoapHandler = (req: SoapRequest) => Promise<SoapResponse>;

/** Options of {@link createSoapEndpoint}. */
export interface SoapEndpointOptions {
  /** The wsa:Action this endpoint accepts (e.g. `urn:ihe:iti:2007:CrossGatewayQuery`). */
  action: string;
  handler: SoapHandler;
  /** Cap on the request body in bytes (after any Content-Encoding is undone); larger → HTTP 413. */
  maxBodyBytes: number;
  /** mustUnderstand header blocks the handler processes (WS-A ones are always understood). */
  understoodHeaders?: QName[];
  logger: Logger;
  /**
   * Runs once the whole body has been read without error, before the envelope is parsed (the
   * broker's admission queue: a slow upload then holds no processing slot). Resolves false when it
   * has answered the request itself (e.g. with an overload fault); must not reject.
   */
  afterBodyRead?: (req: Request, res: Response) => Promise<boolean>;
  /** Describe the endpoint: `GET <path>?wsdl` answers this operation's WSDL 1.1 (wsdl.ts). */
  wsdl?: WsdlOperation;
  /**
   * Told of every SOAP Fault this endpoint answers a POST with (body unreadable or over the cap,
   * envelope refused, handler threw), awaited before the fault's first byte is written, so that
   * whoever records faults has done so before the answer leaves. A rejection is logged and the
   * fault still sent. Not called when the response had already started (the connection is then
   * destroyed) nor for faults a middleware or `afterBodyRead` sends itself.
   */
  onFault?: (report: SoapFaultReport, req: Request, res: Response) => Promise<void>;
}

/** What {@link SoapEndpointOptions.onFault} is told: the fault and what was read of the request. */
export interface SoapFaultReport {
  fault: SoapFaultError;
  /** The HTTP status the fault is sent with (SOAP 1.2 Part 2 §7.5.1: Sender 400/413, others 500). */
  httpStatus: number;
  /**
   * The request's envelope when it was read (also when its header blocks were then refused, e.g.
   * MustUnderstand); absent when the body, its XML or its envelope could not be read.
   */
  envelope?: SoapEnvelope;
  /** The request's envelope text as received (MTOM: the root part), whenever `envelope` is set. */
  rawXml?: string;
}

/** A fault plus the HTTP status (and headers, e.g. Retry-After) it travels with. */
interface FaultOut {
  fault: SoapFaultError;
  status: number;
  headers?: Record<string, string>;
}

/** Body-parser failures (http-errors with `type`), e.g. `entity.too.large` → 413 Sender fault. */
function bodyReadFault(err: unknown, maxBodyBytes: number): FaultOut {
  const e = err as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.too.large') {
    return {
      fault: new SoapFaultError('Sender', `The message exceeds the ${maxBodyBytes}-byte limit`),
      status: 413,
    };
  }
  const status = e.status !== undefined && e.status >= 400 && e.status < 500 ? e.status : 400;
  return {
    fault: new SoapFaultError('Sender', 'The request body could not be read', {
      logDetail: `${e.type}: ${e.message}`,
    }),
    status,
  };
}

function tlsInfo(req: Request): SoapRequest['tls'] {
  const sock = req.socket as Partial<TLSSocket>;
  if (!sock.encrypted || !sock.getPeerCertificate) return undefined;
  const cert = sock.getPeerCertificate();
  const out: NonNullable<SoapRequest['tls']> = { authorized: sock.authorized ?? false };
  if (sock.authorizationError) out.authorizationError = String(sock.authorizationError);
  if (cert && Object.keys(cert).length > 0) out.peerCertificate = cert;
  return out;
}

async function sendFault(res: Response, out: FaultOut, relatesTo: string | undefined): Promise<void> {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const xml = buildSoapFault(out.fault, relatesTo === undefined ? {} : { relatesTo });
  for (const [name, value] of Object.entries(out.headers ?? {})) res.setHeader(name, value);
  await deliver(
    res,
    out.status,
    wholeEntity(soapXmlContentType(WSA_FAULT_ACTION), [Buffer.from(xml, 'utf8')]),
  );
}

/**
 * Answer with `fault` at once (e.g. from a middleware in front of an endpoint that refuses a
 * request before reading it): the fault envelope with its HTTP status and headers
 * ({@link faultHttpResponse}); wsa:RelatesTo only when `fault.requestMessageId` is set.
 */
export async function sendSoapFault(res: Response, fault: SoapFaultError): Promise<void> {
  await sendFault(res, { fault, ...faultHttpResponse(fault) }, fault.requestMessageId);
}

/** Turn anything thrown into a fault; unexpected errors are logged with their stack and hidden. */
function toFault(err: unknown, logger: Logger): FaultOut {
  if (err instanceof SoapFaultError) {
    const level = err.code === 'Receiver' ? 'warn' : 'info';
    logger[level](
      { code: err.code, subcode: err.subcode?.local, reason: err.reason, detail: err.logDetail },
      'SOAP fault',
    );
    return { fault: err, ...faultHttpResponse(err) };
  }
  logger.error({ err }, 'SOAP handler failed');
  return { fault: new SoapFaultError('Receiver', 'internal error'), status: 500 };
}

function toSoapRequest(req: Request, res: Response, msg: ReadSoapMessage, body: Element): SoapRequest {
  const out: SoapRequest = {
    envelope: msg.envelope,
    body,
    attachments: msg.attachments,
    rawXml: msg.rawXml,
    httpHeaders: req.headers,
  };
  if (req.socket.remoteAddress !== undefined) out.remoteAddress = req.socket.remoteAddress;
  const tls = tlsInfo(req);
  if (tls) out.tls = tls;
  const deadlineAt: unknown = res.locals['deadlineAt'];
  if (typeof deadlineAt === 'number') out.deadlineAt = deadlineAt;
  return out;
}

/**
 * The response envelope the server sends for `answer` to a request whose wsa:MessageID is
 * `relatesTo` (SOAP 1.2; WS-Addressing 1.0: wsa:Action, wsa:MessageID, wsa:RelatesTo). Exported so
 * that a handler can record exactly what will be sent (give `answer.messageId` to make it so).
 */
export function responseEnvelope(
  relatesTo: string | undefined,
  answer: Pick<SoapResponse, 'action' | 'bodyXml' | 'headersXml' | 'messageId'>,
): string {
  const { head, body, tail } = responseEnvelopeParts(relatesTo, answer);
  return head + body + tail;
}

/**
 * {@link responseEnvelope} in pieces (envelope.ts buildSoapEnvelopeParts): a handler that records
 * the envelope hands these to the server as `SoapResponse.envelope`, so it is built once.
 */
export function responseEnvelopeParts(
  relatesTo: string | undefined,
  answer: Pick<SoapResponse, 'action' | 'bodyXml' | 'headersXml' | 'messageId'>,
): SoapEnvelopeParts {
  return buildSoapEnvelopeParts({
    action: answer.action,
    bodyXml: answer.bodyXml,
    ...(answer.messageId === undefined ? {} : { messageId: answer.messageId }),
    ...(relatesTo === undefined ? {} : { relatesTo }),
    ...(answer.headersXml === undefined ? {} : { headersXml: answer.headersXml }),
  });
}

/** Read, check and dispatch one request; `ctx.env` is set as soon as the envelope is read. */
async function dispatch(
  req: Request,
  res: Response,
  opts: SoapEndpointOptions,
  ctx: { env?: SoapEnvelope; rawXml?: string },
): Promise<void> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  // Header blocks are checked once the envelope is noted, so a fault can say which request it answers.
  const msg = readSoapMessage(raw, req.headers['content-type'], [], { enforceMustUnderstand: false });
  const env = (ctx.env = msg.envelope);
  ctx.rawXml = msg.rawXml;
  enforceHeaderBlocks(env, opts.understoodHeaders ?? []);
  if (
    msg.rootContentType &&
    parseContentType(msg.rootContentType).params.get('type') !== 'application/soap+xml'
  ) {
    opts.logger.warn(
      { rootContentType: msg.rootContentType },
      'MTOM root part is not typed application/soap+xml; accepted',
    );
  }
  checkRequest(env, opts.action, {
    contentType: req.headers['content-type'],
    rootContentType: msg.rootContentType,
  });
  const body = env.body;
  if (!body) throw new SoapFaultError('Sender', 'env:Body is empty');
  const answer = await opts.handler(toSoapRequest(req, res, msg, body));
  const envelope = answer.envelope ?? responseEnvelopeParts(env.addressing.messageId, answer);
  await sendAnswer(res, envelope, answer, opts.logger);
}

/**
 * The HTTP entity of `answer` with `envelope`: plain SOAP (its three pieces encoded apart, so a
 * large body is not first copied into one string of the whole envelope), MTOM held whole, or
 * streamed MTOM.
 */
function answerEntity(envelope: SoapEnvelopeParts, answer: SoapResponse): OutgoingEntity {
  const { head, body, tail } = envelope;
  if (answer.streamedAttachments)
    return buildStreamedMtom(head + body + tail, answer.streamedAttachments, { action: answer.action });
  if (answer.attachments && answer.attachments.length > 0) {
    const { contentType, chunks } = encodeSoapMessage(head + body + tail, answer.action, answer.attachments);
    return wholeEntity(contentType, chunks);
  }
  const chunks = [Buffer.from(head, 'utf8'), Buffer.from(body, 'utf8'), Buffer.from(tail, 'utf8')];
  return wholeEntity(soapXmlContentType(answer.action), chunks);
}

/**
 * Deliver `answer` with `envelope` (delivery.ts), then release its streamed parts (closeParts) whatever happened.
 * A failure before anything was sent is rethrown (the caller answers a SOAP fault); once the
 * status line is out, the connection is destroyed and the failure logged at warn, since the
 * client can only see an incomplete message.
 */
async function sendAnswer(
  res: Response,
  envelope: SoapEnvelopeParts,
  answer: SoapResponse,
  logger: Logger,
): Promise<void> {
  try {
    await deliver(res, 200, answerEntity(envelope, answer), answer.delivery);
  } catch (err) {
    if (!res.headersSent) throw err;
    if (!res.destroyed) res.destroy();
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'streamed MTOM response aborted after it started: the connection was closed',
    );
  } finally {
    if (answer.streamedAttachments) closeParts(answer.streamedAttachments);
  }
}

/**
 * An express 5 endpoint for one wsa:Action (SOAP 1.2 Part 2 §7 HTTP binding; WS-Addressing 1.0
 * SOAP Binding; ITI TF-2 Appendix V for MTOM). Mount with `app.all(path, ...createSoapEndpoint(o))`:
 * POST is the exchange, GET `?wsdl` the description.
 * Outcomes: 200 with the handler's answer (`application/soap+xml; charset=UTF-8; action="…"`, or
 * MTOM when it has attachments), wsa:RelatesTo = request wsa:MessageID; 413 Sender fault over
 * `maxBodyBytes`; 400 Sender faults for an empty body, an unsupported Content-Type, malformed
 * MTOM, XML that is not well-formed or has a DTD, a non-envelope, a missing env:Body element,
 * and every failure of request-checks.ts (wsa:Action missing or not served here, an `action`
 * media-type parameter that contradicts it, no wsa:MessageID, a non-anonymous wsa:ReplyTo or
 * wsa:FaultTo, not exactly one env:Body child); for other methods see endpoint-metadata.ts (the
 * WSDL on `GET ?wsdl` when `wsdl` is given, else 405 `Allow: POST`); 500 for VersionMismatch,
 * MustUnderstand and Receiver faults (a non-SoapFaultError from the handler becomes Receiver
 * "internal error", its stack logged, never sent). Faults carry wsa:RelatesTo whenever the
 * request's MessageID was read. Every exchange is logged at debug with action, status, durationMs.
 * Never throws.
 */
export function createSoapEndpoint(opts: SoapEndpointOptions): RequestHandler[] {
  const readBody = express.raw({ type: () => true, limit: opts.maxBodyBytes });
  const handle = async (req: Request, res: Response, readErr: unknown): Promise<void> => {
    const t0 = performance.now();
    const ctx: { env?: SoapEnvelope; rawXml?: string } = {};
    let out: FaultOut | undefined;
    if (readErr) {
      out = bodyReadFault(readErr, opts.maxBodyBytes);
      opts.logger.info(
        { status: out.status, reason: out.fault.reason, detail: out.fault.logDetail },
        'SOAP request body rejected',
      );
    } else {
      try {
        await dispatch(req, res, opts, ctx);
      } catch (err) {
        out = toFault(err, opts.logger);
      }
    }
    if (out) {
      if (opts.onFault && !res.headersSent) {
        const report: SoapFaultReport = { fault: out.fault, httpStatus: out.status };
        if (ctx.env) report.envelope = ctx.env;
        if (ctx.env && ctx.rawXml !== undefined) report.rawXml = ctx.rawXml;
        await opts
          .onFault(report, req, res)
          .catch((e: unknown) => opts.logger.error({ err: e }, 'could not record the SOAP fault'));
      }
      const relatesTo = ctx.env?.addressing.messageId ?? out.fault.requestMessageId;
      await sendFault(res, out, relatesTo).catch((e: unknown) =>
        opts.logger.warn({ err: e }, 'could not send SOAP fault'),
      );
    }
    const durationMs = Math.round((performance.now() - t0) * 1000) / 1000;
    opts.logger.debug(
      { action: ctx.env?.addressing.action ?? opts.action, status: res.statusCode, durationMs },
      'SOAP exchange',
    );
  };
  return [
    (req, res) => {
      if (req.method !== 'POST') {
        answerOtherMethod(req, res, opts.wsdl);
        return;
      }
      readBody(req, res, (err?: unknown) => {
        const gate = err ? undefined : opts.afterBodyRead;
        if (!gate) {
          void handle(req, res, err);
          return;
        }
        void gate(req, res).then(
          (go) => (go ? handle(req, res, undefined) : undefined),
          (e: unknown) => handle(req, res, e),
        );
      });
    },
  ];
}
