/**
 * The one HTTP client of nir-sim: every SOAP leg of the broker (ITI-38, ITI-39, RAD-75), the
 * FHIR AuditEvent forwarder to PARS, and the tools around them (the scenario runner's consumer,
 * the control API client, the CLI's PARS search and health probes) go through it. It is undici (`request` over an `Agent`):
 * keep-alive pools per origin, mutual TLS through the connector (one TLS context until the CRLs
 * change; TLS sessions resumed per origin when asked), AbortSignal deadlines, and an idle
 * keep-alive socket is checked for a pending FIN / RST before it is reused (so a peer that closed
 * it, e.g. a gateway re-provisioned with another certificate, costs no failed call). An idle
 * connection is let go before the server's keep-alive timeout would close it
 * (DEFAULT_KEEP_ALIVE_TIMEOUT_MS), so a request is not written into a connection the server is
 * closing; a request without an agent goes through one process-wide pool with the same bound.
 *
 * It knows HTTP and nothing above it: failures are classified into the few kinds a caller needs
 * (HttpTransportError), the protocol on top (soap/client.ts, audit/pars-client.ts) decides what a
 * status or a body means.
 */
import { Readable } from 'node:stream';
import { request } from 'undici';
import { HttpAgent } from './http-agent.js';

export {
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  HttpAgent,
  type ClientTls,
  type HttpAgentOptions,
} from './http-agent.js';

/**
 * The pool of requests made without an agent (control API client, scenario runner, CLI, health
 * probes): no connection limit, idle connections let go after DEFAULT_KEEP_ALIVE_TIMEOUT_MS (undici's
 * own global dispatcher keeps them 4 s, too close to a 5 s server). Made on first use; its idle
 * sockets do not keep the process alive (undici unrefs them).
 */
let sharedAgent: HttpAgent | undefined;
function defaultAgent(): HttpAgent {
  sharedAgent ??= new HttpAgent({});
  return sharedAgent;
}

/**
 * How an exchange failed below HTTP:
 * - `refused`: no connection (ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ENOTFOUND, EAI_AGAIN,
 *   EADDRNOTAVAIL) or the TLS handshake failed (a certificate error; see `code`).
 * - `timeout`: the AbortSignal fired, the connect timed out, or the peer sent nothing for the
 *   `idleTimeoutMs` of the request.
 * - `reset`: the connection broke after it was made (ECONNRESET, EPIPE, the peer closed it early).
 * - `too-large`: the response body exceeds the reader's byte limit.
 */
export type HttpTransportErrorKind = 'refused' | 'timeout' | 'reset' | 'too-large';

/** A failed exchange; `code` is the Node / OpenSSL / undici code when there was one. */
export class HttpTransportError extends Error {
  override readonly name = 'HttpTransportError';
  readonly code?: string;
  /** The HTTP status, when the failure came after the response head (`too-large`, `reset`). */
  readonly httpStatus?: number;

  constructor(
    readonly kind: HttpTransportErrorKind,
    message: string,
    opts: { code?: string; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    if (opts.code !== undefined) this.code = opts.code;
    if (opts.httpStatus !== undefined) this.httpStatus = opts.httpStatus;
  }
}

/** One request (RFC 9110 §9.3: GET, POST, PUT, PATCH, DELETE). */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: URL;
  /** Request headers; with a body of several chunks `content-length` should be among them (else chunked). */
  headers?: Record<string, string>;
  /** The body, sent in order (several chunks are not concatenated); absent or empty: none. */
  body?: readonly Buffer[];
  /** Aborting it ends the exchange, also while the response body is read. */
  signal?: AbortSignal;
  /** The pool; when absent, one process-wide pool (no connection limit, the default keep-alive bound). */
  agent?: HttpAgent;
  /** Longest wait for the response head, ms; absent or 0: none (the signal is the deadline). */
  idleTimeoutMs?: number;
}

/** One POST. */
export interface HttpPost extends Omit<HttpRequest, 'method' | 'headers' | 'body'> {
  /** Request headers; `content-length` should be among them (else the body is sent chunked). */
  headers: Record<string, string>;
  /** The body, sent in order (several chunks are not concatenated). */
  body: readonly Buffer[];
}

/** The response head, and the body still to read (read it to its end, or destroy it). */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

const REFUSED: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);
const TLS_CODE =
  /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|CRL_|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE)/;
const IDLE: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The `timeout` error of an exchange whose AbortSignal fired. */
export function abortedError(signal: AbortSignal): HttpTransportError {
  const r: unknown = signal.reason;
  const why = r instanceof Error ? r.name : String(r);
  return new HttpTransportError('timeout', `the call was aborted (${why})`, { cause: r });
}

