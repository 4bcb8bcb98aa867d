/**
 * The control API client (simulator/control/control-client.ts) against a stand-in API: JSON in
 * both directions for every method, a 400 with every problem, an API that is not running, and an
 * answer larger than the client reads.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { listenOnPort0 } from '../../test/helpers/listen.js';
import { afterEach, describe, expect, it } from 'vitest';
import { SimError } from '../shared/errors.js';
import { ControlClient } from './control-client.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** A stand-in control API; `seen` records each request as `METHOD path body`. */
async function api(
  answer: (method: string, path: string, body: string) => [number, unknown] | 'huge',
): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push(`${req.method} ${req.url} ${body}`.trimEnd());
      const a = answer(req.method!, req.url!, body);
      if (a === 'huge') {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': String(16 * 1024 * 1024 + 1),
        });
        res.write('{');
        return;
      }
      res.writeHead(a[0], { 'content-type': 'application/json' }).end(JSON.stringify(a[1]));
    });
  });
  const { url, close } = await listenOnPort0(server);
  closers.push(close);
  return { url, seen };
}

async function simError(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SimError) return [err.code, err.message];
    throw err;
  }
  throw new Error('expected a SimError');
}

describe('ControlClient', () => {
  it('sends JSON with POST, PUT, PATCH, GET and DELETE and reads the JSON answers', async () => {
    const fault = { name: 'f', gateway: 'north', kind: 'timeout' };
    const settings = { deadlineMs: 2000, consumers: {} };
    const { url, seen } = await api((method, path) => {
      if (path === '/faults' && method === 'POST') return [201, { faults: [fault] }];
      if (path === '/faults') return [200, { faults: [] }];
      if (path === '/faults/gone') return [404, { error: 'no such fault' }];
      if (path.startsWith('/faults/')) return [204, {}];
      if (path === '/broker/settings') return [200, settings];
      return [404, { error: 'not found' }];
    });
    const c = new ControlClient(url);
    expect(await c.addFaults([fault])).toEqual([fault]);
    expect(await c.listFaults()).toEqual([]);
    expect(await c.removeFault('a b')).toBe(true);
    expect(await c.removeFault('gone')).toBe(false);
    expect(await c.setBrokerSettings({ deadlineMs: 2000 }, true)).toEqual(settings);
    expect(await c.setBrokerSettings(settings)).toEqual(settings);
    expect(await c.brokerSettings()).toEqual(settings);
    expect(seen).toEqual([
      `POST /faults ${JSON.stringify([fault])}`,
      'GET /faults',
      'DELETE /faults/a%20b',
      'DELETE /faults/gone',
      'PATCH /broker/settings {"deadlineMs":2000}',
      `PUT /broker/settings ${JSON.stringify(settings)}`,
      'GET /broker/settings',
    ]);
  });

  it('a 400 lists every problem; a 500 names the status', async () => {
    const { url } = await api((method) =>
      method === 'POST'
        ? [
            400,
            { error: 'invalid fault', problems: ['faults[0].kind: unknown', 'faults[1].gateway: unknown'] },
          ]
        : [500, { error: 'boom' }],
    );
    const c = new ControlClient(url);
    expect(await simError(c.addFaults([{}, {}]))).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      'the control API refused the request (invalid fault):\n  faults[0].kind: unknown\n  faults[1].gateway: unknown',
    ]);
    expect(await simError(c.topology())).toEqual([
      'SIM_ERR_INTERNAL',
      'the control API answered HTTP 500: boom',
    ]);
  });

  it('an API that does not run: SIM_ERR_NOT_RUNNING naming the URL', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const url = `http://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
    probe.close();
    await once(probe, 'close');
    expect(await simError(new ControlClient(url).listFaults())).toEqual([
      'SIM_ERR_NOT_RUNNING',
      `the control API at ${url} did not answer (connection failed: ECONNREFUSED): is nir-sim running? (npm run sim status)`,
    ]);
  });

  it('an answer over 16 MiB is not read', async () => {
    const { url } = await api(() => 'huge');
    expect(await simError(new ControlClient(url).transactions(5))).toEqual([
      'SIM_ERR_INTERNAL',
      `the control API at ${url} answered GET /transactions?limit=5 with more than 16777216 bytes`,
    ]);
  });

  it("a POST /faults after the connection sat idle past the server's keep-alive timeout is answered, sent once", async () => {
    // A control API whose keep-alive timeout (3 s, no Keep-Alive hint) is checked when the next
    // request arrives, as a server whose idle timer fires just as the request is read: it closes
    // the connection unanswered. The client must not reuse a connection idle that long.
    const lastAnswer = new Map<net.Socket, number>();
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      const last = lastAnswer.get(req.socket);
      if (last !== undefined && performance.now() - last >= 3_000) return void req.socket.end();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${Buffer.concat(chunks).toString('utf8')}`.trimEnd());
        const body = req.method === 'POST' ? { faults: [{ name: 'slow' }] } : { faults: [] };
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(body), () => lastAnswer.set(req.socket, performance.now()));
      });
    });
    server.keepAliveTimeout = 0;
    const { url, close } = await listenOnPort0(server);
    closers.push(close);
    const c = new ControlClient(url);
    expect(await c.listFaults()).toEqual([]);
    await new Promise((r) => setTimeout(r, 3_800));
    expect(await c.addFaults({ name: 'slow' })).toEqual([{ name: 'slow' }]);
    expect(seen).toEqual(['GET /faults', 'POST /faults {"name":"slow"}']);
  }, 15_000);
});
