/**
 * Fault benchmarks (CONTRIBUTING.md "Benchmarks"). Prints figures only; asserts nothing.
 *
 * 1. A hung community: 10 simulated communities, one with a `timeout` fault (accepts, never
 *    answers), broker deadline 500 ms. The deadline should bound the broker's ITI-38 latency:
 *    prints the median and the median minus the deadline, ms.
 * 2. The cost of configured faults: ITI-38 straight to one gateway with no faults, then with 50
 *    faults added through the control API that target that gateway and transaction but another
 *    patient (so every request is checked against all 50 and none applies). Blocks alternate to
 *    spread drift; prints both medians and the difference in µs, and beside them the cost of the
 *    selection alone (FaultStore.select over the same 50 faults, in process), which the HTTP
 *    figures cannot resolve.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { findDocumentsEnvelope } from '../simulator/cli/example-request.js';
import { FaultStore } from '../simulator/faults/fault-store.js';
import { generateDataPack } from '../simulator/data-pack/generator.js';
import { loadDataPack, type DataPack } from '../simulator/data-pack/loader.js';
import { startInProcess, type RunningTopology } from '../simulator/runtime/in-process.js';
import { silentLogger } from '../simulator/shared/logger.js';
import { median, timeRequest } from './measure.js';

const DEADLINE_MS = 500;
const HUNG_WARM_UP = 2;
const HUNG_SAMPLES = 20;
const FAULTS = 50;
const WARM_UP = 50;
const BLOCK = 200;
const ROUNDS = 3;
const SELECT_CALLS = 200_000;

/** Run both fault benchmarks on a generated 10-community pack and print their figures. */
export async function faultsBench(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-'));
  try {
    await generateDataPack({ seed: 13, communities: 10, patients: 12, outDir: dir });
    const pack = await loadDataPack(dir);
    const running = await startInProcess(
      {
        host: '127.0.0.1',
        broker: { port: 0, deadlineMs: DEADLINE_MS },
        maxBodyBytes: 10 * 1024 * 1024,
        dataPackDir: dir,
        communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
      },
      { logger: silentLogger(), control: { port: 0 } },
    );
    try {
      await hungCommunity(running, pack);
      await configuredFaults(running, pack);
    } finally {
      await running.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** POST to the control API; throws unless it answers `expected`. */
async function control(
  running: RunningTopology,
  route: string,
  body: unknown,
  expected: number,
): Promise<void> {
  const res = await fetch(running.control!.url + route, {
    method: 'POST',
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  await res.arrayBuffer();
  if (res.status !== expected) throw new Error(`control API ${route}: HTTP ${res.status}`);
}

async function hungCommunity(running: RunningTopology, pack: DataPack): Promise<void> {
  const hung = pack.communities[pack.communities.length - 1]!.name;
  await control(running, '/faults', { name: 'hang', gateway: hung, kind: 'timeout' }, 201);
  const body = findDocumentsEnvelope(pack.manifest.examples.inAllCommunities ?? pack.patients[0]!.nhsNumber);
  const times: number[] = [];
  for (let i = 0; i < HUNG_WARM_UP + HUNG_SAMPLES; i++) {
    const ms = await timeRequest(running.broker.endpoints['ITI-38'], body);
    if (i >= HUNG_WARM_UP) times.push(ms);
  }
  await control(running, '/reset', undefined, 204);
  times.sort((a, b) => a - b);
  const m = median(times);
  console.log(
    `faults: one of ${pack.communities.length} communities never answers (timeout fault), deadline ${DEADLINE_MS} ms; ${HUNG_SAMPLES} sequential ITI-38 through the broker`,
  );
  console.log(
    `  median ${m.toFixed(1)} ms, p90 ${times[Math.floor(times.length * 0.9)]!.toFixed(1)} ms, median - deadline ${(m - DEADLINE_MS).toFixed(1)} ms`,
  );
}

async function configuredFaults(running: RunningTopology, pack: DataPack): Promise<void> {
  const patient = pack.patients[0]!.nhsNumber;
  const other = pack.patients.find((p) => p.nhsNumber !== patient)!.nhsNumber;
  const gateway = running.communities[0]!;
  const url = gateway.endpoints['ITI-38']!;
  const body = findDocumentsEnvelope(patient);
  const faults = Array.from({ length: FAULTS }, (_, i) => ({
    name: `other-patient-${i}`,
    gateway: gateway.name,
    kind: 'latency',
    latencyMs: 1000,
    transaction: 'ITI-38',
    patient: other,
  }));
  for (let i = 0; i < WARM_UP; i++) await timeRequest(url, body);
  const none: number[] = [];
  const fifty: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < BLOCK; i++) none.push(await timeRequest(url, body));
    await control(running, '/faults', faults, 201);
    for (let i = 0; i < BLOCK; i++) fifty.push(await timeRequest(url, body));
    await control(running, '/reset', undefined, 204);
  }
  none.sort((a, b) => a - b);
  fifty.sort((a, b) => a - b);
  const [m0, m50] = [median(none), median(fifty)];
  console.log(
    `faults: ITI-38 straight to ${gateway.name}, ${ROUNDS * BLOCK} requests each, alternating blocks of ${BLOCK}`,
  );
  console.log(`  no faults                                   median ${(m0 * 1000).toFixed(0)} µs`);
  console.log(
    `  ${FAULTS} faults on this gateway, other patient   median ${(m50 * 1000).toFixed(0)} µs  (difference ${((m50 - m0) * 1000).toFixed(0)} µs per request)`,
  );
  const store = new FaultStore(1, () => [gateway.name]);
  if (!store.addAll(faults).ok) throw new Error('bench faults refused');
  const ctx = { gateway: gateway.name, transaction: 'ITI-38' as const, patient };
  const t0 = performance.now();
  for (let i = 0; i < SELECT_CALLS; i++) store.select(ctx);
  const perCallUs = ((performance.now() - t0) * 1000) / SELECT_CALLS;
  console.log(
    `  FaultStore.select over the ${FAULTS} faults, in process: ${perCallUs.toFixed(2)} µs per request`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await faultsBench();