/**
 * Classify what an exchange failed with (see HttpTransportErrorKind); an HttpTransportError is
 * returned as it is, a fired `signal` wins over the error's own kind.
 */
export function classifyTransportError(err: unknown, signal?: AbortSignal): HttpTransportError {
  if (err instanceof HttpTransportError) return err;
  if (signal?.aborted) return abortedError(signal);
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? '';
  const base = { cause: err, ...(code ? { code } : {}) };
  if (REFUSED.has(code)) return new HttpTransportError('refused', `connection failed: ${code}`, base);
  if (TLS_CODE.test(code))
    return new HttpTransportError('refused', `TLS handshake failed: ${code}: ${e.message}`, base);
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return new HttpTransportError('timeout', `connect timed out (${code})`, base);
  if (IDLE.has(code)) return new HttpTransportError('timeout', `the peer fell silent (${code})`, base);
  if (code === 'UND_ERR_ABORTED') return new HttpTransportError('timeout', 'the call was aborted', base);
  if (code === 'UND_ERR_SOCKET')
    return new HttpTransportError('reset', `connection broken: ${e.message}`, base);
  return new HttpTransportError('reset', `connection broken: ${code || e.message}`, base);
}

/** The `timeout` error of a peer silent for `ms`. */
function idleError(ms: number): HttpTransportError {
  return new HttpTransportError('timeout', `no answer within ${ms} ms`);
}

/**
 * Send one POST and resolve with the response head (any status); the body is left to read.
 * `idleTimeoutMs` bounds the wait for the head here (readBody bounds the body's silences).
 * @throws HttpTransportError `refused`, `timeout` or `reset` (no response head arrived).
 * @throws TypeError for a URL that is not http: / https:.
 */
export async function httpPost(p: HttpPost): Promise<HttpAnswer> {
  checkScheme('httpPost', p.url);
  return httpRequest({ ...p, method: 'POST' });
}

/**
 * Send one request and resolve with the response head (any status); the body is left to read
 * (readBody, or {@link httpExchange} for both in one call). A GET, or any request through an agent
 * made with `resendOnStaleConnection`, whose reused keep-alive connection the server had closed
 * before any response head is sent once more (see staleConnection); any other request (a POST may
 * have been received) fails then with `reset`, never sent twice.
 * @throws HttpTransportError `refused`, `timeout` or `reset` (no response head arrived).
 * @throws TypeError for a URL that is not http: / https:.
 */
