/**
 * The CLI as a user runs it: `npm run sim up -- --detach`, `sim status --json`, a query with the
 * printed patient, `sim down`; and the one-line errors for a busy port and a missing pack.
 * Each test spawns real processes, so every test and hook has the spawn's own bound
 * ({@link SPAWN_MS}) and the brokers have generous deadlines: the outcomes asserted never depend
 * on how busy the machine is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findDocumentsEnvelope } from '../../simulator/cli/example-request.js';
import { ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { runSim, type SimRun } from '../helpers/sim-cli.js';
import { repoDir } from '../helpers/topology.js';

/** Longest one CLI run may take, ms (npm + node start-up on a loaded machine); also each test's floor. */
const SPAWN_MS = 120_000;
/** The broker deadline of these runs, ms: a community that answers at all answers well within it. */
const DEADLINE_MS = 5_000;

const home = mkdtempSync(path.join(tmpdir(), 'nir-sim-e2e-'));
const env = { ...process.env, NIR_SIM_HOME: home, NIR_SIM_LOG_LEVEL: 'warn' };

function sim(...args: string[]) {
  return simWith(env, ...args);
}

function simWith(simEnv: NodeJS.ProcessEnv, ...args: string[]): SimRun {
  return runSim(args, { env: simEnv, timeoutMs: SPAWN_MS });
}

describe('sim CLI', () => {
  afterAll(() => {
    sim('down');
    rmSync(home, { recursive: true, force: true });
  }, SPAWN_MS);

  it('up --detach, status --json, a query, down', { timeout: 300_000 }, async () => {
    const up = sim('up', '--detach', '--port-base', '0', '--deadline-ms', String(DEADLINE_MS));
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('nir-sim is up');
    expect(up.stdout).toContain('curl -sS -X POST');

    const status = sim('status', '--json');
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as {
      pid: number;
      broker: { endpoints: Record<string, string>; deadlineMs: number; consumers: unknown };
      communities: { name: string; homeCommunityId: string; endpoints: Record<string, string> }[];
      dataPackDir: string;
      pars: { url: string; fhirBaseUrl: string };
    };
    expect(Object.keys(s.broker.endpoints)).toEqual([
      'ITI-38',
      'ITI-39',
      'RAD-75',
      'ITI-67',
      'ITI-68',
      'WADO-RS',
    ]);
    expect([s.broker.deadlineMs, s.broker.consumers]).toEqual([DEADLINE_MS, {}]);
    expect(s.pars.fhirBaseUrl).toBe(`${s.pars.url}/FHIR/R4`);
    expect(s.pars.fhirBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/FHIR\/R4$/);
    const bundle = await fetch(`${s.pars.fhirBaseUrl}/AuditEvent`);
    expect(bundle.status).toBe(200);
    expect(((await bundle.json()) as { resourceType: string }).resourceType).toBe('Bundle');
    expect(s.communities.map((c) => c.name)).toEqual([
      'north-east-imaging-network',
      'north-west-imaging-network',
      'yorkshire-imaging-network',
    ]);
    expect(s.dataPackDir).toBe(path.join(repoDir, 'data-packs', 'default'));

    const nhs = /FindDocuments for patient (\d{10})/.exec(up.stdout)?.[1];
    expect(nhs).toBeDefined();
    const { response } = readQueryResponse(
      await post(s.broker.endpoints['ITI-38']!, findDocumentsEnvelope(nhs!)),
    );
    expect(response.status).toBe(ResponseStatus.Success);
    expect(new Set(response.objects.map((o) => o.home))).toEqual(
      new Set(s.communities.map((c) => c.homeCommunityId)),
    );

    const again = sim('up', '--detach', '--port-base', '0');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toBe(
      `nir-sim: nir-sim is already running (pid ${s.pid}): run npm run sim down first`,
    );

    const down = sim('down');
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`nir-sim (pid ${s.pid}) stopped`);
    const after = sim('status', '--json');
    expect(after.code).not.toBe(0);
    expect(after.stderr).toBe('nir-sim: not running: start it with npm run sim up');
  });

  it(
    'a port already in use: one line that says what to do, non-zero exit',
    { timeout: SPAWN_MS },
    async () => {
      const blocker = createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const port = (blocker.address() as AddressInfo).port;
      try {
        const r = sim('up', '--port-base', String(port));
        expect(r.code).toBe(69);
        expect(r.stderr).toMatch(
          new RegExp(
            `^nir-sim: port ${port} \\(broker sandbox\\) is in use: stop what holds it or pass --port-base with a free range$|^nir-sim: port \\d+ \\(responding gateway [a-z-]+\\) is in use`,
          ),
        );
        expect(r.stderr.split('\n')).toHaveLength(1);
      } finally {
        blocker.close();
      }
    },
  );

  it('a missing data pack: one line that says what to do, non-zero exit', { timeout: SPAWN_MS }, () => {
    const r = sim('up', '--data-pack', path.join(home, 'no-such-pack'), '--port-base', '0');
    expect(r.code).toBe(66);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no-such-pack');
    expect(r.stderr).toContain('npm run sim data-pack generate');
  });
});

