/**
 * The one delivery path of the SOAP server: every entity it sends (a plain envelope, an MTOM
 * package held whole, a streamed MTOM package, a SOAP Fault) is written here, normally with
 * backpressure or as a transport directive asks (transport-directive.ts: reset, throttle,
 * truncate, replace, hold). A whole entity is the one-chunk-list case of a streamed one. Only the
 * SOAP server and the simulated MHD community (gateway/mhd-responder.ts, whose FHIR answers take
 * the same fault directives) call this; handlers return data.
 */
import type { Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TransportDirective } from './transport-directive.js';

/** An HTTP entity to send. */
export interface OutgoingEntity {
  /** HTTP Content-Type value. */
  contentType: string;
  /** Body length in bytes when known (sent as Content-Length), else undefined (sent chunked). */
  length?: number;
  /**
   * The body's bytes, in order: the Buffers of an entity held whole, or a stream produced on
   * demand with backpressure (mtom-stream.ts StreamedEntity). Called once. A stream that fails
   * midway fails the delivery.
   */
  open(): Iterable<Buffer> | AsyncIterable<Buffer>;
}

/** An entity held whole in memory: its Buffers, written in order. */
export function wholeEntity(contentType: string, chunks: readonly Buffer[]): OutgoingEntity {
  return { contentType, length: chunks.reduce((n, c) => n + c.length, 0), open: () => chunks };
}

/** Longest a `no-response` holds a connection, ms; then the socket is destroyed. */
const HOLD_MS = 10 * 60_000;

/** A streamed body of unknown length that a `truncate` directive cuts is taken to be this long, bytes. */
const UNKNOWN_LENGTH_BYTES = 1024 * 1024;

/** Response headers: Content-Length when the length is known, else chunked transfer coding. */
function headers(contentType: string, length: number | undefined): Record<string, string> {
  return length === undefined
    ? { 'Content-Type': contentType }
    : { 'Content-Type': contentType, 'Content-Length': String(length) };
}

/** Resolves on 'drain' or 'close', whichever comes first. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** How {@link writeBody} writes: at most `limit` bytes, in slices of `bytesPerSecond / 10` 100 ms apart. */
interface Pace {
  limit?: number;
  bytesPerSecond?: number;
}

/**
 * Write `body`'s bytes on `res`, waiting for 'drain' when the socket buffer is full. Stops, and
 * stops reading `body` (a stream is destroyed), after `pace.limit` bytes or as soon as the
 * connection closes (the client went away: nothing is left to do).
 * @returns false when the connection closed first.
 * @throws what `body` fails with while the connection is open.
 */
async function writeBody(
  res: Response,
  body: Iterable<Buffer> | AsyncIterable<Buffer>,
  pace: Pace = {},
): Promise<boolean> {
  if (body instanceof Readable && pace.limit === undefined && pace.bytesPerSecond === undefined)
    return pipeInto(res, body);
  const limit = pace.limit ?? Infinity;
  const slice =
    pace.bytesPerSecond === undefined ? Infinity : Math.max(1, Math.floor(pace.bytesPerSecond / 10));
  // A stream waiting for its source (a community's next part) is stopped at once, not at its next chunk.
  const stop = (): void => {
    if (body instanceof Readable) body.destroy();
  };
  res.once('close', stop);
  let n = 0;
  let paused = false;
  try {
    for await (const chunk of body) {
      for (let i = 0; i < chunk.length && n < limit; i += slice) {
        if (paused) await sleep(100);
        paused = slice !== Infinity;
        if (res.destroyed) return false;
        const size = Math.min(slice, limit - n);
        const piece = i === 0 && chunk.length <= size ? chunk : chunk.subarray(i, i + size);
        n += piece.length;
        if (!res.write(piece)) await drained(res);
      }
      if (res.destroyed) return false;
      if (n >= limit) return true;
    }
    return !res.destroyed;
  } catch (err) {
    if (res.destroyed) return false;
    throw err;
  } finally {
    res.off('close', stop);
  }
}

/**
 * Pipe a whole stream into `res` without ending it: stream.pipeline's backpressure costs less CPU
 * per chunk than writeBody's loop (it matters for gigabyte RAD-75 studies), and it destroys the
 * stream as soon as the connection closes.
 * @returns false when the connection closed first.
 * @throws what `body` fails with.
 */
async function pipeInto(res: Response, body: Readable): Promise<boolean> {
  try {
    await pipeline(body, res, { end: false });
    return !res.destroyed;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' && res.destroyed) return false;
    throw err;
  }
}

/**
 * Send `e` on `res` with `status`, or as directive `d` asks (status 200 unless replaced):
 * - none: the whole body with backpressure;
 * - `no-response`: nothing; the connection is held until the client goes away or HOLD_MS passes,
 *   then destroyed;
 * - `reset`: `afterBytes` of the body (0: nothing, not even headers), then a TCP reset;
 * - `throttle`: the whole body at `bytesPerSecond` (10 slices a second);
 * - `truncate`: the first `fraction` (0..1) of the body as a complete HTTP message (a body of
 *   unknown length is taken to be UNKNOWN_LENGTH_BYTES long);
 * - `replace`: `d.body` with `d.status` and `d.contentType` instead of `e`.
 * Resolves when done. A client that goes away ends the delivery quietly.
 * @throws what the body stream fails with; the status line may be on the wire already
 *   (`res.headersSent`), and then only destroying the connection is left.
 */
export async function deliver(
  res: Response,
  status: number,
  e: OutgoingEntity,
  d?: TransportDirective,
): Promise<void> {
  switch (d?.kind) {
    case undefined:
      res.writeHead(status, headers(e.contentType, e.length));
      if (await writeBody(res, e.open())) res.end();
      return;
    case 'no-response':
      await Promise.race([
        new Promise((r) => res.once('close', r)),
        sleep(HOLD_MS, undefined, { ref: false }),
      ]);
      if (!res.destroyed) res.destroy();
      return;
    case 'replace':
      res.writeHead(d.status, headers(d.contentType, d.body.length));
      res.end(d.body);
      return;
    case 'reset':
      if (d.afterBytes > 0) {
        res.writeHead(200, headers(e.contentType, e.length));
        await writeBody(res, e.open(), { limit: d.afterBytes }).catch(() => undefined);
        await sleep(20); // let the partial body leave before the reset
      }
      // A response queued behind another on a keep-alive connection has no socket yet: the
      // request's socket is the connection either way.
      (res.socket ?? res.req.socket).resetAndDestroy();
      return;
    case 'throttle':
      res.writeHead(200, headers(e.contentType, e.length));
      if (await writeBody(res, e.open(), { bytesPerSecond: d.bytesPerSecond })) res.end();
      return;
    case 'truncate': {
      const whole = e.length ?? UNKNOWN_LENGTH_BYTES;
      const cut = Math.floor(whole * Math.min(Math.max(d.fraction, 0), 1));
      res.writeHead(200, headers(e.contentType, cut));
      if (await writeBody(res, e.open(), { limit: cut })) res.end();
      return;
    }
  }
}