export async function httpRequest(p: HttpRequest): Promise<HttpAnswer> {
  checkScheme('httpRequest', p.url);
  if (p.signal?.aborted) throw abortedError(p.signal);
  const idle = p.idleTimeoutMs ?? 0;
  // undici's own headers / body timeouts tick at 0.5 s; a native timer keeps short ones exact.
  const silence = idle > 0 ? new AbortController() : undefined;
  const timer = silence ? setTimeout(() => silence.abort(idleError(idle)), idle) : undefined;
  const signals = [p.signal, silence?.signal].filter((x): x is AbortSignal => x !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  const agent = p.agent ?? defaultAgent();
  // GET is safe (RFC 9110 §9.2.1); other methods only when the pool says its requests are.
  const resend = p.method === 'GET' || agent.resendOnStaleConnection;
  const send = () =>
    request(p.url, {
      method: p.method,
      ...(p.headers ? { headers: p.headers } : {}),
      ...(p.body && p.body.length > 0
        ? { body: p.body.length === 1 ? p.body[0]! : Readable.from(p.body, { objectMode: false }) }
        : {}),
      headersTimeout: 0,
      bodyTimeout: 0,
      ...(signal ? { signal } : {}),
      dispatcher: agent.dispatcher,
    });
  try {
    const res = await send().catch((err: unknown) => {
      if (!resend || !staleConnection(err) || signal?.aborted) throw err;
      return send();
    });
    // Whoever reads the body sees its errors; destroying it unread (a cap, a close) must not
    // leave an 'error' event without a listener (undici emits one, which would crash the process).
    res.body.on('error', () => undefined);
    return { status: res.statusCode, headers: res.headers, body: res.body };
  } catch (err) {
    if (silence?.signal.aborted && !p.signal?.aborted) throw idleError(idle);
    throw classifyTransportError(err, p.signal);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * True for undici's failure of a request whose kept-alive connection the server closed (FIN)
 * before the response head, on a connection that had carried earlier answers (it had read bytes):
 * the server's keep-alive timeout closed it as the request was written, so the server never
 * processed the request (RFC 9112 §9.3.1 lets a client resend an idempotent one). A new
 * connection closed unanswered (bytesRead 0) and a reset (ECONNRESET) are real failures.
 */
function staleConnection(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; socket?: { bytesRead?: unknown } };
  const bytesRead = e.socket?.bytesRead;
  return (
    e.code === 'UND_ERR_SOCKET' &&
    e.message === 'other side closed' &&
    typeof bytesRead === 'number' &&
    bytesRead > 0
  );
}

/** @throws TypeError for a URL that is not http: / https:. */
function checkScheme(caller: string, url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`${caller}: unsupported URL scheme ${url.protocol}`);
}

/** Options of {@link readBody}. */
export interface ReadBodyOptions {
  /** The exchange's deadline: when it fired, the failure is its `timeout`. */
  signal?: AbortSignal;
  /** Longest silence between body chunks, ms; absent or 0: none. */
  idleTimeoutMs?: number;
}

/**
 * Read a response body to its end, within `maxBytes` (a declared Content-Length over it fails
 * before reading).
 * @throws HttpTransportError `too-large`; `reset` when the connection closed before the body was
 *   complete; `timeout` when the signal fired or the peer fell silent for `idleTimeoutMs`.
 */
export async function readBody(a: HttpAnswer, maxBytes: number, o: ReadBodyOptions = {}): Promise<Buffer> {
  const status = { httpStatus: a.status };
  if (Number(a.headers['content-length']) > maxBytes) {
    a.body.destroy();
    throw new HttpTransportError('too-large', `the response declares more than ${maxBytes} bytes`, status);
  }
  const idle = o.idleTimeoutMs ?? 0;
  const timer = idle > 0 ? setTimeout(() => a.body.destroy(idleError(idle)), idle) : undefined;
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of a.body) {
      timer?.refresh();
      const chunk = c as Buffer;
      n += chunk.length;
      if (n > maxBytes) {
        a.body.destroy();
        throw new HttpTransportError('too-large', `the response exceeds ${maxBytes} bytes`, status);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HttpTransportError) throw err;
    if (o.signal?.aborted) throw abortedError(o.signal);
    const e = classifyTransportError(err);
    if (e.kind !== 'reset') throw e;
    throw new HttpTransportError('reset', 'the connection closed before the response was complete', {
      ...status,
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks, n);
}

/** An answer read whole. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Send one request and read its answer whole, within `maxBytes` (any status). The request's
 * `signal` is the deadline of both; `idleTimeoutMs` bounds each silence (head and body).
 * @throws HttpTransportError `refused`, `timeout`, `reset`, or `too-large` past `maxBytes`.
 * @throws TypeError for a URL that is not http: / https:.
 */
export async function httpExchange(p: HttpRequest, maxBytes: number): Promise<HttpResponse> {
  const a = await httpRequest(p);
  const body = await readBody(a, maxBytes, {
    ...(p.signal ? { signal: p.signal } : {}),
    ...(p.idleTimeoutMs !== undefined ? { idleTimeoutMs: p.idleTimeoutMs } : {}),
  });
  return { status: a.status, headers: a.headers, body };
}

/** A JSON request body (RFC 8259) with its `content-type`, for {@link HttpRequest}. */
export function jsonBody(value: unknown): Pick<Required<HttpRequest>, 'headers' | 'body'> {
  return {
    headers: { 'content-type': 'application/json' },
    body: [Buffer.from(JSON.stringify(value), 'utf8')],
  };
}

/**
 * The body of an answer as JSON (RFC 8259, UTF-8).
 * @throws SyntaxError when it is not JSON.
 */
export function parseJsonBody(r: HttpResponse): unknown {
  return JSON.parse(r.body.toString('utf8'));
}

/** Largest health answer read by {@link httpProbe}, bytes (64 KiB: a health answer is a line of JSON). */
const MAX_PROBE_BYTES = 64 * 1024;

/**
 * GET `url` (a health endpoint) and read its answer within 64 KiB and `timeoutMs` (ms).
 * @returns the HTTP status, or undefined when no whole answer came (refused, timed out, reset,
 *   too large, or a URL that is not http: / https:). Never throws.
 */
export async function httpProbe(url: string, timeoutMs: number): Promise<number | undefined> {
  try {
    const r = await httpExchange(
      { method: 'GET', url: new URL(url), signal: AbortSignal.timeout(timeoutMs) },
      MAX_PROBE_BYTES,
    );
    return r.status;
  } catch {
    return undefined;
  }
}
