/**
 * The connection pools of the HTTP client (transport/http-client.ts): an undici `Agent` with
 * keep-alive connections per origin (an idle one let go before the server would close it, RFC 9112
 * §9.3), mutual TLS over one TLS context (rebuilt only when the CRLs change), and TLS session
 * resumption per origin (RFC 8446 §2.2).
 */
import type { EventEmitter } from 'node:events';
import { createSecureContext, type SecureContext, type SecureVersion } from 'node:tls';
import { Agent, buildConnector, type Dispatcher } from 'undici';

/** Client-side TLS of an agent (RFC 8446; Node `tls.createSecureContext` options), all PEM text. */
export interface ClientTls {
  /** Trusted CAs of the servers. */
  caPem: string[];
  /** The client certificate and key for mutual TLS. */
  certPem?: string;
  keyPem?: string;
  /** Certificate revocation lists checked against the server's chain (RFC 5280 §5). */
  crlPem?: string[];
  /** Lowest protocol version accepted; default TLSv1.2. */
  minVersion?: SecureVersion;
}

/**
 * Longest a pooled connection stays idle before the client closes it, ms (2 s). A server closes an
 * idle keep-alive connection on its own timer (5 s for every nir-sim listener and Node's default;
 * docs/limits.md), and a request written as that timer fires is lost with "other side closed"
 * (RFC 9112 §9.3.1). undici keeps a connection 4 s when the server sends no `Keep-Alive: timeout`
 * hint and the hint minus 2 s when it does; this bound applies to both, so the client lets go
 * first with a margin of 3 s against a 5 s server.
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 2_000;

/** Options of {@link HttpAgent}. */
export interface HttpAgentOptions {
  /** Most sockets per origin (scheme, host, port); absent: no limit. */
  connections?: number;
  /**
   * Longest idle time of a pooled connection, ms (an integer >= 1); a server's `Keep-Alive:
   * timeout` hint shortens it (to the hint minus 2 s) but never lengthens it. Keep it well below
   * the servers' keep-alive timeout. Default {@link DEFAULT_KEEP_ALIVE_TIMEOUT_MS}.
   */
  keepAliveTimeoutMs?: number;
  /** TLS for https: origins; without it the platform's CAs are trusted and no client certificate is sent. */
  tls?: ClientTls;
  /**
   * Origins (host and port) whose latest TLS session is kept for resumption (RFC 8446 §2.2 and
   * §4.6.1 tickets, RFC 5077), least recently used dropped first; 0 (the default) makes every new
   * connection a full handshake. A resumed connection does not present the server's certificate
   * again: it is the one verified when the session was made. `reloadCrls` forgets every session,
   * and a server that changes its certificate or CRLs must stop honouring its old tickets (a
   * node:tls server does: each `setSecureContext` has new ticket keys).
   */
  maxCachedSessions?: number;
  /**
   * Every request through this pool (POST included) is safe to send twice (idempotent, RFC 9110 §9.2.2: e.g. the
   * broker's XCA queries and retrieves). A request whose reused keep-alive connection turns out
   * closed by the server before any response head (the server's keep-alive timeout met the reuse)
   * is then sent once more (RFC 9112 §9.3.1), see transport/http-client.ts. Default false: only
   * GET requests are sent again then (a safe method, RFC 9110 §9.2.1).
   */
  resendOnStaleConnection?: boolean;
}

/** undici's connector signature (`Agent` option `connect`). */
type Connect = buildConnector.connector;

/**
 * A keep-alive connection pool per origin, for http: and https: alike, with TLS session
 * resumption per origin when `maxCachedSessions` > 0. The TLS context (certificates, CAs, CRLs)
 * is built once and shared by every connection until `reloadCrls`; `close` drops every socket
 * (call it on shutdown so no socket keeps the process alive).
 */
export class HttpAgent {
  /** The undici dispatcher the requests go through. */
  readonly dispatcher: Dispatcher;
  /** Requests may be sent again after a stale keep-alive connection (HttpAgentOptions). */
  readonly resendOnStaleConnection: boolean;
  #tls: ClientTls | undefined;
  #secureContext: SecureContext | undefined;
  /** Connector without a session to offer (http:, and https: when nothing is cached). */
  #connect: Connect;
  readonly #maxCachedSessions: number;
  /** Latest session per `host:port`, oldest use first (Map order). */
  readonly #sessions = new Map<string, Buffer>();

