/**
 * Writing a streamed entity (mtom-stream.ts) on an HTTP response: normally, with backpressure, or
 * as a transport directive asks (transport-directive.ts: reset, throttle, truncate, replace, hold).
 * Only the SOAP server calls this; handlers return data.
 */
import type { Response } from 'express';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../shared/logger.js';
import { buildStreamedMtom, closeParts, type StreamedEntity, type StreamedParts } from './mtom-stream.js';
import { deliverWithDirective, type TransportDirective } from './transport-directive.js';

/** Response headers of a streamed entity: Content-Length when the length is known, else chunked. */
function headers(e: StreamedEntity, length = e.length): Record<string, string> {
  return length === undefined
    ? { 'Content-Type': e.contentType }
    : { 'Content-Type': e.contentType, 'Content-Length': String(length) };
}

/**
 * Write `e` with `status`: Content-Length when known, otherwise chunked transfer coding; the body
 * is piped with backpressure. If the body fails midway (a part's stream broke) the connection is
 * destroyed, so the client sees an incomplete message rather than a wrong one.
 * @throws whatever the body stream failed with (after the connection was destroyed).
 */
export async function writeStreamed(res: Response, status: number, e: StreamedEntity): Promise<void> {
  res.writeHead(status, headers(e));
  await pipeline(e.open(), res);
}

/** Pass the first `limit` bytes of `body` to `write`, then stop reading (the stream is destroyed). */
async function firstBytes(body: Readable, limit: number, write: (b: Buffer) => Promise<void>): Promise<void> {
  let n = 0;
  for await (const chunk of body) {
    if (n >= limit) break;
    const b = chunk as Buffer;
    const take = b.subarray(0, Math.min(b.length, limit - n));
    n += take.length;
    await write(take);
    if (n >= limit) break;
  }
  body.destroy();
}

/**
 * The response's socket. A response to a request pipelined on a keep-alive connection gets its
 * socket only when the previous response on it has ended, so wait for it (up to a second).
 */
async function socketOf(res: Response): Promise<Response['socket']> {
  if (res.socket) return res.socket;
  const assigned = new Promise<Response['socket']>((resolve) => res.once('socket', resolve));
  return Promise.race([assigned, sleep(1000).then(() => res.socket)]);
}

/** `res.write` that waits for 'drain' (or 'close') when the socket buffer is full. */
function writer(res: Response): (b: Buffer) => Promise<void> {
  return async (b) => {
    if (res.destroyed) throw new Error('the connection is closed');
    if (res.write(b)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  };
}

/**
 * Carry out directive `d` for the streamed entity `e` (status 200 unless replaced), as
 * deliverWithDirective does for buffered ones: `reset` sends `afterBytes` then resets the TCP
 * connection; `throttle` sends at `bytesPerSecond` (10 slices a second); `truncate` sends the
 * first `fraction` of the body as a complete message (needs a known length: streamed bodies of
 * unknown length are cut after `fraction` of 1 MiB); `replace` and `no-response` ignore the body.
 */
export async function deliverStreamedWithDirective(
  res: Response,
  e: StreamedEntity,
  d: TransportDirective,
): Promise<void> {
  switch (d.kind) {
    case 'no-response':
    case 'replace':
      await deliverWithDirective(res, { contentType: e.contentType, chunks: [], length: 0 }, d);
      return;
    case 'reset':
      if (d.afterBytes > 0) {
        res.writeHead(200, headers(e));
        await firstBytes(e.open(), d.afterBytes, writer(res)).catch(() => undefined);
        await sleep(20); // let the partial body leave before the reset
      }
      (await socketOf(res))?.resetAndDestroy();
      return;
    case 'throttle': {
      res.writeHead(200, headers(e));
      const slice = Math.max(1, Math.floor(d.bytesPerSecond / 10));
      const write = writer(res);
      let pause = false;
      for await (const chunk of e.open()) {
        const b = chunk as Buffer;
        for (let i = 0; i < b.length; i += slice) {
          if (pause) await sleep(100);
          await write(b.subarray(i, i + slice));
          pause = true;
        }
      }
      res.end();
      return;
    }
    case 'truncate': {
      const whole = e.length ?? 1024 * 1024;
      const cut = Math.floor(whole * Math.min(Math.max(d.fraction, 0), 1));
      res.writeHead(200, headers(e, cut));
      await firstBytes(e.open(), cut, writer(res));
      res.end();
      return;
    }
  }
}

/**
 * Send `parts` after the envelope `xml` (buildStreamedMtom), normally or under directive `d`, then
 * release the parts (closeParts) whatever happened. A failure before anything was sent is
 * rethrown (the server answers a SOAP fault); once the status line is out, the connection is
 * destroyed and the failure logged at warn, since the client can only see an incomplete message.
 */
export async function sendStreamed(
  res: Response,
  xml: string,
  answer: { action: string; parts: StreamedParts; delivery?: TransportDirective },
  logger: Logger,
): Promise<void> {
  try {
    const e = buildStreamedMtom(xml, answer.parts, { action: answer.action });
    if (answer.delivery) await deliverStreamedWithDirective(res, e, answer.delivery);
    else await writeStreamed(res, 200, e);
  } catch (err) {
    if (!res.headersSent) throw err;
    if (!res.destroyed) res.destroy();
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'streamed MTOM response aborted after it started: the connection was closed',
    );
  } finally {
    closeParts(answer.parts);
  }
}
