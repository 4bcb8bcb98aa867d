/**
 * Container test (a), docs/containers.md: the rendered compose file, started with docker-compose
 * against a real engine (podman serving the Docker API in CI: scripts/containers/), as a QA
 * engineer would: one community timing out gives PartialSuccess, a retrieve crosses two
 * containers, and `down` leaves nothing running. Run by `npm run test:containers`, not by `npm test`.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkStack,
  composeCommand,
  containersLabelled,
  run,
  sim,
  tempHome,
  waitAllHealthy,
  waitFor200,
  type Ran,
  STACK_DEADLINE_MS,
} from './stack.js';

const PORT_BASE = 28080;
const PROJECT = 'nirsimtest';
const broker = `http://127.0.0.1:${PORT_BASE}`;
const control = `http://127.0.0.1:${PORT_BASE + 10}`;

describe('docker-compose up of a rendered compose file', () => {
  let file: string;
  const compose = (args: string[], timeoutMs = 300_000): Promise<Ran> =>
    run(composeCommand[0]!, [...composeCommand.slice(1), '-p', PROJECT, '-f', file, ...args], { timeoutMs });
  const projectContainers = () =>
    containersLabelled(`com.docker.compose.project=${PROJECT}`, 'com.docker.compose.service');

  beforeAll(async () => {
    file = path.join(await tempHome(), 'docker-compose.yml');
    const rendered = await sim([
      'compose',
      'render',
      '--port-base',
      String(PORT_BASE),
      '--deadline-ms',
      String(STACK_DEADLINE_MS),
      '--out',
      file,
    ]);
    expect(rendered.code, rendered.stderr).toBe(0);
    const up = await compose(['up', '-d', '--no-build']);
    expect(up.code, `docker-compose up failed:\n${up.stderr}${up.stdout}`).toBe(0);
    await waitFor200(`${broker}/health`);
    await waitFor200(`${control}/health`);
  }, 400_000);

  afterAll(async () => {
    if (!file) return;
    const down = await compose(['down', '-v', '--timeout', '10']);
    expect(down.code, down.stderr).toBe(0);
    expect(await projectContainers()).toEqual([]);
  }, 120_000);

  it('every service runs in its own container, healthy, on the one network', async () => {
    const states = await waitAllHealthy(projectContainers, 5);
    expect(states.map((c) => [c.service, c.state, c.health, c.networks]).sort()).toEqual(
      [
        'broker',
        'north-east-imaging-network',
        'north-west-imaging-network',
        'pars',
        'yorkshire-imaging-network',
      ].map((s) => [s, 'running', 'healthy', ['nir-sim']]),
    );
  });

  it('a community timing out gives PartialSuccess; a retrieve crosses two containers', async () => {
    await checkStack(broker, control);
  }, 180_000);

  it('faults set through the control API reach the gateway containers and leave with reset', async () => {
    const add = await sim([
      'fault',
      'add',
      '--control-url',
      control,
      '--name',
      'ne-down',
      '--gateway',
      'north-east-imaging-network',
      '--kind',
      'refuse',
    ]);
    expect(add.code, add.stderr).toBe(0);
    const topology = (await (await fetch(`${control}/topology`)).json()) as {
      communities: { name: string; down: boolean }[];
    };
    expect(topology.communities.map((c) => [c.name, c.down])).toEqual([
      ['north-east-imaging-network', true],
      ['north-west-imaging-network', false],
      ['yorkshire-imaging-network', false],
    ]);
    // The gateway container itself stopped listening: its published port refuses.
    await expect(fetch(`http://127.0.0.1:${PORT_BASE + 921}/health`)).rejects.toThrow();
    expect((await sim(['fault', 'clear', '--control-url', control])).code).toBe(0);
    // A container restarting on a busy machine: the same generous bound as the stack's start-up.
    await waitFor200(`http://127.0.0.1:${PORT_BASE + 921}/health`);
  }, 300_000);
});
