/**
 * The control API's scenario routes (simulator/cli/scenario-routes.ts, mounted by `sim up`), read
 * by the dashboard's Scenarios view: `GET /scenarios` lists the shipped scenarios as `sim scenario
 * list --json` does; `POST /scenarios/{name}/run` runs one against this sim, as `sim scenario run
 * --target` does, and answers its result: passed, or failed with each step's differences when a
 * fault of the user's breaks it; an unknown name is 404, a second run while one goes on 409.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedScenarios } from '../../simulator/cli/commands/scenario.js';
import { scenarioRoutes } from '../../simulator/cli/scenario-routes.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { defaultPackDir } from '../helpers/topology.js';

let running: RunningTopology;
let control: string;

async function call(method: 'GET' | 'POST', route: string): Promise<{ status: number; body: unknown }> {
  const res = await request(`${control}${route}`, { method });
  return { status: res.statusCode, body: await res.body.json() };
}

beforeAll(async () => {
  const pack = await loadDataPack(defaultPackDir);
  running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs: 5_000 },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: pack.dir,
      communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
    },
    { logger: silentLogger(), control: { port: 0, routes: [scenarioRoutes()] } },
  );
  control = running.control!.url;
});
afterAll(async () => {
  await running?.stop();
});

const STEPS = [
  { index: 1, id: 'find', kind: 'query' },
  { index: 2, id: 'step-2', kind: 'retrieve' },
];

describe('GET /scenarios', () => {
  it('lists the shipped scenarios as sim scenario list --json does', async () => {
    const { status, body } = await call('GET', '/scenarios');
    expect(status).toBe(200);
    expect(body).toEqual({ scenarios: await shippedScenarios() });
    expect((body as { scenarios: unknown[] }).scenarios).toContainEqual({
      name: 'known-to-all-networks',
      file: 'scenarios/known-to-all-networks.scenario.yaml',
      description:
        'A patient known to every network gets their full imaging history with no error (NIR UAT-01)',
    });
  });
});

describe('POST /scenarios/{name}/run', () => {
  it('runs a shipped scenario against this sim and answers its result', async () => {
    const { status, body } = await call('POST', '/scenarios/known-to-all-networks/run');
    expect(status).toBe(200);
    const r = body as { name: string; passed: boolean; notes: string[]; steps: Record<string, unknown>[] };
    expect({ name: r.name, passed: r.passed, notes: r.notes }).toEqual({
      name: 'known-to-all-networks',
      passed: true,
      // The scenario's default deadline differs from this sim's; the run says so, and puts it back.
      notes: ['broker settings for this run: deadline 10000 ms (was 5000 ms); put back afterwards'],
    });
    expect(r.steps.map((s) => ({ index: s['index'], id: s['id'], kind: s['kind'] }))).toEqual(STEPS);
    expect(r.steps.map((s) => [s['passed'], s['differences']])).toEqual([
      [true, []],
      [true, []],
    ]);
  });

  it("fails with each step's differences when a fault of the user's breaks it, and leaves that fault", async () => {
    const add = await request(`${control}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ne-down', gateway: 'north-east-imaging-network', kind: 'refuse' }),
    });
    expect(add.statusCode).toBe(201);
    await add.body.dump();
    try {
      const { status, body } = await call('POST', '/scenarios/known-to-all-networks/run');
      expect(status).toBe(200);
      const r = body as { passed: boolean; steps: { passed: boolean; differences: string[] }[] };
      expect(r.passed).toBe(false);
      expect(r.steps[0]!.passed).toBe(false);
      expect(r.steps[0]!.differences).toContain('status: expected Success, got PartialSuccess');
      expect((await call('GET', '/faults/ne-down')).status).toBe(200);
    } finally {
      await (await request(`${control}/reset`, { method: 'POST' })).body.dump();
    }
  });

  it('answers 404 for no such scenario, and 409 while another run goes on', async () => {
    expect(await call('POST', '/scenarios/no-such-thing/run')).toEqual({
      status: 404,
      body: {
        error: "no shipped scenario named 'no-such-thing'",
        problems: ['GET /scenarios lists them (npm run sim scenario list)'],
      },
    });
    const both = await Promise.all([
      call('POST', '/scenarios/known-to-all-networks/run'),
      call('POST', '/scenarios/known-to-one-network/run'),
    ]);
    const refused = both.find((b) => b.status === 409);
    expect(both.map((b) => b.status).sort()).toEqual([200, 409]);
    expect(refused!.body).toEqual({
      error: 'a scenario is running',
      problems: [
        expect.stringMatching(
          /^known-to-(all|one)-network(s)? is running against this sim; wait for its result, then run known-to-(all|one)-network(s)?$/,
        ) as unknown,
      ],
    });
  });
});