  constructor(o: HttpAgentOptions) {
    this.#tls = o.tls;
    this.#maxCachedSessions = o.maxCachedSessions ?? 0;
    this.resendOnStaleConnection = o.resendOnStaleConnection ?? false;
    if (!Number.isInteger(this.#maxCachedSessions) || this.#maxCachedSessions < 0)
      throw new RangeError('maxCachedSessions must be an integer >= 0');
    const keepAlive = o.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS;
    if (!Number.isInteger(keepAlive) || keepAlive < 1)
      throw new RangeError('keepAliveTimeoutMs must be an integer >= 1');
    this.#secureContext = secureContextOf(o.tls);
    this.#connect = this.#connector();
    this.dispatcher = new Agent({
      connections: o.connections ?? null,
      // Without a hint: keepAliveTimeout. With one: min(hint - 2 s threshold, keepAliveMaxTimeout).
      keepAliveTimeout: keepAlive,
      keepAliveMaxTimeout: keepAlive,
      connect: (opts, callback) => this.#connectTo(opts, callback),
    });
  }

  /**
   * New connections check the server's chain against `crlPem` from now on (open ones stay); the
   * cached TLS sessions are forgotten, so the next connection to each server is a full handshake
   * verified against these CRLs.
   * @throws Error when a CRL cannot be loaded; the previous CRLs stay in force then.
   */
  reloadCrls(crlPem: string[]): void {
    if (!this.#tls) return;
    const tls = { ...this.#tls, crlPem };
    const secureContext = secureContextOf(tls);
    this.#tls = tls;
    this.#secureContext = secureContext;
    this.#connect = this.#connector();
    this.#sessions.clear();
  }

  /** Destroy every pooled socket and refuse further requests. */
  close(): Promise<void> {
    this.#sessions.clear();
    return this.dispatcher.destroy();
  }

  /** Open one connection, offering the origin's cached TLS session if there is one. */
  #connectTo(opts: buildConnector.Options, callback: buildConnector.Callback): void {
    if (this.#maxCachedSessions === 0 || opts.protocol !== 'https:') return this.#connect(opts, callback);
    const key = `${opts.hostname}:${opts.port}`;
    const session = this.#sessions.get(key);
    const connect = session ? this.#connector(session) : this.#connect;
    const context = this.#secureContext;
    // undici's connector returns the socket it opened (its type says void); a TLS 1.2 ticket can
    // arrive before the callback runs, so the listener goes on the socket at once.
    const socket = connect(opts, callback) as unknown as EventEmitter | undefined;
    // The server sends its tickets after the handshake (RFC 8446 §4.6.1; RFC 5077 §3.3 in TLS
    // 1.2): keep the latest, unless the CRLs changed since this connection started.
    socket?.on('session', (s: Buffer) => {
      if (this.#secureContext === context) this.#remember(key, s);
    });
  }

  #remember(key: string, session: Buffer): void {
    this.#sessions.delete(key);
    this.#sessions.set(key, session);
    if (this.#sessions.size > this.#maxCachedSessions)
      this.#sessions.delete(this.#sessions.keys().next().value!);
  }

  /** undici's connector over the current TLS context; `session` is offered for resumption. */
  #connector(session?: Buffer): Connect {
    return buildConnector({
      // undici's own cache is keyed by server name, which all of 127.0.0.1's ports share; ours is per origin.
      maxCachedSessions: 0,
      ...(this.#secureContext ? { secureContext: this.#secureContext } : {}),
      ...(session ? { session } : {}),
    });
  }
}

/** @throws Error when the TLS material cannot be loaded (bad PEM, CRL). */
function secureContextOf(t: ClientTls | undefined): SecureContext | undefined {
  return t
    ? createSecureContext({
        ca: t.caPem,
        ...(t.certPem !== undefined ? { cert: t.certPem } : {}),
        ...(t.keyPem !== undefined ? { key: t.keyPem } : {}),
        ...(t.crlPem !== undefined ? { crl: t.crlPem } : {}),
        minVersion: t.minVersion ?? 'TLSv1.2',
      })
    : undefined;
}
