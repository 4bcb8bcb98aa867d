/**
 * The imaging bench's relay process (bench/child.ts): the physical limit a RAD-75 through the
 * broker is compared with. A plain HTTP proxy that does no SOAP, MIME or DICOM work: it reads the
 * consumer's request, sends the same bytes to one gateway over the broker's own HTTP stack
 * (transport/http-client.ts: an HttpAgent, undici keep-alive) and pipes the gateway's answer to
 * the consumer as it arrives, with backpressure (`stream.pipeline`), keeping none of it. Its
 * listener is the broker's (shared/http-listen.ts). Whatever the broker costs above it is the
 * MTOM framing, the renaming of parts and the Patient ID read. Operations:
 *
 * - `start` {@link ImagingRelayConfig}: stop what runs, then listen; resolves with its URL.
 * - `stop`: stop listening.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { close, listen } from '../simulator/shared/http-listen.js';
import { HttpAgent, httpPost } from '../simulator/transport/http-client.js';
import { serveOperations } from './child.js';

/** What the relay forwards to. */
export interface ImagingRelayConfig {
  /** The gateway's RAD-75 URL. */
  url: string;
}

/** Largest consumer request read, bytes (the broker's own limit). */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
let server: Server | undefined;
let agent: HttpAgent | undefined;

async function readRequest(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_REQUEST_BYTES) throw new Error(`request over ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks, n);
}

function relay(url: URL, pool: HttpAgent) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      try {
        const body = await readRequest(req);
        const answer = await httpPost({
          url,
          headers: {
            'content-type': req.headers['content-type'] ?? 'application/soap+xml; charset=UTF-8',
            'content-length': String(body.length),
          },
          body: [body],
          agent: pool,
        });
        const type = answer.headers['content-type'];
        res.writeHead(answer.status, {
          'content-type': (Array.isArray(type) ? type[0] : type) ?? 'application/octet-stream',
        });
        await pipeline(answer.body, res);
      } catch (err) {
        if (res.headersSent) res.destroy();
        else {
          res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(err instanceof Error ? err.message : String(err));
        }
      }
    })();
  };
}

async function stop(): Promise<void> {
  const s = server;
  const a = agent;
  server = undefined;
  agent = undefined;
  await a?.close();
  if (s) await close(s);
}

async function start(c: ImagingRelayConfig): Promise<{ url: string }> {
  await stop();
  const pool = new HttpAgent({ connections: 8 });
  agent = pool;
  const l = await listen(relay(new URL(c.url), pool), '127.0.0.1', 0, 'bench imaging relay');
  server = l.server;
  return { url: `http://127.0.0.1:${l.port}/relay` };
}

serveOperations({ start: (c: ImagingRelayConfig) => start(c), stop }, stop);
