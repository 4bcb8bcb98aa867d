/**
 * The mutual-TLS listener (simulator/security/https-listen.ts) with clients that resume TLS
 * sessions: a resumed connection is admitted with the peer verified when its session was made,
 * and a CRL update (`reload`) takes effect for every new connection, also for a client that still
 * holds a session ticket from before it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../shared/logger.js';
import { HttpAgent, HttpTransportError, httpExchange } from '../transport/http-client.js';
import { listenHttps, type HttpsListener } from './https-listen.js';
import { mintCa, mintCrl, mintLeaf, serialOf } from './pki.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setUp(): Promise<{
  listener: HttpsListener;
  agent: HttpAgent;
  url: URL;
  handshakes: string[];
  rejected: string[];
  revokeClient: () => Promise<void>;
}> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-https-listen-'));
  closers.push(() => rmSync(dir, { recursive: true, force: true }));
  const ca = await mintCa({ subject: 'CN=listener test CA' });
  const server = await mintLeaf({ subject: 'CN=localhost', usage: 'server', issuer: ca, ips: ['127.0.0.1'] });
  const client = await mintLeaf({ subject: 'CN=client', usage: 'client', issuer: ca });
  const crlFile = path.join(dir, 'ca.crl.pem');
  writeFileSync(crlFile, await mintCrl({ issuer: ca, revoked: [] }));
  const handshakes: string[] = [];
  const rejected: string[] = [];
  const listener = await listenHttps({
    app: (req, res) => {
      const socket = req.socket as TLSSocket;
      handshakes.push(`${socket.isSessionReused() ? 'resumed' : 'full'} ${socket.authorized}`);
      // Every request on a new connection, so each one shows a handshake.
      res.writeHead(200, { connection: 'close', 'content-type': 'text/plain' }).end('ok');
    },
    host: '127.0.0.1',
    port: 0,
    what: 'test listener',
    material: { certPem: server.certPem, keyPem: server.keyPem, caPem: ca.certPem, crlFiles: [crlFile] },
    logger: silentLogger(),
    onReject: (r) => rejected.push(`${r.check.problem} ${r.check.code} ${r.check.subject ?? ''}`),
  });
  closers.push(() => listener.close());
  const agent = new HttpAgent({
    connections: 1,
    maxCachedSessions: 8,
    tls: { caPem: [ca.certPem], certPem: client.certPem, keyPem: client.keyPem },
  });
  closers.push(() => agent.close());
  return {
    listener,
    agent,
    url: new URL(`https://127.0.0.1:${listener.port}/`),
    handshakes,
    rejected,
    revokeClient: async () =>
      writeFileSync(crlFile, await mintCrl({ issuer: ca, revoked: [serialOf(client.certPem)] })),
  };
}

describe('listenHttps: session resumption and CRL updates', () => {
  it('admits resumed sessions; after a CRL update revoking the client, a new connection is verified again and refused', async () => {
    const t = await setUp();
    const get = () => httpExchange({ method: 'GET', url: t.url, agent: t.agent }, 1024);
    for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
    expect(t.handshakes).toEqual(['full true', 'resumed true', 'resumed true']);

    await t.revokeClient();
    t.listener.reload();
    // The agent still holds the session of its last connection and offers it.
    const err = await get().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HttpTransportError);
    expect((err as HttpTransportError).kind).toBe('reset');
    expect(t.rejected).toEqual(['revoked CERT_REVOKED client']);
    expect(t.handshakes).toHaveLength(3);
  });
});

describe('listenHttps: the peer certificate of a connection', () => {
  it('is read once per connection (the same object on every request of a kept-alive connection); a detailed read still shows the chain', async () => {
    const ca = await mintCa({ subject: 'CN=listener test CA' });
    const server = await mintLeaf({
      subject: 'CN=localhost',
      usage: 'server',
      issuer: ca,
      ips: ['127.0.0.1'],
    });
    const client = await mintLeaf({ subject: 'CN=client', usage: 'client', issuer: ca });
    const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-https-listen-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const crlFile = path.join(dir, 'ca.crl.pem');
    writeFileSync(crlFile, await mintCrl({ issuer: ca, revoked: [] }));
    const seen: { socket: TLSSocket; cert: object; cn: unknown; issuer: unknown }[] = [];
    const listener = await listenHttps({
      app: (req, res) => {
        const socket = req.socket as TLSSocket;
        const cert = socket.getPeerCertificate();
        const detailed = socket.getPeerCertificate(true);
        seen.push({ socket, cert, cn: cert.subject.CN, issuer: detailed.issuerCertificate.subject.CN });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      },
      host: '127.0.0.1',
      port: 0,
      what: 'test listener',
      material: { certPem: server.certPem, keyPem: server.keyPem, caPem: ca.certPem, crlFiles: [crlFile] },
      logger: silentLogger(),
    });
    closers.push(() => listener.close());
    const agent = new HttpAgent({
      connections: 1,
      tls: { caPem: [ca.certPem], certPem: client.certPem, keyPem: client.keyPem },
    });
    closers.push(() => agent.close());
    const url = new URL(`https://127.0.0.1:${listener.port}/`);
    for (let i = 0; i < 3; i++)
      expect((await httpExchange({ method: 'GET', url, agent }, 1024)).status).toBe(200);
    expect(seen.map((s) => [s.cn, s.issuer])).toEqual(Array(3).fill(['client', 'listener test CA']));
    expect(seen[1]!.socket).toBe(seen[0]!.socket); // one kept-alive connection
    expect(seen[1]!.cert).toBe(seen[0]!.cert);
    expect(seen[2]!.cert).toBe(seen[0]!.cert);
  });
});
