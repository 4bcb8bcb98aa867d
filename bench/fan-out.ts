/**
 * Fan-out benchmark: N = 1, 10, 50 communities, each answering after a fixed 50 ms; prints the
 * broker's median ITI-38 latency divided by 50 ms. A parallel broker stays near 1.0; a sequential
 * one grows with N. Prints figures only; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { generateDataPack } from '../simulator/data-pack/generator.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import { startInProcess } from '../simulator/runtime/in-process.js';
import { close } from '../simulator/shared/http-listen.js';
import { silentLogger } from '../simulator/shared/logger.js';
import { startDelayedGateway } from './delayed-gateway.js';
import { median, timeRequest } from './measure.js';

const DELAY_MS = 50;
const WARM_UP = 5;
const SAMPLES = 40;

/** Run the fan-out benchmark and print one line per N. */
export async function fanOutBench(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-'));
  try {
    await generateDataPack({ seed: 7, communities: 50, patients: 6, outDir: dir });
    const pack = await loadDataPack(dir);
    const nhs = pack.manifest.examples.inAllCommunities!;
    console.log(
      `fan-out: each community answers after ${DELAY_MS} ms; ${SAMPLES} sequential ITI-38 FindDocuments per N`,
    );
    console.log('  N   median ms   p90 ms   median / 50 ms');
    for (const n of [1, 10, 50]) {
      const gateways = await Promise.all(
        pack.communities.slice(0, n).map((c) => startDelayedGateway(c, DELAY_MS)),
      );
      const running = await startInProcess(
        {
          host: '127.0.0.1',
          broker: { port: 0, deadlineMs: 10_000 },
          maxBodyBytes: 10 * 1024 * 1024,
          communities: gateways.map((g, i) => ({
            kind: 'external' as const,
            name: pack.communities[i]!.name,
            homeCommunityId: pack.communities[i]!.homeCommunityId,
            iti38Url: `${g.url}/xca/iti38`,
            iti39Url: `${g.url}/xca/iti39`,
          })),
        },
        { logger: silentLogger() },
      );
      const body = findDocumentsEnvelope(nhs);
      const times: number[] = [];
      for (let i = 0; i < WARM_UP + SAMPLES; i++) {
        const ms = await timeRequest(running.broker.endpoints['ITI-38'], body);
        if (i >= WARM_UP) times.push(ms);
      }
      times.sort((a, b) => a - b);
      const m = median(times);
      const p90 = times[Math.floor(times.length * 0.9)]!;
      console.log(
        `  ${String(n).padStart(2)}  ${m.toFixed(1).padStart(9)}  ${p90.toFixed(1).padStart(7)}  ${(m / DELAY_MS).toFixed(2).padStart(14)}`,
      );
      await running.stop();
      await Promise.all(gateways.map((g) => close(g.server)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
