/**
 * Issue 7 (b): `npm run sim up -- --runtime docker` against a real engine, as a supplier developer
 * runs it: the same endpoints as the in-process runtime, container states in `sim status`, one
 * community timing out gives PartialSuccess, a retrieve crosses two containers, and
 * `sim down -- --runtime docker` leaves nothing behind. Run by `npm run test:containers`.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStack, containersLabelled, sim, tempHome, waitAllHealthy } from './stack.js';

const PORT_BASE = 38080;
const broker = `http://127.0.0.1:${PORT_BASE}`;
const COMMUNITIES = ['north-east-imaging-network', 'north-west-imaging-network', 'yorkshire-imaging-network'];

describe('sim up --runtime docker', () => {
  let env: NodeJS.ProcessEnv;
  let home: string;
  let upOutput = '';
  const projectContainers = () => containersLabelled('io.nir-sim.project=nir-sim', 'io.nir-sim.service');

  beforeAll(async () => {
    home = await tempHome();
    env = { NIR_SIM_HOME: home };
    const up = await sim(
      ['up', '--runtime', 'docker', '--port-base', String(PORT_BASE), '--deadline-ms', '1000'],
      env,
      400_000,
    );
    upOutput = up.stdout;
    expect(up.code, `sim up --runtime docker failed:\n${up.stderr}${up.stdout}`).toBe(0);
  }, 400_000);

  afterAll(async () => {
    if (!env) return;
    const down = await sim(['down', '--runtime', 'docker', '--volumes'], env, 120_000);
    expect(down.code, down.stderr).toBe(0);
    expect(await projectContainers()).toEqual([]);
    const status = await sim(['status'], env);
    expect([status.code, status.stderr.trim()]).toEqual([
      69,
      'nir-sim: not running: start it with npm run sim up',
    ]);
    await rm(home, { recursive: true, force: true });
  }, 120_000);

  it('prints the same endpoints as the in-process runtime', () => {
    expect(upOutput).toContain(`Broker (sandbox port, open access): ${broker}`);
    expect(upOutput).toContain(`ITI-38  POST ${broker}/xca/iti38`);
    expect(upOutput).toContain(`Control API (faults, transactions log): http://127.0.0.1:${PORT_BASE + 10}`);
    COMMUNITIES.forEach((c, i) =>
      expect(upOutput).toMatch(
        new RegExp(`${c}\\s.*http://127\\.0\\.0\\.1:${PORT_BASE + 921 + i}/xca/iti38`),
      ),
    );
  });

  it('sim status --json shows every container running and healthy', async () => {
    await waitAllHealthy(projectContainers, 5);
    const status = await sim(['status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout) as {
      runtime: string;
      containers: { service: string; role: string; state: string; health: string }[];
    };
    expect(s.runtime).toBe('docker');
    expect(s.containers.map((c) => [c.service, c.role, c.state, c.health]).sort()).toEqual(
      [
        ['broker', 'broker', 'running', 'healthy'],
        ['pars', 'pars', 'running', 'healthy'],
        ...COMMUNITIES.map((c) => [c, 'gateway', 'running', 'healthy']),
      ].sort(),
    );
  });

  it('a community timing out gives PartialSuccess; a retrieve crosses two containers', async () => {
    await checkStack(broker, undefined, env);
  }, 180_000);

  it('PARS (its own container) received the audit of those transactions', async () => {
    const res = await fetch(`http://127.0.0.1:${PORT_BASE + 20}/FHIR/R4/AuditEvent`);
    expect(res.status).toBe(200);
    const bundle = (await res.json()) as { resourceType: string; total: number };
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.total).toBeGreaterThan(0);
  });
});
