/**
 * Audit benchmark (docs/audit.md): ITI-38 throughput through the broker with audit to PARS on
 * (NDJSON file + durable queue written before each answer, forwarder posting to the simulated PARS
 * in the same process) against audit off, as a ratio; and the queue's drain rate: events queued
 * while PARS was down (pars-down), then timed until PARS holds them all. Prints; asserts nothing.
 */
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import type { DataPack } from '../simulator/data-pack/pack-format.js';
import { FaultStore } from '../simulator/faults/fault-store.js';
import { startInProcess, type InProcessDeps, type RunningTopology } from '../simulator/runtime/in-process.js';
import { silentLogger } from '../simulator/shared/logger.js';
import { defaultDataPackDir } from '../simulator/shared/sim-paths.js';

const DURATION_S = 6;
const CONNECTIONS = 10;
const QUEUED = 2_000;
const PATIENT = '9995649284'; // 10 documents in 3 communities (default pack)

async function start(
  pack: DataPack,
  audit: InProcessDeps['audit'],
): Promise<{ running: RunningTopology; faults: FaultStore }> {
  const faults = new FaultStore(1, () => pack.communities.map((c) => c.name));
  const running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs: 10_000 },
      maxBodyBytes: 10 * 1024 * 1024,
      communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
    },
    { logger: silentLogger(), faults, ...(audit ? { audit } : {}) },
  );
  return { running, faults };
}

async function load(url: string, opts: { duration?: number; amount?: number }): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    body: findDocumentsEnvelope(PATIENT),
    headers: { 'content-type': 'application/soap+xml; charset=UTF-8', 'x-nir-consumer': 'bench' },
    connections: CONNECTIONS,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.duration ?? DURATION_S }),
  });
}

function line(title: string, r: autocannon.Result): string {
  return `  ${title.padEnd(36)} ${r.requests.average.toFixed(0).padStart(6)} req/s  p50 ${String(r.latency.p50).padStart(4)} ms  p99 ${String(r.latency.p99).padStart(4)} ms  (${r['2xx']} ok, ${r.non2xx + r.errors} failed)`;
}

/** Run the audit benchmark. */
export async function auditBench(): Promise<void> {
  const pack = await loadDataPack(defaultDataPackDir);
  const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-audit-'));
  console.log(
    `audit: FindDocuments (${PATIENT}, 10 documents, 3 communities), ${CONNECTIONS} connections, ${DURATION_S} s each`,
  );
  try {
    const off = await start(pack, undefined);
    const rOff = await load(off.running.broker.endpoints['ITI-38'], {}).finally(() => off.running.stop());
    console.log(line('audit off', rOff));

    const on = await start(pack, { dir: path.join(dir, 'on') });
    try {
      const rOn = await load(on.running.broker.endpoints['ITI-38'], {});
      const audit = on.running.audit!;
      console.log(line('audit on (file + queue + PARS)', rOn));
      console.log(
        `  ratio on/off ${(rOn.requests.average / rOff.requests.average).toFixed(2)}; ${audit.stats.delivered} events in PARS, ${audit.queueDepth()} still queued at the end`,
      );
    } finally {
      await on.running.stop();
    }

    const drain = await start(pack, { dir: path.join(dir, 'drain'), backoff: { initialMs: 50, maxMs: 200 } });
    try {
      const audit = drain.running.audit!;
      drain.faults.add({ name: 'outage', gateway: 'pars', kind: 'pars-down' });
      await load(drain.running.broker.endpoints['ITI-38'], { amount: QUEUED });
      const queued = audit.queueDepth();
      const t0 = performance.now();
      drain.faults.remove('outage');
      await audit.drained();
      const s = (performance.now() - t0) / 1000;
      console.log(
        `  queue drain: ${queued} events queued while PARS was down, in PARS ${s.toFixed(2)} s after it returned: ${(queued / s).toFixed(0)} events/s (one POST at a time, in order; includes the first retry wait, at most 200 ms)`,
      );
    } finally {
      await drain.running.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
