/**
 * A scenario run against a running simulator (`--target`) whose broker settings differ from the
 * scenario's: the scenario's deadline and consumer profiles are put in force for the run through
 * the control API (`/broker/settings`) and the previous ones put back afterwards, also when a step
 * fails or the faults are refused; a simulator that cannot change them (no `/broker/settings`)
 * makes the run fail up front, saying what differs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTargetEnvironment } from '../../simulator/scenario/environments.js';
import { loadScenarioOrFail, scenarioPath } from '../../simulator/scenario/scenario-files.js';
import { startControlApi, type RunningControlApi } from '../../simulator/control/control-api.js';
import { loadDataPack, type DataPack } from '../../simulator/data-pack/loader.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { runScenario } from '../../simulator/scenario/runner.js';
import { parseScenarioText } from '../../simulator/scenario/scenario-file.js';
import type { ScenarioSpec } from '../../simulator/scenario/scenario-spec.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { defaultPackDir } from '../helpers/topology.js';

/** As docs/faults.md's walk-through starts the simulator: `sim up --deadline-ms 2000`. */
const RUNNING_DEADLINE_MS = 2000;

describe('scenario run --target: the scenario broker settings for the run', () => {
  let pack: DataPack;
  let running: RunningTopology;
  let api: string;
  const settings = async (): Promise<unknown> => (await fetch(`${api}/broker/settings`)).json();
  const faults = async (): Promise<unknown> => (await fetch(`${api}/faults`)).json();

  beforeAll(async () => {
    pack = await loadDataPack(defaultPackDir);
    const names = pack.communities.map((c) => c.name);
    running = await startInProcess(
      {
        host: '127.0.0.1',
        broker: { port: 0, deadlineMs: RUNNING_DEADLINE_MS },
        maxBodyBytes: 10 * 1024 * 1024,
        dataPackDir: pack.dir,
        communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
      },
      { logger: silentLogger(), faults: new FaultStore(1, () => names), control: { port: 0, seed: 1 } },
    );
    api = running.control!.url;
  });
  afterAll(() => running.stop());

  it('one-network-times-out passes against a 2000 ms broker; the 2000 ms deadline is back afterwards', async () => {
    const scenario = await loadScenarioOrFail(scenarioPath('one-network-times-out'));
    const notes: string[] = [];
    const env = await connectTargetEnvironment(scenario, api, (l) => notes.push(l));
    expect(notes).toEqual([
      'broker settings for this run: deadline 1000 ms (was 2000 ms); put back afterwards',
    ]);
    expect(await settings()).toEqual({ deadlineMs: 1000, consumers: {} });
    let result;
    try {
      result = await runScenario(scenario, env);
    } finally {
      await env.stop();
    }
    expect(result.steps.map((s) => [s.passed, s.differences])).toEqual([[true, []]]);
    expect(result.passed).toBe(true);
    expect(await settings()).toEqual({ deadlineMs: RUNNING_DEADLINE_MS, consumers: {} });
    expect(await faults()).toEqual({ faults: [] });
  });

  it('consumer profiles apply for the run, by community name, and the previous ones come back after a failed step', async () => {
    const [ne, nw] = pack.communities;
    const before = {
      deadlineMs: RUNNING_DEADLINE_MS,
      consumers: { keep: { exclude: [nw!.homeCommunityId] } },
    };
    await fetch(`${api}/broker/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(before),
    });
    const scenario = scenarioOf(`schemaVersion: 1
name: north-east-only
description: a consumer limited to one network, with an expectation that fails
topology:
  broker:
    consumers:
      ne-only: { include: [${ne!.name}] }
steps:
  - kind: query
    patient: known-to-all
    consumer: ne-only
    expect:
      status: Failure
`);
    const notes: string[] = [];
    const env = await connectTargetEnvironment(scenario, api, (l) => notes.push(l));
    expect(notes).toEqual([
      'broker settings for this run: deadline 10000 ms (was 2000 ms), consumer profiles ne-only (were keep); put back afterwards',
    ]);
    expect(await settings()).toEqual({
      deadlineMs: 10_000,
      consumers: { 'ne-only': { include: [ne!.homeCommunityId] } },
    });
    let result;
    try {
      result = await runScenario(scenario, env);
    } finally {
      await env.stop();
    }
    expect(result.passed).toBe(false);
    expect(result.steps[0]!.differences.join('\n')).toContain('status');
    expect(await settings()).toEqual(before);
    await fetch(`${api}/broker/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ deadlineMs: RUNNING_DEADLINE_MS, consumers: {} }),
    });
  });

  it('refused faults put the settings back before the run fails', async () => {
    const ne = pack.communities[0]!.name;
    const taken = { name: 'taken', gateway: ne, kind: 'latency', latencyMs: 1 };
    const added = await fetch(`${api}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(taken),
    });
    expect(added.status).toBe(201);
    const scenario = scenarioOf(`schemaVersion: 1
name: refused-fault
description: a fault whose name the running simulator already has
topology:
  broker:
    deadlineMs: 1500
  faults:
    - { name: taken, gateway: ${ne}, kind: timeout }
steps:
  - kind: wait
    ms: 1
`);
    const notes: string[] = [];
    const refused = connectTargetEnvironment(scenario, api, (l) => notes.push(l));
    await expect(refused).rejects.toThrow(/^the running simulator refused the scenario's faults:\n {2}/);
    expect(notes).toContain(
      'broker settings for this run: deadline 1500 ms (was 2000 ms); put back afterwards',
    );
    expect(await settings()).toEqual({ deadlineMs: RUNNING_DEADLINE_MS, consumers: {} });
    expect(await faults()).toMatchObject({ faults: [{ fault: taken }] });
    expect((await fetch(`${api}/reset`, { method: 'POST' })).status).toBe(204);
  });

  describe('a simulator that cannot change its broker settings (no /broker/settings)', () => {
    let old: RunningControlApi;
    beforeAll(async () => {
      old = await startControlApi({
        host: '127.0.0.1',
        port: 0,
        faults: running.faults!,
        events: running.events,
        topology: () => ({
          broker: running.broker,
          communities: running.communities,
          dataPackDir: pack.dir,
          seed: 1,
        }),
        logger: silentLogger(),
      });
    });
    afterAll(() => old.stop());

    it('fails up front saying what the scenario needs, adding no fault', async () => {
      const scenario = await loadScenarioOrFail(scenarioPath('one-network-times-out'));
      await expect(connectTargetEnvironment(scenario, old.url, () => undefined)).rejects.toThrow(
        `scenario one-network-times-out needs a broker deadline of 1000 ms, and the simulator at ${old.url} cannot change its broker settings (its control API has no /broker/settings: an older version): restart it with this version (npm run sim down && npm run sim up)`,
      );
      expect(await faults()).toEqual({ faults: [] });
    });

    it('runs a scenario that keeps the default settings', async () => {
      const scenario = await loadScenarioOrFail(scenarioPath('known-to-all-networks'));
      const env = await connectTargetEnvironment(scenario, old.url, () => undefined);
      await env.stop();
    });
  });
});

function scenarioOf(yaml: string): ScenarioSpec {
  const r = parseScenarioText(yaml);
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.scenario;
}
