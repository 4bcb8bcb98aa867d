/**
 * Transport directives: how the SOAP server delivers an answer when a fault named in the model
 * asks for it (WireMock's split: the model names the fault, the transport carries it out). The
 * handler returns data; only server.ts touches the socket.
 */
import type { Response } from 'express';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the transport does instead of a normal delivery. */
export type TransportDirective =
  /** Accept the request and never answer (the client's deadline decides). */
  | { kind: 'no-response' }
  /** Send `afterBytes` bytes of the encoded answer (0: nothing, not even headers), then reset the TCP connection. */
  | { kind: 'reset'; afterBytes: number }
  /** Send the normal answer at `bytesPerSecond`. */
  | { kind: 'throttle'; bytesPerSecond: number }
  /** Send these bytes with this status and Content-Type instead of the answer. */
  | { kind: 'replace'; status: number; contentType: string; body: Buffer }
  /** Send only the first `fraction` (0..1) of the encoded answer as a complete HTTP body. */
  | { kind: 'truncate'; fraction: number };

/** An encoded answer: Content-Type and the bytes, in order. */
export interface EncodedEntity {
  contentType: string;
  chunks: Buffer[];
  length: number;
}

/** Longest a `no-response` holds a connection, ms; then the socket is destroyed. */
const HOLD_MS = 10 * 60_000;

/**
 * Carry out `d` for the encoded answer `msg` on `res` (HTTP status 200 unless replaced).
 * Resolves when done (for `no-response`: when the client goes away or HOLD_MS passes).
 */
export async function deliverWithDirective(
  res: Response,
  msg: EncodedEntity,
  d: TransportDirective,
): Promise<void> {
  const bytes = Buffer.concat(msg.chunks);
  switch (d.kind) {
    case 'no-response':
      await Promise.race([
        new Promise((r) => res.once('close', r)),
        sleep(HOLD_MS, undefined, { ref: false }),
      ]);
      if (!res.destroyed) res.destroy();
      return;
    case 'reset':
      if (d.afterBytes > 0) {
        res.writeHead(200, { 'Content-Type': msg.contentType, 'Content-Length': String(bytes.length) });
        res.write(bytes.subarray(0, Math.min(d.afterBytes, bytes.length)));
        await sleep(20); // let the partial body leave before the reset
      }
      // A response queued behind another on a keep-alive connection has no socket yet: the
      // request's socket is the connection either way.
      (res.socket ?? res.req.socket).resetAndDestroy();
      return;
    case 'throttle':
      await throttle(res, msg.contentType, bytes, d.bytesPerSecond);
      return;
    case 'replace':
      res.writeHead(d.status, { 'Content-Type': d.contentType, 'Content-Length': String(d.body.length) });
      res.end(d.body);
      return;
    case 'truncate': {
      const cut = bytes.subarray(0, Math.floor(bytes.length * Math.min(Math.max(d.fraction, 0), 1)));
      res.writeHead(200, { 'Content-Type': msg.contentType, 'Content-Length': String(cut.length) });
      res.end(cut);
      return;
    }
  }
}

/** Write in 10 slices a second so the average rate is `bytesPerSecond`. */
async function throttle(
  res: Response,
  contentType: string,
  bytes: Buffer,
  bytesPerSecond: number,
): Promise<void> {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': String(bytes.length) });
  const slice = Math.max(1, Math.floor(bytesPerSecond / 10));
  for (let i = 0; i < bytes.length; i += slice) {
    if (res.destroyed) return;
    res.write(bytes.subarray(i, i + slice));
    if (i + slice < bytes.length) await sleep(100);
  }
  res.end();
}
