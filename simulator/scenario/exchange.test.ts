/**
 * One consumer exchange (simulator/scenario/exchange.ts) when the broker's answer cannot be read:
 * nothing listens, nothing answers in time, or the answer is larger than the runner reads. Every
 * case is data in the StepOutcome, never an exception.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { listenOnPort0 } from '../../test/helpers/listen.js';
import { afterEach, describe, expect, it } from 'vitest';
import { exchange, type StepOutcome } from './exchange.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function serve(handler: http.RequestListener): Promise<string> {
  const { url, close } = await listenOnPort0(http.createServer(handler));
  closers.push(close);
  return `${url}/xca`;
}

const BODY = '<query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"/>';

/** The outcome without what varies per run (the duration, the envelope's MessageID). */
async function send(url: string, timeoutMs = 30_000): Promise<Omit<StepOutcome, 'durationMs' | 'sentXml'>> {
  const o = await exchange({ transaction: 'ITI-38', url, bodyXml: BODY, timeoutMs });
  expect(o.sentXml).toContain(BODY);
  const { durationMs: _d, sentXml: _s, ...rest } = o;
  return rest;
}

describe('exchange: an answer that cannot be read is a problem of the step', () => {
  it('nothing listens: the refusal names the URL and the code', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const url = `http://127.0.0.1:${(probe.address() as net.AddressInfo).port}/xca`;
    probe.close();
    await once(probe, 'close');
    expect(await send(url)).toEqual({
      errors: [],
      items: [],
      problem: `no answer from the broker at ${url}: ECONNREFUSED`,
    });
  });

  it('nothing answers before the step timeout', async () => {
    const url = await serve(() => undefined);
    expect(await send(url, 50)).toEqual({
      errors: [],
      items: [],
      problem: `no answer from the broker at ${url}: no answer in time (timed out)`,
    });
  });

  it('an answer that declares more than 256 MiB is not read (it would hang or fill memory before)', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/soap+xml',
        'content-length': String(256 * 1024 * 1024 + 1),
      });
      res.write('<');
    });
    expect(await send(url)).toEqual({
      errors: [],
      items: [],
      problem: `the answer of the broker at ${url} is not read: the response declares more than 268435456 bytes (256 MiB)`,
    });
  });
});