describe('sim fault against a detached sim started from a topology file', () => {
  const faultHome = mkdtempSync(path.join(tmpdir(), 'nir-sim-e2e-faults-'));
  const faultEnv = { ...process.env, NIR_SIM_HOME: faultHome, NIR_SIM_LOG_LEVEL: 'warn' };
  const simF = (...args: string[]) => simWith(faultEnv, ...args);
  const topologyFile = path.join(faultHome, 'two-networks.yaml');
  writeFileSync(
    topologyFile,
    [
      'schemaVersion: 1',
      'gateways: 2',
      'broker:',
      `  deadlineMs: ${DEADLINE_MS}`,
      'faults:',
      '  - { name: slow-nw, gateway: north-west-imaging-network, kind: latency, latencyMs: 10 }',
      '',
    ].join('\n'),
  );
  afterAll(() => {
    simF('down');
    rmSync(faultHome, { recursive: true, force: true });
  }, SPAWN_MS);

  it('up --topology, fault add/list/rm/clear, and the broker answers change without a restart', async () => {
    const up = simF('up', '--detach', '--port-base', '0', '--topology', topologyFile);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(
      /Control API \(faults, transactions log\): http:\/\/127\.0\.0\.1:\d+\n {2}faults active: 1 /,
    );
    const s = JSON.parse(simF('status', '--json').stdout) as {
      broker: { endpoints: Record<string, string> };
      communities: { name: string; homeCommunityId: string }[];
      control: { url: string };
      topologyFile: string;
      activeFaults: number;
    };
    expect(s.communities.map((c) => c.name)).toEqual([
      'north-east-imaging-network',
      'north-west-imaging-network',
    ]);
    expect(s.control.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.topologyFile).toBe(topologyFile);
    expect(s.activeFaults).toBe(1);

    const add = simF('fault', 'add', '--gateway', 'north-east-imaging-network', '--kind', 'timeout');
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toBe(
      'added fault timeout-north-east-imaging-network: timeout on north-east-imaging-network (always)\n',
    );
    const list = simF('fault', 'list');
    expect(list.stdout.split('\n').map((l) => l.split(/\s+/).slice(0, 6).join(' '))).toEqual([
      'NAME GATEWAY KIND WHEN MATCHED APPLIED',
      'slow-nw north-west-imaging-network latency always 0 0',
      'timeout-north-east-imaging-network north-east-imaging-network timeout always 0 0',
      '',
    ]);

    const [ne, nw] = s.communities;
    const nhs = '9995649284';
    const partial = readQueryResponse(await post(s.broker.endpoints['ITI-38']!, findDocumentsEnvelope(nhs)));
    expect(partial.response.status).toBe(ResponseStatus.PartialSuccess);
    expect(partial.response.errors).toEqual([
      {
        errorCode: 'XDSUnavailableCommunity',
        codeContext: `community ${ne!.homeCommunityId} (${ne!.name}) did not answer within ${DEADLINE_MS} ms`,
        severity: ErrorSeverity.Error,
        location: ne!.homeCommunityId,
      },
    ]);
    expect(new Set(partial.response.objects.map((o) => o.home))).toEqual(new Set([nw!.homeCommunityId]));
    const counted = JSON.parse(simF('fault', 'list', '--json').stdout) as {
      faults: { fault: { name: string }; matched: number; applied: number }[];
    };
    expect(counted.faults.map((f) => [f.fault.name, f.matched, f.applied])).toEqual([
      ['slow-nw', 1, 1],
      ['timeout-north-east-imaging-network', 1, 1],
    ]);

    const bad = simF('fault', 'add', '--gateway', 'atlantis', '--kind', 'gremlins', '--probability', '3');
    expect(bad.code).toBe(64);
    expect(bad.stderr.split('\n')).toEqual([
      'nir-sim: the control API refused the request (invalid fault):',
      expect.stringMatching(/^ {2}--kind: unknown kind "gremlins"; expected one of latency, /) as string,
      "  --gateway: no community named 'atlantis' (known: north-east-imaging-network, north-west-imaging-network, pars)",
      '  --probability: Too big: expected number to be <=1',
    ]);

    expect(simF('fault', 'rm', 'slow-nw').stdout).toBe('removed fault slow-nw\n');
    const again = simF('fault', 'rm', 'slow-nw');
    expect([again.code, again.stderr]).toEqual([
      64,
      "nir-sim: no fault named 'slow-nw' (see npm run sim fault list)",
    ]);
    expect(simF('fault', 'clear').stdout).toBe('removed 1 fault; every community behaves again\n');
    expect(simF('fault', 'list').stdout).toBe(
      'no faults (add one with npm run sim fault add -- --gateway <name> --kind <kind>)\n',
    );
    const ok = readQueryResponse(await post(s.broker.endpoints['ITI-38']!, findDocumentsEnvelope(nhs)));
    expect(ok.response.status).toBe(ResponseStatus.Success);
    expect(ok.response.errors).toEqual([]);

    expect(simF('down').code).toBe(0);
    const notRunning = simF('fault', 'list');
    expect([notRunning.code, notRunning.stderr]).toEqual([
      69,
      'nir-sim: not running: start it with npm run sim up',
    ]);
  }, 180_000);

  it('--topology with --gateways: one line that says what to do, exit 64', { timeout: SPAWN_MS }, () => {
    const r = simF('up', '--topology', topologyFile, '--gateways', '3', '--port-base', '0');
    expect([r.code, r.stderr]).toEqual([
      64,
      `nir-sim: --topology cannot be combined with --gateways: set gateways and dataPack in ${topologyFile} instead`,
    ]);
  });
});
