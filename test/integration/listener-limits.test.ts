/**
 * The limits every listener applies (shared/listener-limits.ts), on real sockets with small
 * configured values: a slowloris client (headers never finished; body trickled) is answered 408
 * and cut; connections past the cap are closed at once. Nothing asserts how long anything took.
 */
import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { close, listen } from '../../simulator/shared/http-listen.js';
import { DEFAULT_LISTENER_LIMITS, listenerServerOptions } from '../../simulator/shared/listener-limits.js';

const small = { headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 50, maxConnections: 2 };
let server: Server | undefined;
afterEach(async () => {
  if (server) await close(server);
  server = undefined;
});

async function start(limits = small): Promise<number> {
  const l = await listen(
    (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok\n'));
    },
    '127.0.0.1',
    0,
    'test',
    limits,
  );
  server = l.server;
  return l.port;
}

/** Open a socket; resolve with everything it received once the server closed it. */
function open(port: number): { socket: Socket; closed: Promise<string>; connected: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
  socket.on('error', () => undefined);
  return {
    socket,
    connected: new Promise((r) => socket.once('connect', () => r())),
    closed: new Promise((r) => socket.once('close', () => r(got))),
  };
}

const statusLine = (text: string): string => text.split('\r\n')[0] ?? '';

describe('listener limits', () => {
  it('headers never finished: 408 and the connection closed', async () => {
    const c = open(await start());
    await c.connected;
    c.socket.write('POST /xca/iti38 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '); // and nothing more
    expect(statusLine(await c.closed)).toBe('HTTP/1.1 408 Request Timeout');
  });

  it('a body trickled one byte at a time: 408 once the request timeout passes, connection closed', async () => {
    const c = open(await start());
    await c.connected;
    c.socket.write('POST /xca/iti38 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n');
    const drip = setInterval(() => c.socket.writable && c.socket.write('a'), 20);
    try {
      expect(statusLine(await c.closed)).toBe('HTTP/1.1 408 Request Timeout');
    } finally {
      clearInterval(drip);
    }
  });

  it('a complete request within the limits is answered', async () => {
    // Limits no busy machine can reach between connect and the parsed headers.
    const c = open(await start({ ...small, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 }));
    await c.connected;
    c.socket.write('POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi');
    const got = await c.closed;
    expect([statusLine(got), got.endsWith('ok\n')]).toEqual(['HTTP/1.1 200 OK', true]);
  });

  it('connections past maxConnections are closed at once; those within it stay usable', async () => {
    const port = await start({ ...small, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
    let accepted = 0;
    server!.on('connection', () => accepted++);
    const dropped = new Promise<void>((r) => server!.once('drop', () => r()));
    const a = open(port);
    const b = open(port);
    await Promise.all([a.connected, b.connected]);
    while (accepted < 2) await new Promise((r) => setImmediate(r));
    const third = open(port);
    await dropped;
    expect(await third.closed).toBe(''); // closed without a byte
    b.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(statusLine(await b.closed)).toBe('HTTP/1.1 200 OK');
    a.socket.destroy();
  });

  it('refuses inconsistent limits with a clear error; the defaults are what docs/limits.md documents', () => {
    expect(() => listenerServerOptions({ headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 })).toThrow(
      'headersTimeoutMs must not exceed requestTimeoutMs',
    );
    expect(() => listenerServerOptions({ maxConnections: 0 })).toThrow(
      'maxConnections must be an integer >= 1',
    );
    expect(DEFAULT_LISTENER_LIMITS).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1_024,
      checkIntervalMs: 1_000,
    });
  });
});
