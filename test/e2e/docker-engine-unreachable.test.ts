/**
 * `sim up --runtime docker`, `sim status` (with a docker state file) and `sim down --runtime
 * docker` as a user runs them when no container engine answers at DOCKER_HOST: one line naming
 * DOCKER_HOST and its value, exit 69, nothing written. Real CLI processes, a real missing socket
 * and a real closed TCP port; no engine needed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoDir } from '../helpers/topology.js';

const home = mkdtempSync(path.join(tmpdir(), 'nir-sim-docker-unreachable-'));
const socket = path.join(home, 'no-engine.sock');
let closedPort = 0;

beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closedPort = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Run the CLI with DOCKER_HOST set; stderr without npm's own warnings. */
function sim(dockerHost: string, nirSimHome: string, ...args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('npx', ['tsx', 'simulator/cli/main.ts', ...args], {
      cwd: repoDir,
      env: { ...process.env, DOCKER_HOST: dockerHost, NIR_SIM_HOME: nirSimHome, NIR_SIM_LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) =>
      resolve({
        code,
        stdout,
        stderr: stderr
          .split('\n')
          .filter((l) => l !== '' && !l.startsWith('npm warn'))
          .join('\n'),
      }),
    );
  });
}

const line = (dockerHost: string, why: string): string =>
  `nir-sim: cannot reach a container engine at DOCKER_HOST=${dockerHost} (${why}): start the engine there, or set DOCKER_HOST to the socket of one that runs`;

describe('docker runtime without a reachable engine', () => {
  it('up --runtime docker: a missing unix socket and a closed TCP port give one line and exit 69', async () => {
    const dir = mkdtempSync(path.join(home, 'up-'));
    const [unix, tcp] = await Promise.all([
      sim(`unix://${socket}`, dir, 'up', '--runtime', 'docker', '--port-base', '18080'),
      sim(`tcp://127.0.0.1:${closedPort}`, dir, 'up', '--runtime', 'docker', '--port-base', '18080'),
    ]);
    expect(unix).toEqual({ code: 69, stdout: '', stderr: line(`unix://${socket}`, 'ENOENT') });
    expect(tcp).toEqual({
      code: 69,
      stdout: '',
      stderr: line(`tcp://127.0.0.1:${closedPort}`, 'ECONNREFUSED'),
    });
    expect(existsSync(path.join(dir, 'state.json'))).toBe(false);
  }, 60_000);

  it('status with a docker state file and down --runtime docker say the same, and keep the state', async () => {
    const dir = mkdtempSync(path.join(home, 'state-'));
    const state = {
      pid: 1,
      startedAt: '2025-01-01T00:00:00.000Z',
      runtime: 'docker',
      broker: { url: 'http://127.0.0.1:18080', endpoints: {} },
      communities: [],
      docker: {
        project: 'nir-sim',
        engine: `DOCKER_HOST=unix://${socket}`,
        network: 'nir-sim',
        image: 'nir-sim:local',
        containers: [],
        volumes: [],
      },
    };
    writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
    const [status, down] = await Promise.all([
      sim(`unix://${socket}`, dir, 'status', '--json'),
      sim(`unix://${socket}`, dir, 'down', '--runtime', 'docker'),
    ]);
    expect(status).toEqual({ code: 69, stdout: '', stderr: line(`unix://${socket}`, 'ENOENT') });
    expect(down).toEqual({ code: 69, stdout: '', stderr: line(`unix://${socket}`, 'ENOENT') });
    expect(existsSync(path.join(dir, 'state.json'))).toBe(true);
  }, 60_000);
});
