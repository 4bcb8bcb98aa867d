/**
 * The broker streams RAD-75: a study of about 50 MB retrieved through it leaves the process's live
 * memory (heapUsed + arrayBuffers, measured after forced collections) far below the study's size.
 * The measurement runs in its own Node process (stream-memory-probe.ts) started with --expose-gc
 * and --no-concurrent-array-buffer-sweeping, so other tests' garbage cannot blur it. It asserts
 * memory, never time.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoDir } from '../helpers/topology.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;

interface ProbeResult {
  studyBytes: number;
  images: number;
  parts: number;
  bytes: number;
  matched: number;
  status: number;
  peakGrowthBytes: number;
  retainedBytes: number;
}

async function probe(...args: string[]): Promise<ProbeResult> {
  const script = join(repoDir, 'test/load/stream-memory-probe.ts');
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--no-concurrent-array-buffer-sweeping', '--import', 'tsx', script, ...args],
    { cwd: repoDir, timeout: 240_000, maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ProbeResult;
}

describe('RAD-75 streaming through the broker', () => {
  it(
    'a 50 MB study arrives whole while live memory grows by a small fraction of it',
    { timeout: 300_000 },
    async () => {
      const r = await probe('50');
      expect(r.status).toBe(200);
      expect(r.studyBytes).toBeGreaterThan(50 * 1000 * 1000);
      expect([r.parts, r.matched, r.bytes]).toEqual([r.images, r.images, r.studyBytes]);
      // Buffering the study would show at least its size; streaming holds a few socket and stream buffers.
      expect(r.peakGrowthBytes).toBeLessThan(10 * MiB);
      expect(r.retainedBytes).toBeLessThan(5 * MiB);
    },
  );
});
