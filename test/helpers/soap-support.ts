/** Shared bits of the soap unit tests: reference paths, port-0 servers, raw-body supertest parsing, a capturing logger. */
import http from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import type { Response } from 'supertest';
import { listenOnPort0 } from './listen.js';

/** `../shared/reference/examples` relative to the repo root (never copied into the project). */
export const EXAMPLES = path.resolve(
  fileURLToPath(new URL('../../', import.meta.url)),
  '../shared/reference/examples',
);

/** Start `handler` on 127.0.0.1:0; `close` also drops keep-alive connections. */
export async function listen(
  handler: http.RequestListener,
): Promise<{ url: string; close: () => Promise<void> }> {
  const { url, close } = await listenOnPort0(http.createServer(handler));
  return { url: `${url}/soap`, close };
}

/** supertest parser that keeps the body as a Buffer in `res.body`, whatever the content type. */
export function bufferParser(res: Response, cb: (err: Error | null, body: Buffer) => void): void {
  // In Node, superagent hands the parser the raw IncomingMessage.
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
}

/** The body of a supertest response parsed with {@link bufferParser}, as UTF-8 text. */
export function bodyText(res: Response): string {
  return (res.body as Buffer).toString('utf8');
}

/** A debug-level pino logger whose JSON lines land in `lines`. */
export function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw.push(chunk.toString('utf8'));
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  return {
    logger,
    lines: () =>
      raw
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
