/**
 * Run as its own process with `node --expose-gc --no-concurrent-array-buffer-sweeping --import tsx`
 * (imaging-streaming.test.ts; the V8 flag makes gc() free dead Buffers' memory before it returns,
 * so arrayBuffers right after it counts only live ones): generates
 * one imaging study of about `MB` megabytes, serves it, retrieves it with RAD-75 through the broker
 * (or straight from the gateway with `--direct`), and prints one JSON line: the study's size, what
 * arrived (every part checked against its file's SHA-1 while streaming, nothing kept), and the
 * process's peak growth of live heapUsed + arrayBuffers over a settled baseline (see `sampler`).
 * The consumer, the broker and the gateway all live in this process, so the figure bounds them all.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataPack } from '../../simulator/data-pack/generator.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { startInProcess } from '../../simulator/runtime/in-process.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { MultipartStreamReader } from '../../simulator/soap/mtom-stream-reader.js';
import { rad75Envelope, wholeStudyRequest } from '../helpers/imaging-fixtures.js';

const mb = Number(process.argv[2] ?? 50);
const direct = process.argv.includes('--direct');
const gc = (globalThis as { gc?: () => void }).gc!;
if (typeof gc !== 'function')
  throw new Error('run with node --expose-gc --no-concurrent-array-buffer-sweeping');
const used = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** heapUsed + arrayBuffers once collections stop freeing anything (within 64 KiB, at most 20 tries). */
async function settled(): Promise<number> {
  let last = Infinity;
  for (let i = 0; i < 20; i++) {
    gc();
    await sleep(10);
    const now = used();
    if (Math.abs(now - last) < 64 * 1024) return now;
    last = now;
  }
  return last;
}

const sha1 = async (path: string): Promise<string> => {
  const h = createHash('sha1');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
};

const dir = await mkdtemp(join(tmpdir(), 'nir-sim-stream-'));
try {
  // 512 x 512 x 16-bit images of 0.5 MiB each, 50 per series.
  const instances = 50;
  const series = Math.max(1, Math.round(mb / (instances * 0.5)));
  await generateDataPack({
    seed: 3,
    communities: 1,
    patients: 1,
    studiesPerCommunity: { min: 1, max: 1 },
    imaging: { series, instances, rows: 512, columns: 512, frames: 1 },
    outDir: dir,
  });
  const pack = await loadDataPack(dir);
  const c = pack.communities[0]!;
  const expected = new Map<string, string>();
  let studyBytes = 0;
  for (const se of c.imaging[0]!.series)
    for (const i of se.instances) {
      const at = c.findImage(c.imaging[0]!.studyInstanceUid, se.seriesInstanceUid, i.sopInstanceUid)!;
      expected.set(i.sopInstanceUid, await sha1(at.path));
      studyBytes += at.size;
    }
  const running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs: 10_000 },
      maxBodyBytes: 10 * 1024 * 1024,
      communities: [{ kind: 'simulated', store: c, port: 0 }],
    },
    { logger: silentLogger() },
  );
  const url = direct ? running.communities[0]!.endpoints['RAD-75']! : running.broker.endpoints['RAD-75'];
  const body = rad75Envelope(wholeStudyRequest(c, 0));
  const baseline = await settled();
  let peak = baseline;
  // Every 50 ms a full collection, then a sample: what is held, not garbage awaiting collection
  // (with --no-concurrent-array-buffer-sweeping the dead Buffers' memory is freed by gc() itself).
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sleep(50);
      gc();
      peak = Math.max(peak, used());
    }
  })();
  const t0 = performance.now();
  const received = await new Promise<{ parts: number; bytes: number; matched: number; status: number }>(
    (resolve, reject) => {
      const req = http.request(
        url,
        { method: 'POST', headers: { 'content-type': 'application/soap+xml' } },
        (res) => {
          void (async () => {
            const reader = new MultipartStreamReader(res, res.headers['content-type'] ?? '');
            const root = await reader.readRoot(1 << 24);
            const byCid = new Map(
              [
                ...root.xml.matchAll(
                  /<xdsb:DocumentUniqueId>([^<]+)<\/xdsb:DocumentUniqueId>.*?href="cid:([^"]+)"/g,
                ),
              ].map((m) => [decodeURIComponent(m[2]!), m[1]!]),
            );
            let parts = 0;
            let bytes = 0;
            let matched = 0;
            for (let p = await reader.nextPart(); p; p = await reader.nextPart()) {
              const h = createHash('sha1');
              for await (const chunk of p.body) {
                bytes += (chunk as Buffer).length;
                h.update(chunk as Buffer);
              }
              if (expected.get(byCid.get(p.contentId ?? '') ?? '') === h.digest('hex')) matched++;
              parts++;
            }
            resolve({ parts, bytes, matched, status: res.statusCode ?? 0 });
          })().catch(reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  sampling = false;
  await sampler;
  const after = await settled();
  await running.stop();
  process.stdout.write(
    `${JSON.stringify({
      studyBytes,
      images: expected.size,
      ...received,
      peakGrowthBytes: peak - baseline,
      retainedBytes: after - baseline,
      seconds,
    })}\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
