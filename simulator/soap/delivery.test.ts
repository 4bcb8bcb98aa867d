/**
 * The SOAP server's one delivery path (delivery.ts): an entity held whole and the same bytes
 * streamed go on the wire identically, normally and under every transport directive.
 */
import express from 'express';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { deliver, wholeEntity, type OutgoingEntity } from './delivery.js';
import type { TransportDirective } from './transport-directive.js';

const CT = 'application/soap+xml; charset=UTF-8';
const chunks = [Buffer.from('<a>'), Buffer.alloc(3000, 0x78), Buffer.from('</a>')];
const total = chunks.reduce((n, c) => n + c.length, 0);

const whole = (): OutgoingEntity => wholeEntity(CT, chunks);
const streamed = (length?: number): OutgoingEntity => ({
  contentType: CT,
  ...(length === undefined ? {} : { length }),
  open: () => Readable.from(chunks),
});

interface Received {
  status?: number | undefined;
  headers?: http.IncomingHttpHeaders;
  body: Buffer;
  complete: boolean;
  error?: string;
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
    await once(s, 'close');
  }
});

/** Serve one entity under `d` and read what a client receives. */
async function exchange(entity: () => OutgoingEntity, d?: TransportDirective): Promise<Received> {
  const app = express();
  app.post('/', (_req, res) => void deliver(res, 200, entity(), d));
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve) => {
    const got: Received = { body: Buffer.alloc(0), complete: false };
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/' }, (res) => {
      got.status = res.statusCode;
      got.headers = res.headers;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', (e) => (got.error = e.message));
      res.on('close', () => {
        got.body = Buffer.concat(parts);
        got.complete = res.complete;
        resolve(got);
      });
    });
    req.on('error', (e) => {
      got.error = e.message;
      resolve(got);
    });
    req.end();
  });
}

describe('deliver: whole and streamed entities take one path', () => {
  it.each<[string, TransportDirective | undefined, (r: Received) => void]>([
    [
      'normally',
      undefined,
      (r) => {
        expect([r.status, r.headers?.['content-length'], r.complete]).toEqual([200, String(total), true]);
        expect(r.body.equals(Buffer.concat(chunks))).toBe(true);
      },
    ],
    [
      'truncated to half',
      { kind: 'truncate', fraction: 0.5 },
      (r) => {
        const half = Math.floor(total / 2);
        expect([r.status, r.headers?.['content-length'], r.complete]).toEqual([200, String(half), true]);
        expect(r.body.equals(Buffer.concat(chunks).subarray(0, half))).toBe(true);
      },
    ],
    [
      'throttled',
      { kind: 'throttle', bytesPerSecond: 20_000 },
      (r) => {
        expect([r.status, r.complete]).toEqual([200, true]);
        expect(r.body.equals(Buffer.concat(chunks))).toBe(true);
      },
    ],
    [
      'replaced',
      { kind: 'replace', status: 503, contentType: 'text/plain', body: Buffer.from('busy') },
      (r) => {
        expect([r.status, r.headers?.['content-type'], r.body.toString(), r.complete]).toEqual([
          503,
          'text/plain',
          'busy',
          true,
        ]);
      },
    ],
    [
      'reset after 100 bytes',
      { kind: 'reset', afterBytes: 100 },
      (r) => {
        expect([r.status, r.headers?.['content-length'], r.complete]).toEqual([200, String(total), false]);
        expect(r.body.equals(Buffer.concat(chunks).subarray(0, r.body.length))).toBe(true);
        expect(r.body.length).toBeLessThanOrEqual(100);
      },
    ],
    [
      'reset before anything is sent',
      { kind: 'reset', afterBytes: 0 },
      (r) => {
        expect([r.status, r.body.length]).toEqual([undefined, 0]);
        expect(r.error).toMatch(/ECONNRESET|socket hang up/);
      },
    ],
  ])('%s', async (_name, d, check) => {
    for (const entity of [whole, () => streamed(total)]) check(await exchange(entity, d));
  });

  it('sends a streamed entity of unknown length chunked; truncate cuts it at a fraction of 1 MiB', async () => {
    const r = await exchange(() => streamed(), undefined);
    expect([r.status, r.headers?.['transfer-encoding'], r.complete]).toEqual([200, 'chunked', true]);
    expect(r.body.equals(Buffer.concat(chunks))).toBe(true);
    const cut = await exchange(() => streamed(), { kind: 'truncate', fraction: 0.001 });
    const n = Math.floor(1024 * 1024 * 0.001);
    expect([cut.headers?.['content-length'], cut.body.length, cut.complete]).toEqual([String(n), n, true]);
  });

  it('stops reading a streamed body as soon as the client goes away, even while the body waits for its source', async () => {
    let destroyed!: () => void;
    const gone = new Promise<void>((resolve) => (destroyed = resolve));
    let delivered: Promise<void> | undefined;
    const app = express();
    app.post('/', (_req, res) => {
      // First bytes at once, then a source that never sends again.
      const body = new Readable({ read: () => undefined, destroy: (_e, cb) => (destroyed(), cb(null)) });
      body.push(Buffer.from('first bytes'));
      delivered = deliver(res, 200, { contentType: CT, open: () => body });
    });
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/' });
    req.on('error', () => undefined);
    req.on('response', (res) => res.once('data', () => req.destroy()));
    req.end();
    await gone;
    await expect(delivered).resolves.toBeUndefined();
  });
});
