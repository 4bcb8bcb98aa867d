/**
 * The one HTTP client (simulator/transport/http-client.ts): keep-alive pools that close on
 * shutdown, mutual TLS with CRLs reloaded for new connections, a peer that closed a pooled
 * socket, idle timeouts, bounded body reading and the classification of failures.
 */
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { listenOnPort0 } from '../../test/helpers/listen.js';
import { afterEach, describe, expect, it } from 'vitest';
import { mintCa, mintCrl, mintLeaf, serialOf } from '../security/pki.js';
import {
  HttpAgent,
  HttpTransportError,
  httpExchange,
  httpPost,
  httpProbe,
  httpRequest,
  jsonBody,
  parseJsonBody,
  readBody,
  type HttpAnswer,
  type HttpPost,
} from './http-client.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

type AnyServer = http.Server | https.Server;

/** Listen on 127.0.0.1:0; the sockets it accepted are kept (to count and to drop them). */
/** A CA, a server certificate for 127.0.0.1, a client certificate and an empty CRL, all from that CA. */
async function transportPki() {
  const ca = await mintCa({ subject: 'CN=transport test CA' });
  const server = await mintLeaf({ subject: 'CN=localhost', usage: 'server', issuer: ca, ips: ['127.0.0.1'] });
  const client = await mintLeaf({ subject: 'CN=client', usage: 'client', issuer: ca });
  const none = await mintCrl({ issuer: ca, revoked: [] });
  return { ca, server, client, none };
}

async function serve<S extends AnyServer>(
  server: S,
): Promise<{ server: S; port: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  server.on('connection', (s: net.Socket) => sockets.push(s));
  const { port, close } = await listenOnPort0(server);
  closers.push(close);
  return { server, port, sockets };
}

function agent(o: ConstructorParameters<typeof HttpAgent>[0]): HttpAgent {
  const a = new HttpAgent(o);
  closers.push(() => a.close());
  return a;
}

const post = (url: string, extra: Partial<HttpPost> = {}): Promise<HttpAnswer> =>
  httpPost({
    url: new URL(url),
    headers: { 'content-type': 'text/plain', 'content-length': '5' },
    body: [Buffer.from('hello')],
    ...extra,
  });

/** The whole body of a POST as text, with its status. */
async function exchange(url: string, extra: Partial<HttpPost> = {}): Promise<[number, string]> {
  const a = await post(url, extra);
  return [a.status, (await readBody(a, 1024)).toString('utf8')];
}

async function failure(p: Promise<unknown>): Promise<HttpTransportError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof HttpTransportError) return err;
    throw err;
  }
  throw new Error('expected an HttpTransportError');
}

const echo: http.RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => res.writeHead(200).end(`got ${Buffer.concat(chunks).toString('utf8')}`));
};

describe('HttpAgent: keep-alive pool', () => {
  it('reuses its connections for sequential requests, sends several chunks in order, and close() drops them', async () => {
    const { port, sockets } = await serve(http.createServer(echo));
    const a = agent({ connections: 4 });
    const url = `http://127.0.0.1:${port}/x`;
    const answers: [number, string][] = [];
    for (let i = 0; i < 3; i++) answers.push(await exchange(url, { agent: a }));
    answers.push(
      await exchange(url, {
        agent: a,
        headers: { 'content-length': '11' },
        body: [Buffer.from('hello'), Buffer.from(' '), Buffer.from('again')],
      }),
    );
    expect(answers).toEqual([
      [200, 'got hello'],
      [200, 'got hello'],
      [200, 'got hello'],
      [200, 'got hello again'],
    ]);
    // undici checks an idle socket for a FIN before reusing it; a request that arrives meanwhile
    // may open a second connection, never one per request.
    expect(sockets.length).toBeLessThan(answers.length);
    const closed = Promise.all(sockets.map((s) => once(s, 'close')));
    await a.close();
    await closed;
    expect(sockets.every((s) => s.destroyed)).toBe(true);
  });
});

