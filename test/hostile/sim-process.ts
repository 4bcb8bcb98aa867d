/**
 * The simulator the hostile-input suite attacks, in a process of its own so that a request that
 * freezes it (a parser stuck on deep nesting) cannot freeze the suite, whose clock and health
 * probes must keep running: the default data pack's communities as simulated responding gateways,
 * the broker's sandbox port, the control API and the audit side with the simulated PARS, all on
 * 127.0.0.1 and port 0 (`startInProcess`, as `npm run sim up` runs it).
 *
 * Protocol with the parent (harness.ts): one JSON line on stdout once listening,
 * `{ broker, endpoints, control, pars, gateways, auditDir }`; then each `depth` line on stdin is
 * answered `{ "queueDepth": n }` (the audit events not yet delivered to PARS). SIGTERM stops the
 * listeners and removes the audit directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { startInProcess } from '../../simulator/runtime/in-process.js';
import { TopologyDefaults } from '../../simulator/topology/topology.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { defaultPackDir } from '../helpers/topology.js';

/** What the child prints once every listener is up. */
export interface SimProcessUrls {
  broker: string;
  endpoints: { 'ITI-38': string; 'ITI-39': string; 'RAD-75': string };
  control: string;
  pars: string;
  gateways: string[];
  /** The audit directory (removed on SIGTERM; the parent removes it after a SIGKILL). */
  auditDir: string;
}

const pack = await loadDataPack(defaultPackDir);
const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-hostile-'));
const running = await startInProcess(
  {
    host: '127.0.0.1',
    // One leg may take at most 1.5 s, so a well-behaved answer stays within the suite's 2 s budget.
    broker: { port: 0, deadlineMs: 1_500 },
    maxBodyBytes: TopologyDefaults.maxBodyBytes,
    dataPackDir: pack.dir,
    communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
  },
  { logger: silentLogger(), control: {}, audit: { dir } },
);

const urls: SimProcessUrls = {
  broker: running.broker.url,
  endpoints: running.broker.endpoints,
  control: running.control!.url,
  pars: running.pars!.url,
  gateways: running.communities.map((c) => new URL(c.endpoints['ITI-38']!).origin),
  auditDir: dir,
};
process.stdout.write(`${JSON.stringify(urls)}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'depth')
    process.stdout.write(`${JSON.stringify({ queueDepth: running.audit?.queueDepth() ?? 0 })}\n`);
});

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void running
    .stop()
    .catch(() => undefined)
    .finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
});
