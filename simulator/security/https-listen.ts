/**
 * An HTTPS listener that requires a client certificate (mutual TLS) and admits only peers whose
 * chain verifies against the trusted CAs with CRL checking. A peer that fails is told nothing:
 * the socket is destroyed right after the handshake, before any HTTP request is read, and the
 * reason (revoked, expired, unknown CA, no certificate...) goes to the caller's `onReject`.
 * The secure context (certificates, CAs, parsed CRLs) is built once and rebuilt only by `reload`,
 * so a handshake costs no CRL parsing; clients may resume their sessions (TLS 1.3 tickets, RFC
 * 8446 §4.6.1) until the next `reload`, and a resumed session keeps the verification result of
 * the handshake that made it.
 */
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import type { DetailedPeerCertificate, PeerCertificate, TLSSocket } from 'node:tls';
import { SimError, SimErrorCode } from '../shared/errors.js';
import {
  applyListenerLimits,
  listenerServerOptions,
  type ListenerLimits,
} from '../shared/listener-limits.js';
import type { Logger } from '../shared/logger.js';
import {
  checkPeer,
  mtlsServerOptions,
  secureContextOptions,
  type MtlsMaterial,
  type PeerCheck,
} from './tls.js';

/** Size of a node:tls server's session ticket keys, bytes (`server.setTicketKeys`). */
const TICKET_KEYS_BYTES = 48;

/** A refused TLS client, for logs and audit. */
interface RejectedPeer {
  check: Extract<PeerCheck, { ok: false }>;
  remoteAddress?: string;
}

/** A listening mTLS server. */
export interface HttpsListener {
  server: https.Server;
  port: number;
  /**
   * Re-read the CRLs (and certificates) and use them for new connections (`setSecureContext`; no
   * restart). The session ticket keys change with them, so no client resumes a session made
   * before (RFC 8446 §2.2: a resumed session skips certificate verification): each is verified
   * again. @throws Error when a file cannot be read or parsed; the previous context stays.
   */
  reload(m?: MtlsMaterial): void;
  close(): Promise<void>;
}

/** Options of {@link listenHttps}. */
interface ListenHttpsOptions {
  app: RequestListener;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Names the listener in errors, e.g. `broker integration`. */
  what: string;
  material: MtlsMaterial;
  logger: Logger;
  /** Called for each refused peer, after it was logged. */
  onReject?: (r: RejectedPeer) => void;
  /** Over DEFAULT_LISTENER_LIMITS (shared/listener-limits.ts). */
  limits?: Partial<ListenerLimits>;
}

/**
 * Listen with HTTPS + mutual TLS (TLS 1.2+, client certificate required, CRLs for every CA).
 * @throws SimError SIM_ERR_PORT_IN_USE when the port is taken or needs privileges.
 * @throws Error when the material cannot be loaded (unreadable CRL, bad PEM).
 */
export async function listenHttps(opts: ListenHttpsOptions): Promise<HttpsListener> {
  let material = opts.material;
  const server = https.createServer(
    { ...listenerServerOptions(opts.limits), ...mtlsServerOptions(material) },
    opts.app,
  );
  applyListenerLimits(server, opts.limits);
  // First listener, ahead of the HTTP layer's own: a refused peer's socket is destroyed before
  // any request on it is parsed.
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    const check = checkPeer(socket);
    if (check.ok) {
      keepPeerCertificate(socket);
      return;
    }
    const remoteAddress = socket.remoteAddress;
    opts.logger.warn(
      {
        listener: opts.what,
        problem: check.problem,
        code: check.code,
        subject: check.subject,
        remoteAddress,
      },
      'TLS client refused',
    );
    socket.destroy();
    opts.onReject?.({ check, ...(remoteAddress !== undefined ? { remoteAddress } : {}) });
  });
  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
    opts.logger.info(
      { listener: opts.what, code: err.code, reason: err.message, remoteAddress: socket.remoteAddress },
      'TLS handshake failed',
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(portError(err, opts.port, opts.what)));
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    reload: (m) => {
      const next = m ?? material;
      server.setSecureContext(secureContextOptions(next));
      server.setTicketKeys(randomBytes(TICKET_KEYS_BYTES));
      material = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Read the peer's certificate once per connection: node:tls builds a new object from the X.509
 * certificate on every getPeerCertificate() call, which the SOAP layer makes for each request (a
 * measurable share of a gateway's CPU per leg). The certificate cannot change while the connection
 * lasts once renegotiation is refused (TLS 1.2 renegotiation, RFC 5746, could present another
 * one; TLS 1.3 has none, RFC 8446 §4.1), so the listener refuses it. A detailed read (the chain,
 * `getPeerCertificate(true)`) still goes to node:tls.
 */
function keepPeerCertificate(socket: TLSSocket): void {
  socket.disableRenegotiation();
  const read = socket.getPeerCertificate.bind(socket);
  let plain: PeerCertificate | undefined;
  const kept = (detailed?: boolean): PeerCertificate | DetailedPeerCertificate =>
    detailed ? read(true) : (plain ??= read());
  socket.getPeerCertificate = kept as TLSSocket['getPeerCertificate'];
}

function portError(err: NodeJS.ErrnoException, port: number, what: string): Error {
  if (err.code === 'EADDRINUSE')
    return new SimError(
      SimErrorCode.PortInUse,
      `port ${port} (${what}) is in use: stop what holds it or pass --port-base with a free range`,
    );
  if (err.code === 'EACCES')
    return new SimError(
      SimErrorCode.PortInUse,
      `port ${port} (${what}) needs privileges: pass --port-base above 1024`,
    );
  return err;
}
