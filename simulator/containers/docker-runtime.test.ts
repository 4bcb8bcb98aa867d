/**
 * The docker runtime's orchestration (simulator/containers/docker-runtime.ts, docker-project.ts,
 * docker-health.ts) against a recording engine: the exact engine calls of a start (labels, start
 * order, health waits), the rollback after a container exits or never becomes healthy, the refusal
 * of an existing project, the image reuse/build decision, faults added through a real control
 * API over HTTP. `down`/`status` are in docker-project.test.ts. The real engine path is exercised by
 * `npm run test:containers`; the unreachable engine through the real CLI in
 * test/e2e/docker-engine-unreachable.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { planContainers, type ContainerPlan } from './container-plan.js';
import { startDockerRuntime } from './docker-runtime.js';
import { SimError } from '../shared/errors.js';
import type { FaultSpec } from '../faults/fault-spec.js';
import { RecordingEngine } from '../../test/helpers/recording-engine.js';
import { repoDir } from '../../test/helpers/topology.js';

const NE = 'north-east-imaging-network';
const NW = 'north-west-imaging-network';

function testPlan(portBase = 18080): ContainerPlan {
  return planContainers({
    communities: [
      { name: NE, homeCommunityId: 'urn:oid:1.2.826.0.1.1' },
      { name: NW, homeCommunityId: 'urn:oid:1.2.826.0.1.2' },
    ],
    external: [],
    dataPack: { inImage: 'data-packs/default' },
    deadlineMs: 5_000,
    seed: 7,
    portBase,
  });
}

const LABEL = 'io.nir-sim.project=nir-sim';
const PREPARE = ['ping', `listContainers ${LABEL}`, 'imageExists nir-sim:local'];
const NETWORK_AND_VOLUMES = [
  'networkExists nir-sim',
  'createNetwork nir-sim {"io.nir-sim.project":"nir-sim"}',
  'volumeExists nir-sim_audit',
  'createVolume nir-sim_audit {"io.nir-sim.project":"nir-sim"}',
  'volumeExists nir-sim_pars',
  'createVolume nir-sim_pars {"io.nir-sim.project":"nir-sim"}',
];
const CREATE = [`nir-sim-${NE}`, `nir-sim-${NW}`, 'nir-sim-pars', 'nir-sim-broker'].map(
  (n) => `createContainer ${n}`,
);
const ROLLBACK = [
  'removeContainer id-nir-sim-broker',
  'removeContainer id-nir-sim-pars',
  `removeContainer id-nir-sim-${NW}`,
  `removeContainer id-nir-sim-${NE}`,
  'removeNetwork nir-sim',
  'removeVolume nir-sim_audit',
  'removeVolume nir-sim_pars',
];

/** A clock that only moves when the runtime sleeps. */
function fakeClock() {
  let t = 1_000_000;
  return {
    now: () => t,
    sleep: (ms: number) => {
      t += ms;
      return Promise.resolve();
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<SimError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SimError);
  return err as SimError;
}

describe('startDockerRuntime', () => {
  it('creates network, volumes and containers, starts gateways and PARS before the broker, each group healthy', async () => {
    const engine = new RecordingEngine();
    const progress: string[] = [];
    const run = await startDockerRuntime(testPlan(), { engine, onProgress: (l) => progress.push(l) });
    expect(engine.calls).toEqual([
      ...PREPARE,
      ...NETWORK_AND_VOLUMES,
      ...CREATE,
      `startContainer id-nir-sim-${NE}`,
      `startContainer id-nir-sim-${NW}`,
      'startContainer id-nir-sim-pars',
      `inspectContainer id-nir-sim-${NE}`,
      `inspectContainer id-nir-sim-${NW}`,
      'inspectContainer id-nir-sim-pars',
      'startContainer id-nir-sim-broker',
      'inspectContainer id-nir-sim-broker',
    ]);
    expect(progress).toEqual([
      'image nir-sim:local: present, reused (--build rebuilds it)',
      'network nir-sim: created',
      `started nir-sim-${NE}, nir-sim-${NW}, nir-sim-pars; waiting until healthy`,
      `${NE}: healthy (engine healthcheck)`,
      `${NW}: healthy (engine healthcheck)`,
      'pars: healthy (engine healthcheck)',
      'started nir-sim-broker; waiting until healthy',
      'broker: healthy (engine healthcheck)',
    ]);
    expect(run).toEqual({
      project: 'nir-sim',
      engine: 'DOCKER_HOST=unix:///fake.sock',
      network: 'nir-sim',
      image: { name: 'nir-sim:local', source: 'reused' },
      containers: [
        { service: NE, role: 'gateway', name: `nir-sim-${NE}`, id: `id-nir-sim-${NE}` },
        { service: NW, role: 'gateway', name: `nir-sim-${NW}`, id: `id-nir-sim-${NW}` },
        { service: 'pars', role: 'pars', name: 'nir-sim-pars', id: 'id-nir-sim-pars' },
        { service: 'broker', role: 'broker', name: 'nir-sim-broker', id: 'id-nir-sim-broker' },
      ],
      volumes: ['nir-sim_audit', 'nir-sim_pars'],
      health: [NE, NW, 'pars', 'broker'].map((service) => ({
        service,
        via: 'engine-healthcheck',
        engineHealth: 'healthy',
      })),
      published: testPlan().published,
    });
  });

  it('accepts the published /health URL when the engine never runs the healthcheck, and says so', async () => {
    const engine = new RecordingEngine();
    engine.state = () => ({ status: 'running', running: true, exitCode: 0, health: 'starting' });
    const probed: string[] = [];
    const progress: string[] = [];
    const run = await startDockerRuntime(testPlan(), {
      engine,
      onProgress: (l) => progress.push(l),
      health: {
        probe: (url) => {
          probed.push(url);
          return Promise.resolve(true);
        },
      },
    });
    expect(probed).toEqual([
      'http://127.0.0.1:19001/health',
      'http://127.0.0.1:19002/health',
      'http://127.0.0.1:18100/health',
      'http://127.0.0.1:18080/health',
    ]);
    expect(run.health).toEqual([
      { service: NE, via: 'published-url', url: 'http://127.0.0.1:19001/health', engineHealth: 'starting' },
      { service: NW, via: 'published-url', url: 'http://127.0.0.1:19002/health', engineHealth: 'starting' },
      {
        service: 'pars',
        via: 'published-url',
        url: 'http://127.0.0.1:18100/health',
        engineHealth: 'starting',
      },
      {
        service: 'broker',
        via: 'published-url',
        url: 'http://127.0.0.1:18080/health',
        engineHealth: 'starting',
      },
    ]);
    expect(progress).toContain(
      `${NE}: healthy (http://127.0.0.1:19001/health answered 200; engine health: starting)`,
    );
  });

  it('removes everything it created when a container exits while starting, with its last log lines', async () => {
    const engine = new RecordingEngine();
    engine.state = (name) =>
      name === `nir-sim-${NW}`
        ? { status: 'exited', running: false, exitCode: 66 }
        : { status: 'running', running: true, exitCode: 0, health: 'healthy' };
    engine.logs = 'nir-sim: /nope has no data pack: run npm run sim data-pack generate -- --out /nope\n';
    const err = await rejection(startDockerRuntime(testPlan(), { engine }));
    expect(err.code).toBe('SIM_ERR_START_TIMEOUT');
    expect(err.message).toBe(
      `container nir-sim-${NW} (${NW}) stopped while starting: exited, exit code 66; everything this start created was removed again\n` +
        `last 1 log lines of ${NW}:\n` +
        '  | nir-sim: /nope has no data pack: run npm run sim data-pack generate -- --out /nope',
    );
    expect(engine.calls).toEqual([
      ...PREPARE,
      ...NETWORK_AND_VOLUMES,
      ...CREATE,
      `startContainer id-nir-sim-${NE}`,
      `startContainer id-nir-sim-${NW}`,
      'startContainer id-nir-sim-pars',
      `inspectContainer id-nir-sim-${NE}`,
      `inspectContainer id-nir-sim-${NW}`,
      `containerLogs id-nir-sim-${NW} 20`,
      ...ROLLBACK,
    ]);
  });

  it('gives up at the deadline, names what was not healthy and removes everything it created', async () => {
    const engine = new RecordingEngine();
    engine.state = (name) =>
      name === 'nir-sim-pars'
        ? { status: 'running', running: true, exitCode: 0, health: 'starting' }
        : { status: 'running', running: true, exitCode: 0, health: 'healthy' };
    const clock = fakeClock();
    const err = await rejection(
      startDockerRuntime(testPlan(), {
        engine,
        healthTimeoutMs: 1_000,
        health: { ...clock, pollMs: 500, probe: () => Promise.resolve(false) },
      }),
    );
    expect(err.code).toBe('SIM_ERR_START_TIMEOUT');
    expect(err.message).toBe(
      'not healthy in time: pars (running, health starting); everything this start created was removed again\n' +
        'last 2 log lines of pars:\n  | line one\n  | line two',
    );
    // Three rounds for pars (t = 0, 500, 1000 ms), then its logs, then the rollback; the broker never starts.
    expect(engine.calls.slice(PREPARE.length + NETWORK_AND_VOLUMES.length + CREATE.length)).toEqual([
      `startContainer id-nir-sim-${NE}`,
      `startContainer id-nir-sim-${NW}`,
      'startContainer id-nir-sim-pars',
      `inspectContainer id-nir-sim-${NE}`,
      `inspectContainer id-nir-sim-${NW}`,
      'inspectContainer id-nir-sim-pars',
      'inspectContainer id-nir-sim-pars',
      'inspectContainer id-nir-sim-pars',
      'containerLogs id-nir-sim-pars 20',
      ...ROLLBACK,
    ]);
  });

  it('refuses to start when containers of the project exist, and creates nothing', async () => {
    const engine = new RecordingEngine();
    engine.existing = [
      { id: 'abc', name: 'nir-sim-broker', labels: {}, state: 'exited', status: 'Exited (0)' },
    ];
    const err = await rejection(startDockerRuntime(testPlan(), { engine }));
    expect(err.code).toBe('SIM_ERR_ALREADY_RUNNING');
    expect(err.message).toBe(
      'containers of project nir-sim already exist (nir-sim-broker exited): run npm run sim down -- --runtime docker first',
    );
    expect(engine.calls).toEqual(['ping', `listContainers ${LABEL}`]);
  });

  it('builds a missing image from the Dockerfile, and says how when it cannot', async () => {
    const engine = new RecordingEngine();
    engine.image = false;
    const err = await rejection(startDockerRuntime(testPlan(), { engine }));
    expect(err.message).toBe(
      'image nir-sim:local is not on the engine at DOCKER_HOST=unix:///fake.sock and cannot be built (no build context given): build it with scripts/containers/build-image.sh',
    );
    expect(engine.calls).toEqual(PREPARE);

    const building = new RecordingEngine();
    building.image = false;
    const progress: string[] = [];
    const run = await startDockerRuntime(testPlan(), {
      engine: building,
      build: { context: repoDir, dockerfile: 'compose/Dockerfile' },
      onProgress: (l) => progress.push(l),
    });
    expect(run.image).toEqual({ name: 'nir-sim:local', source: 'built' });
    expect(building.calls.slice(0, 4)).toEqual([
      ...PREPARE,
      `buildImage nir-sim:local compose/Dockerfile ${repoDir}`,
    ]);
    expect(progress.slice(0, 3)).toEqual([
      `image nir-sim:local: building from compose/Dockerfile in ${repoDir}`,
      '  build: Step 1/2 : FROM node',
      'image nir-sim:local: built',
    ]);
  });

  it("adds the topology's faults through the control API once healthy; a refused fault rolls back", async () => {
    const bodies: unknown[] = [];
    let answer = 201;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push({ method: req.method, url: req.url, body: JSON.parse(body) as unknown });
        const payload =
          answer === 201
            ? { faults: JSON.parse(body) as unknown }
            : { error: 'invalid faults', problems: ["faults[0].gateway: no gateway named 'x'"] };
        res.writeHead(answer, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const plan = testPlan();
      plan.published.control.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const faults = [{ name: 'slow-ne', gateway: NE, kind: 'latency', ms: 200 }] as unknown as FaultSpec[];
      const engine = new RecordingEngine();
      const progress: string[] = [];
      await startDockerRuntime(plan, { engine, faults, onProgress: (l) => progress.push(l) });
      expect(bodies).toEqual([{ method: 'POST', url: '/faults', body: faults }]);
      expect(progress.at(-1)).toBe(`faults added through ${plan.published.control.url}: slow-ne`);

      answer = 400;
      const refused = new RecordingEngine();
      const err = await rejection(startDockerRuntime(plan, { engine: refused, faults }));
      expect(err.code).toBe('SIM_ERR_BAD_ARGUMENT');
      expect(err.message).toBe(
        "the control API refused the request (invalid faults):\n  faults[0].gateway: no gateway named 'x'",
      );
      expect(refused.calls.slice(-ROLLBACK.length)).toEqual(ROLLBACK);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
