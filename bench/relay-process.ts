/**
 * The bench's relay process (bench/child.ts): the physical limit the broker is compared with. A
 * fan-out that does no XML work at all: it reads the consumer's request, sends the same bytes to
 * every community at once over the broker's own HTTP stack (transport/http-client.ts: an
 * HttpAgent with the broker's pool size, undici keep-alive), waits for every answer and answers
 * 200 with their bodies concatenated. Its listener is the broker's (shared/http-listen.ts, with
 * the common listener limits). Whatever the broker costs above it is XML, SOAP, consolidation and
 * bookkeeping. Operations:
 *
 * - `start` {@link RelayConfig}: stop what runs, then listen; resolves with its URL.
 * - `take`: the requests relayed since the last `take` ({@link RelayTake}).
 * - `stop`: stop listening.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { close, listen } from '../simulator/shared/http-listen.js';
import { HttpAgent, httpPost, readBody } from '../simulator/transport/http-client.js';
import { xcaEndpoints } from '../simulator/shared/xca-endpoints.js';
import { serveOperations } from './child.js';
import type { CommunityAddress } from './communities-process.js';

/** What the relay forwards to. */
export interface RelayConfig {
  communities: CommunityAddress[];
  /** Deadline of each relayed request, ms. */
  deadlineMs: number;
}

/** The requests relayed since the last `take`. */
export interface RelayTake {
  /** Requests answered 200 (every community answered). */
  relayed: number;
  /** Requests answered 502 (a community failed or the deadline passed). */
  failed: number;
  /**
   * Per request, in the order answered (the first 10,000): its slowest leg as the relay timed it
   * (ms; 0 when it failed) and whether every community answered 200 (`complete`).
   */
  slowestLegMs: number[];
  complete: boolean[];
  /** The distinct reasons of failed requests, the first 5. */
  failures: string[];
}

const KEPT = 10_000;
/** Largest consumer request read, bytes (the broker's own limit). */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** Largest community answer read, bytes (the broker's own limit for a leg). */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;
let server: Server | undefined;
let agent: HttpAgent | undefined;
let take: RelayTake = empty();

function empty(): RelayTake {
  return { relayed: 0, failed: 0, slowestLegMs: [], complete: [], failures: [] };
}

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

/** POST `body` to `url` and read the answer whole; resolves with its bytes and the leg's time (ms). */
async function leg(
  url: URL,
  body: Buffer,
  contentType: string,
  signal: AbortSignal,
  pool: HttpAgent,
): Promise<{ bytes: Buffer; ms: number }> {
  const t0 = performance.now();
  const answer = await httpPost({
    url,
    headers: { 'content-type': contentType, 'content-length': String(body.length) },
    body: [body],
    signal,
    agent: pool,
  });
  const bytes = await readBody(answer, MAX_ANSWER_BYTES, { signal });
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status} from ${url.href}`);
  return { bytes, ms: performance.now() - t0 };
}

function relay(urls: readonly URL[], deadlineMs: number, pool: HttpAgent) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      try {
        const body = await readRequest(req);
        const contentType = req.headers['content-type'] ?? 'application/soap+xml; charset=UTF-8';
        const legs = await Promise.all(
          urls.map((u) => leg(u, body, contentType, AbortSignal.timeout(deadlineMs), pool)),
        );
        const answer = Buffer.concat(legs.map((l) => l.bytes));
        take.relayed++;
        if (take.slowestLegMs.length < KEPT) {
          take.slowestLegMs.push(Math.max(...legs.map((l) => l.ms)));
          take.complete.push(true);
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': answer.length });
        res.end(answer);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        take.failed++;
        if (take.slowestLegMs.length < KEPT) {
          take.slowestLegMs.push(0);
          take.complete.push(false);
        }
        if (take.failures.length < 5 && !take.failures.includes(why)) take.failures.push(why);
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(why);
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

async function start(c: RelayConfig): Promise<{ url: string }> {
  await stop();
  const pool = new HttpAgent({ connections: 64 });
  agent = pool;
  const urls = c.communities.map((x) => new URL(xcaEndpoints(x.url)['ITI-38']));
  const l = await listen(relay(urls, c.deadlineMs, pool), '127.0.0.1', 0, 'bench relay');
  server = l.server;
  take = empty();
  return { url: `http://127.0.0.1:${l.port}/relay` };
}

serveOperations(
  {
    start: (c: RelayConfig) => start(c),
    take: (): RelayTake => {
      const t = take;
      take = empty();
      return t;
    },
    stop,
  },
  stop,
);