describe('HttpAgent: a stale keep-alive connection (RFC 9112 §9.3.1)', () => {
  /**
   * A server that answers the first request of each connection and treats the second as its
   * keep-alive timeout would at the moment of reuse: `second` closes the connection unanswered.
   */
  async function closingOnReuse(second: (s: net.Socket) => void) {
    const seen: number[] = [];
    const served = await serve(
      http.createServer((req, res) => {
        const n = served.sockets.indexOf(req.socket);
        seen.push(n);
        if (seen.filter((x) => x === n).length > 1) second(req.socket);
        else echo(req, res);
      }),
    );
    return { url: `http://127.0.0.1:${served.port}/x`, seen };
  }
  const fin = (s: net.Socket): void => void s.end();
  const rst = (s: net.Socket): void => void s.resetAndDestroy();

  it('resends once on a new connection when the pool allows it and the reused connection was closed before any answer', async () => {
    const { url, seen } = await closingOnReuse(fin);
    const a = agent({ connections: 1, resendOnStaleConnection: true });
    expect([await exchange(url, { agent: a }), await exchange(url, { agent: a })]).toEqual([
      [200, 'got hello'],
      [200, 'got hello'],
    ]);
    // connection 0 answered, then closed on reuse; the request went again on connection 1
    expect(seen).toEqual([0, 0, 1]);
  });

  it('resends a GET (a safe method) once without the pool option; the POST after it is not resent', async () => {
    const { url, seen } = await closingOnReuse(fin);
    const a = agent({ connections: 1 });
    const get = (): Promise<number> =>
      httpExchange({ method: 'GET', url: new URL(url), agent: a }, 1024).then((r) => r.status);
    expect([await get(), await get()]).toEqual([200, 200]);
    const stale = await failure(post(url, { agent: a }));
    // connection 0 answered then closed on reuse; the GET went again on 1, which closed the POST
    expect([stale.kind, stale.message, seen]).toEqual([
      'reset',
      'connection broken: other side closed',
      [0, 0, 1, 1],
    ]);
  });

  it('does not resend without the pool option, on a new connection closed unanswered, nor after a reset', async () => {
    const plain = await closingOnReuse(fin);
    const a = agent({ connections: 1 });
    await exchange(plain.url, { agent: a });
    const stale = await failure(post(plain.url, { agent: a }));
    expect([stale.kind, stale.message, plain.seen]).toEqual([
      'reset',
      'connection broken: other side closed',
      [0, 0],
    ]);

    const fresh = await serve(http.createServer((req) => fin(req.socket)));
    const b = agent({ connections: 1, resendOnStaleConnection: true });
    const closed = await failure(post(`http://127.0.0.1:${fresh.port}/x`, { agent: b }));
    expect([closed.kind, closed.message, fresh.sockets.length]).toEqual([
      'reset',
      'connection broken: other side closed',
      1,
    ]);

    const reset = await closingOnReuse(rst);
    const c = agent({ connections: 1, resendOnStaleConnection: true });
    await exchange(reset.url, { agent: c });
    const broken = await failure(post(reset.url, { agent: c }));
    expect([broken.kind, broken.code, reset.seen]).toEqual(['reset', 'ECONNRESET', [0, 0]]);
  });
});

describe('keep-alive: the client lets an idle connection go before the server does', () => {
  /**
   * A server without a Keep-Alive hint whose keep-alive timeout is `idleMs`, checked when the next
   * request arrives (as a server whose idle timer fires just as the request is read): a request on a
   * connection idle that long is read and the connection closed (FIN) unanswered. Each request's
   * connection is recorded.
   */
  async function lazyKeepAlive(idleMs: number) {
    const lastAnswer = new Map<net.Socket, number>();
    const seen: number[] = [];
    const server = http.createServer((req, res) => {
      seen.push(served.sockets.indexOf(req.socket));
      const last = lastAnswer.get(req.socket);
      if (last !== undefined && performance.now() - last >= idleMs) return void req.socket.end();
      req.resume();
      req.on('end', () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"faults":[]}', () => lastAnswer.set(req.socket, performance.now())),
      );
    });
    // Node's own idle timer (and its Keep-Alive hint) off: the check above is the server's timeout.
    server.keepAliveTimeout = 0;
    const served = await serve(server);
    return { url: new URL(`http://127.0.0.1:${served.port}/faults`), seen };
  }

  it("a POST after an idle gap longer than the server's keep-alive timeout goes on a new connection, sent once", async () => {
    // Server timeout 3 s, gap 3.8 s; undici's own default (4 s) would reuse the connection; the client's (DEFAULT_KEEP_ALIVE_TIMEOUT_MS, 2 s) is below it.
    const { url, seen } = await lazyKeepAlive(3_000);
    const first = await httpExchange({ method: 'GET', url }, 1024);
    await new Promise((r) => setTimeout(r, 3_800));
    const second = await httpExchange({ method: 'POST', url, ...jsonBody({ name: 'slow' }) }, 1024);
    expect([first.status, second.status, second.body.toString('utf8'), seen]).toEqual([
      200,
      200,
      '{"faults":[]}',
      [0, 1],
    ]);
  }, 15_000);
});

