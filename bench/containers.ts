/**
 * `npm run bench:containers` (CONTRIBUTING.md): what the container stack costs against the in-process
 * runtime, same topology (the default pack's 3 communities, deadline 10 s): time for
 * `sim up --runtime docker` to be ready, ITI-38 FindDocuments throughput and latency through each
 * broker (autocannon, 10 connections, 8 s), and memory (each container's cgroup usage as the
 * engine reports it, beside this process's RSS growth for the in-process runtime). Needs an engine
 * at DOCKER_HOST and the image nir-sim:local (scripts/containers/engine-up.sh, build-image.sh).
 * Prints figures only; asserts nothing. Everything listens on 127.0.0.1.
 */
import { LOAD_CONNECTIONS, LOAD_DURATION_S, soapLoad } from './measure.js';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import { startInProcess } from '../simulator/runtime/in-process.js';
import { silentLogger } from '../simulator/shared/logger.js';

const exec = promisify(execFile);
const PORT_BASE = 48080;
const repo = path.resolve(import.meta.dirname, '..');
const packDir = path.join(repo, 'data-packs', 'default');

async function load(title: string, url: string, body: string): Promise<void> {
  const r = await soapLoad(url, body);
  console.log(
    `  ${title.padEnd(34)} ${r.requests.average.toFixed(0).padStart(5)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  (${r['2xx']} ok, ${r.non2xx + r.errors} failed)`,
  );
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** Each nir-sim container's memory usage now (cgroup, as `docker stats` shows it). */
async function containerMemory(): Promise<string> {
  const docker = new Docker();
  const list = await docker.listContainers({ filters: { label: ['io.nir-sim.project=nir-sim'] } });
  const rows = await Promise.all(
    list.map(async (c) => {
      const s = (await docker.getContainer(c.Id).stats({ stream: false })) as {
        memory_stats?: { usage?: number };
      };
      return [c.Labels['io.nir-sim.service'] ?? c.Id, s.memory_stats?.usage ?? 0] as const;
    }),
  );
  const total = rows.reduce((n, [, b]) => n + b, 0);
  return `${rows.map(([n, b]) => `${n} ${mib(b)}`).join(', ')}; total ${mib(total)}`;
}

/** Run the CLI; @throws Error with the CLI's own one-line message when it fails. */
async function sim(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await exec(process.execPath, ['--import', 'tsx', 'simulator/cli/main.ts', ...args], {
      cwd: repo,
      env: { ...process.env, ...env },
      timeout: 400_000,
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(stderr || (err as Error).message);
  }
}

const pack = await loadDataPack(packDir);
const nhs = pack.manifest.examples.inAllCommunities!;
const body = findDocumentsEnvelope(nhs);
console.log(
  `containers vs in-process: FindDocuments for ${nhs} (all 3 communities), ${LOAD_CONNECTIONS} connections, ${LOAD_DURATION_S} s each`,
);

const rssBefore = process.memoryUsage().rss;
const running = await startInProcess(
  {
    host: '127.0.0.1',
    broker: { port: 0, deadlineMs: 10_000 },
    maxBodyBytes: 10 * 1024 * 1024,
    communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
  },
  { logger: silentLogger() },
);
try {
  await load('in-process broker', running.broker.endpoints['ITI-38'], body);
  console.log(
    `  in-process: this process's RSS grew by ${mib(process.memoryUsage().rss - rssBefore)} for broker + 3 gateways`,
  );
} finally {
  await running.stop();
}

const home = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-'));
const env = { NIR_SIM_HOME: home };
let up = true;
try {
  const t0 = performance.now();
  await sim(['up', '--runtime', 'docker', '--port-base', String(PORT_BASE)], env).catch((err: unknown) => {
    up = false;
    throw err;
  });
  console.log(
    `  sim up --runtime docker ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (image reused)`,
  );
  const url = `http://127.0.0.1:${PORT_BASE}/xca/iti38`;
  await load('container broker (5 containers)', url, body);
  console.log(`  container memory after the load: ${await containerMemory()}`);
} catch (err) {
  console.log(`  container stack not measured: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  if (up)
    await sim(['down', '--runtime', 'docker', '--volumes'], env).catch((err: unknown) =>
      console.log(`  sim down failed: ${(err as Error).message}`),
    );
  rmSync(home, { recursive: true, force: true });
}
