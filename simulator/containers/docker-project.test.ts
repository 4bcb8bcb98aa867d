/**
 * `sim down --runtime docker` and `sim status` for the docker runtime
 * (simulator/containers/docker-project.ts) against a recording engine: containers found by label,
 * the broker stopped first, networks removed, volumes only when asked, nothing there not an
 * error, and each container's state and health broker first.
 */
import { describe, expect, it } from 'vitest';
import type { EngineContainer } from './docker-engine.js';
import { dockerStatus, stopDockerRuntime } from './docker-runtime.js';
import { RecordingEngine } from '../../test/helpers/recording-engine.js';

const NE = 'north-east-imaging-network';
const LABEL = 'io.nir-sim.project=nir-sim';

describe('stopDockerRuntime and dockerStatus', () => {
  const listed: EngineContainer[] = [
    {
      id: 'g1',
      name: `nir-sim-${NE}`,
      labels: { 'io.nir-sim.role': 'gateway', 'io.nir-sim.service': NE },
      state: 'running',
      status: 'Up',
    },
    {
      id: 'b1',
      name: 'nir-sim-broker',
      labels: { 'io.nir-sim.role': 'broker', 'io.nir-sim.service': 'broker' },
      state: 'running',
      status: 'Up',
    },
    {
      id: 'p1',
      name: 'nir-sim-pars',
      labels: { 'io.nir-sim.role': 'pars', 'io.nir-sim.service': 'pars' },
      state: 'exited',
      status: 'Exited',
    },
  ];

  it('stops the broker first, then the rest, removes containers and networks by label, keeps volumes', async () => {
    const engine = new RecordingEngine();
    engine.existing = listed;
    engine.networks = ['nir-sim'];
    engine.volumes = ['nir-sim_audit'];
    const progress: string[] = [];
    const removed = await stopDockerRuntime('nir-sim', { engine, onProgress: (l) => progress.push(l) });
    expect(engine.calls).toEqual([
      `listContainers ${LABEL}`,
      'stopContainer b1 10',
      'stopContainer p1 10',
      'stopContainer g1 10',
      'removeContainer b1',
      'removeContainer p1',
      'removeContainer g1',
      `listNetworks ${LABEL}`,
      'removeNetwork nir-sim',
    ]);
    expect(removed).toEqual({
      containers: ['nir-sim-broker', 'nir-sim-pars', `nir-sim-${NE}`],
      networks: ['nir-sim'],
      volumes: [],
    });
    expect(progress).toEqual([
      'removed container nir-sim-broker',
      'removed container nir-sim-pars',
      `removed container nir-sim-${NE}`,
      'removed network nir-sim',
    ]);
  });

  it('removes the named volumes with volumes: true; nothing there is not an error', async () => {
    const engine = new RecordingEngine();
    engine.volumes = ['nir-sim_audit', 'nir-sim_pars'];
    expect(await stopDockerRuntime('nir-sim', { engine, volumes: true })).toEqual({
      containers: [],
      networks: [],
      volumes: ['nir-sim_audit', 'nir-sim_pars'],
    });
    expect(engine.calls).toEqual([
      `listContainers ${LABEL}`,
      `listNetworks ${LABEL}`,
      `listVolumes ${LABEL}`,
      'removeVolume nir-sim_audit',
      'removeVolume nir-sim_pars',
    ]);
    const empty = new RecordingEngine();
    expect(await stopDockerRuntime('nir-sim', { engine: empty })).toEqual({
      containers: [],
      networks: [],
      volumes: [],
    });
  });

  it("reports each container's state and health, broker first", async () => {
    const engine = new RecordingEngine();
    engine.existing = listed;
    engine.state = (id) =>
      id === 'p1'
        ? { status: 'exited', running: false, exitCode: 1 }
        : { status: 'running', running: true, exitCode: 0, health: 'starting' };
    expect(await dockerStatus('nir-sim', { engine })).toEqual({
      engine: 'DOCKER_HOST=unix:///fake.sock',
      project: 'nir-sim',
      containers: [
        {
          name: 'nir-sim-broker',
          id: 'b1',
          service: 'broker',
          role: 'broker',
          state: 'running',
          health: 'starting',
        },
        { name: 'nir-sim-pars', id: 'p1', service: 'pars', role: 'pars', state: 'exited', health: 'none' },
        {
          name: `nir-sim-${NE}`,
          id: 'g1',
          service: NE,
          role: 'gateway',
          state: 'running',
          health: 'starting',
        },
      ],
    });
  });
});