describe('HttpAgent: mutual TLS', () => {
  it('verifies the server against the CRLs in force for each new connection; a socket the server dropped is not reused', async () => {
    const { ca, server, client, none } = await transportPki();
    const revoking = await mintCrl({ issuer: ca, revoked: [serialOf(server.certPem)] });
    const seen: string[] = [];
    const s = await serve(
      https.createServer(
        {
          cert: server.certPem,
          key: server.keyPem,
          ca: ca.certPem,
          requestCert: true,
          rejectUnauthorized: true,
        },
        (req, res) => {
          seen.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
          echo(req, res);
        },
      ),
    );
    const a = agent({
      connections: 2,
      tls: { caPem: [ca.certPem], certPem: client.certPem, keyPem: client.keyPem, crlPem: [none] },
    });
    const url = `https://127.0.0.1:${s.port}/x`;
    expect(await exchange(url, { agent: a })).toEqual([200, 'got hello']);
    expect(seen).toEqual(['client']);

    a.reloadCrls([revoking]);
    s.server.closeAllConnections(); // e.g. a gateway re-provisioned: the pooled socket is dead
    const err = await failure(exchange(url, { agent: a }));
    expect([err.kind, err.code, err.message]).toEqual([
      'refused',
      'CERT_REVOKED',
      'TLS handshake failed: CERT_REVOKED: certificate revoked',
    ]);

    a.reloadCrls([none]);
    expect(await exchange(url, { agent: a })).toEqual([200, 'got hello']);
    expect(seen).toEqual(['client', 'client']);
  });

  it('refuses a server its CAs do not trust, and keeps the CRLs in force when new ones cannot be loaded', async () => {
    const ca = await mintCa({ subject: 'CN=transport test CA' });
    const other = await mintCa({ subject: 'CN=another CA' });
    const server = await mintLeaf({
      subject: 'CN=localhost',
      usage: 'server',
      issuer: other,
      ips: ['127.0.0.1'],
    });
    const s = await serve(https.createServer({ cert: server.certPem, key: server.keyPem }, echo));
    const a = agent({ connections: 1, tls: { caPem: [ca.certPem] } });
    expect(() => a.reloadCrls(['not a CRL'])).toThrow();
    const err = await failure(post(`https://127.0.0.1:${s.port}/x`, { agent: a }));
    expect([err.kind, err.code]).toEqual(['refused', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
  });
});

describe('HttpAgent: TLS session resumption', () => {
  it('resumes per origin (two servers on one host each resume their own session); reloadCrls forgets the sessions', async () => {
    const { ca, server, client, none } = await transportPki();
    /** One server answering `Connection: close`, so every request opens a new connection. */
    const closing = async (): Promise<{ url: string; handshakes: string[] }> => {
      const handshakes: string[] = [];
      const s = await serve(
        https.createServer(
          {
            cert: server.certPem,
            key: server.keyPem,
            ca: ca.certPem,
            requestCert: true,
            rejectUnauthorized: true,
          },
          (req, res) => {
            const socket = req.socket as TLSSocket;
            const cn = String(socket.getPeerCertificate().subject?.CN);
            handshakes.push(`${socket.isSessionReused() ? 'resumed' : 'full'} ${cn}`);
            res.setHeader('connection', 'close');
            echo(req, res);
          },
        ),
      );
      return { url: `https://127.0.0.1:${s.port}/x`, handshakes };
    };
    const [a, b] = [await closing(), await closing()];
    const pool = agent({
      connections: 1,
      maxCachedSessions: 4,
      tls: { caPem: [ca.certPem], certPem: client.certPem, keyPem: client.keyPem, crlPem: [none] },
    });
    for (let i = 0; i < 3; i++)
      for (const s of [a, b]) expect(await exchange(s.url, { agent: pool })).toEqual([200, 'got hello']);
    pool.reloadCrls([none]);
    expect(await exchange(a.url, { agent: pool })).toEqual([200, 'got hello']);
    expect(a.handshakes).toEqual(['full client', 'resumed client', 'resumed client', 'full client']);
    expect(b.handshakes).toEqual(['full client', 'resumed client', 'resumed client']);

    const fresh = agent({
      connections: 1,
      tls: { caPem: [ca.certPem], certPem: client.certPem, keyPem: client.keyPem, crlPem: [none] },
    });
    for (let i = 0; i < 2; i++) await exchange(b.url, { agent: fresh });
    expect(b.handshakes.slice(3)).toEqual(['full client', 'full client']);
    expect(() => agent({ connections: 1, maxCachedSessions: -1 })).toThrow(RangeError);
  });
});

describe('httpPost and readBody: bounds and failures', () => {
  it('refused: nothing listens on the port', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as net.AddressInfo;
    probe.close();
    await once(probe, 'close');
    const err = await failure(post(`http://127.0.0.1:${port}/x`));
    expect([err.kind, err.code, err.message]).toEqual([
      'refused',
      'ECONNREFUSED',
      'connection failed: ECONNREFUSED',
    ]);
  });

  it('timeout: no response head within idleTimeoutMs', async () => {
    const { port } = await serve(http.createServer(() => undefined));
    const err = await failure(post(`http://127.0.0.1:${port}/x`, { idleTimeoutMs: 50 }));
    expect([err.kind, err.message]).toEqual(['timeout', 'no answer within 50 ms']);
  });

  it('timeout: the peer falls silent between body chunks', async () => {
    const { port } = await serve(
      http.createServer((_q, res) => {
        res.writeHead(200, { 'content-length': '100' });
        res.write('x'.repeat(10));
      }),
    );
    const a = await post(`http://127.0.0.1:${port}/x`);
    const err = await failure(readBody(a, 1024, { idleTimeoutMs: 50 }));
    expect([err.kind, err.message]).toEqual(['timeout', 'no answer within 50 ms']);
  });

  it('timeout: the AbortSignal fires, before the head and while the body is read', async () => {
    const { port } = await serve(
      http.createServer((req, res) => {
        if (req.url === '/head') res.writeHead(200, { 'content-length': '100' }).write('x');
      }),
    );
    const before = new AbortController();
    const pending = post(`http://127.0.0.1:${port}/x`, { signal: before.signal });
    setTimeout(() => before.abort(), 20);
    const e1 = await failure(pending);
    expect([e1.kind, e1.message]).toEqual(['timeout', 'the call was aborted (AbortError)']);

    const during = new AbortController();
    const a = await post(`http://127.0.0.1:${port}/head`, { signal: during.signal });
    const reading = readBody(a, 1024, { signal: during.signal });
    during.abort();
    const e2 = await failure(reading);
    expect([e2.kind, e2.message]).toEqual(['timeout', 'the call was aborted (AbortError)']);
  });

  it('too-large: over the cap by Content-Length or while chunked; reset: the body ends early', async () => {
    const { port } = await serve(
      http.createServer((req, res) => {
        if (req.url === '/declared') res.writeHead(200, { 'content-length': '2048' }).end('x'.repeat(2048));
        else if (req.url === '/chunked') {
          res.writeHead(200);
          res.write('x'.repeat(800));
          res.end('x'.repeat(800));
        } else {
          res.writeHead(200, { 'content-length': '1000' });
          res.write('x', () => res.socket?.destroy());
        }
      }),
    );
    const base = `http://127.0.0.1:${port}`;
    const declared = await failure(readBody(await post(`${base}/declared`), 1024));
    const chunked = await failure(readBody(await post(`${base}/chunked`), 1024));
    const early = await failure(readBody(await post(`${base}/early`), 1024));
    expect([declared, chunked, early].map((e) => [e.kind, e.httpStatus, e.message])).toEqual([
      ['too-large', 200, 'the response declares more than 1024 bytes'],
      ['too-large', 200, 'the response exceeds 1024 bytes'],
      ['reset', 200, 'the connection closed before the response was complete'],
    ]);
  });

  it('reset: the server drops the connection before answering', async () => {
    const { port } = await serve(http.createServer((req) => req.socket.destroy()));
    const err = await failure(post(`http://127.0.0.1:${port}/x`));
    expect(err.kind).toBe('reset');
  });

  it('rejects a URL that is not http: or https:', async () => {
    await expect(post('ftp://127.0.0.1/x')).rejects.toThrow(
      new TypeError('httpPost: unsupported URL scheme ftp:'),
    );
  });
});

describe('httpRequest and httpExchange: every method, read whole within a bound', () => {
  /** Answers with what it got: method, path, content-type and body, as JSON. */
  const mirror: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got = {
        method: req.method,
        path: req.url,
        contentType: req.headers['content-type'] ?? null,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(got));
    });
  };

  it('sends GET, PUT, PATCH, DELETE and POST with or without a JSON body and reads any status whole', async () => {
    const { port } = await serve(http.createServer(mirror));
    const url = (path: string): URL => new URL(`http://127.0.0.1:${port}${path}`);
    const answers = [];
    for (const [method, path, body] of [
      ['GET', '/a', undefined],
      ['PUT', '/b', { x: 1 }],
      ['PATCH', '/c', { y: [true] }],
      ['DELETE', '/missing', undefined],
      ['POST', '/d', []],
    ] as const) {
      const r = await httpExchange({ method, url: url(path), ...(body ? jsonBody(body) : {}) }, 1024);
      answers.push([r.status, r.headers['content-type'], parseJsonBody(r)]);
    }
    const json = 'application/json';
    expect(answers).toEqual([
      [200, json, { method: 'GET', path: '/a', contentType: null, body: '' }],
      [200, json, { method: 'PUT', path: '/b', contentType: json, body: '{"x":1}' }],
      [200, json, { method: 'PATCH', path: '/c', contentType: json, body: '{"y":[true]}' }],
      [404, json, { method: 'DELETE', path: '/missing', contentType: null, body: '' }],
      [200, json, { method: 'POST', path: '/d', contentType: json, body: '[]' }],
    ]);
  });

  it('too-large past the bound; refused; timeout by the signal and by idleTimeoutMs', async () => {
    const { port } = await serve(
      http.createServer((req, res) => {
        if (req.url === '/big') res.writeHead(200).end('x'.repeat(2048));
        // else: never answers
      }),
    );
    const base = `http://127.0.0.1:${port}`;
    const big = await failure(httpExchange({ method: 'GET', url: new URL(`${base}/big`) }, 1024));
    expect([big.kind, big.httpStatus, big.message]).toEqual([
      'too-large',
      200,
      'the response exceeds 1024 bytes',
    ]);

    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const closedPort = (probe.address() as net.AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    const refused = await failure(
      httpExchange({ method: 'GET', url: new URL(`http://127.0.0.1:${closedPort}/`) }, 1024),
    );
    expect([refused.kind, refused.code, refused.message]).toEqual([
      'refused',
      'ECONNREFUSED',
      'connection failed: ECONNREFUSED',
    ]);

    const deadline = new AbortController();
    const pending = httpExchange(
      { method: 'GET', url: new URL(`${base}/hang`), signal: deadline.signal },
      1024,
    );
    deadline.abort(new DOMException('deadline', 'TimeoutError'));
    const aborted = await failure(pending);
    expect([aborted.kind, aborted.message]).toEqual(['timeout', 'the call was aborted (TimeoutError)']);

    const silent = await failure(
      httpExchange({ method: 'DELETE', url: new URL(`${base}/hang`), idleTimeoutMs: 50 }, 1024),
    );
    expect([silent.kind, silent.message]).toEqual(['timeout', 'no answer within 50 ms']);
  });

  it('rejects a URL that is not http: or https:', async () => {
    await expect(httpRequest({ method: 'GET', url: new URL('file:///etc/hosts') })).rejects.toThrow(
      new TypeError('httpRequest: unsupported URL scheme file:'),
    );
  });
});

describe('httpProbe: a health check that never throws', () => {
  it('the status of a whole answer; undefined when refused, silent past the timeout or over 64 KiB', async () => {
    const { port } = await serve(
      http.createServer((req, res) => {
        if (req.url === '/health') res.writeHead(200).end('{"status":"ok"}');
        else if (req.url === '/down') res.writeHead(503).end();
        else if (req.url === '/big') res.writeHead(200).end('x'.repeat(64 * 1024 + 1));
        // else: never answers
      }),
    );
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const closedPort = (probe.address() as net.AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    const base = `http://127.0.0.1:${port}`;
    expect(
      await Promise.all([
        httpProbe(`${base}/health`, 30_000),
        httpProbe(`${base}/down`, 30_000),
        httpProbe(`${base}/big`, 30_000),
        httpProbe(`${base}/hang`, 50),
        httpProbe(`http://127.0.0.1:${closedPort}/health`, 30_000),
        httpProbe('not a url', 30_000),
      ]),
    ).toEqual([200, 503, undefined, undefined, undefined, undefined]);
  });
});
