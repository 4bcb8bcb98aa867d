/**
 * `npm run sim scenario run | list | check` as a user runs them: exit 0 on pass, 1 on a failed
 * step (with the differences), 64 for a bad file (every problem listed), reporters to a file,
 * and `--target` against a simulator started with `sim up --detach --deadline-ms 2000`, whose
 * faults and broker settings are left as they were (also after Ctrl-C); `sim broker show|set`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attr, childElements, parseXml } from '../../simulator/soap/xml.js';
import { runSim, type SimRun } from '../helpers/sim-cli.js';
import { repoDir } from '../helpers/topology.js';

const home = mkdtempSync(path.join(tmpdir(), 'nir-sim-scenario-'));
const env = { ...process.env, NIR_SIM_HOME: home, NIR_SIM_LOG_LEVEL: 'error' };

function sim(...args: string[]): SimRun {
  return runSim(args, { env });
}

function scenarioFile(name: string, text: string): string {
  const file = path.join(home, `${name}.scenario.yaml`);
  writeFileSync(file, text);
  return file;
}

const failing = `schemaVersion: 1
name: wrong-expectation
description: expects a failure where every network answers
steps:
  - kind: query
    patient: known-to-all
    expect:
      status: Failure
      documents: 10
  - kind: wait
    ms: 1
`;

describe('sim scenario', () => {
  afterAll(() => {
    sim('down');
    rmSync(home, { recursive: true, force: true });
  });

  it('run <name> passes with exit 0 and a line per step', { timeout: 120_000 }, () => {
    const r = sim('scenario', 'run', 'known-to-all-networks');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^ {2}PASS {3}1 query find: ITI-38 FindDocuments, patient 9995649284 \(known-to-all\)/m,
    );
    expect(r.stdout).toContain('PASSED known-to-all-networks: 2/2 steps passed');
  });

  it(
    'run <file> that fails exits 1 and shows actual vs expected; junit goes to --out',
    { timeout: 120_000 },
    () => {
      const file = scenarioFile('wrong-expectation', failing);
      const out = path.join(home, 'report.xml');
      const r = sim('scenario', 'run', file, '--reporter', 'junit', '--out', out);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toContain('status: expected Failure, got Success');
      expect(r.stdout).toContain('FAILED wrong-expectation: 1/2 steps passed');
      expect(r.stdout).toContain(`report written to ${out}`);
      const root = parseXml(readFileSync(out, 'utf8')).documentElement!;
      expect([attr(root, 'tests'), attr(root, 'failures')]).toEqual(['2', '1']);
      const failure = childElements(childElements(root)[0]!, undefined, 'testcase')[0]!;
      expect(attr(childElements(failure)[0]!, 'message')).toBe('status: expected Failure, got Success');
    },
  );

  it('run and check refuse a bad file with exit 64, listing every problem', { timeout: 120_000 }, () => {
    const file = scenarioFile(
      'bad',
      'schemaVersion: 1\nname: bad\ndescription: bad\nsteps:\n  - kind: query\n    expect: {}\n  - kind: retrieve\n    from: nope\n    expect: { status: Sucess }\n',
    );
    for (const verb of ['run', 'check']) {
      const r = sim('scenario', verb, file);
      expect(r.code).toBe(64);
      expect(r.stderr.split('\n')).toEqual([
        `nir-sim: ${file}: 4 problems; fix them and run it again:`,
        '  line 5: steps.0.patient: FindDocuments needs a patient',
        '  line 6: steps.0.expect: expect needs `status` (and its exact `errors`, none when left out) or `soapFault`',
        "  line 8: steps.1.from: 'nope' is not the id of an earlier query or find-document-references step",
        '  line 9: steps.1.expect.status: Invalid option: expected one of "Success"|"PartialSuccess"|"Failure"',
      ]);
    }
  });

  it('check names the communities the topology lacks; a good file is ok', { timeout: 120_000 }, () => {
    const file = scenarioFile(
      'two-gateways',
      'schemaVersion: 1\nname: two-gateways\ndescription: d\ntopology:\n  gateways: 2\nsteps:\n  - kind: query\n    patient: known-to-all\n    home: yorkshire-imaging-network\n    expect: { status: Success }\n',
    );
    const r = sim('scenario', 'check', file);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(
      "line 9: steps.0.home: no community named 'yorkshire-imaging-network' in the topology (known: north-east-imaging-network, north-west-imaging-network)",
    );
    const ok = sim('scenario', 'check', 'one-network-times-out');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/one-network-times-out\.scenario\.yaml: ok \(one-network-times-out, 1 steps/);
  });

  it('list shows every shipped scenario with its description', { timeout: 120_000 }, () => {
    const r = sim('scenario', 'list');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^flapping-network +A network that fails half of the time \(probability 0\.5, seeded PRNG\)/m,
    );
    expect(r.stdout).toMatch(
      /^\d+ scenarios in scenarios; run one with npm run sim scenario run -- <name>$/m,
    );
  });

  it(
    'run --target uses the running simulator and removes the faults it added',
    { timeout: 300_000 },
    async () => {
      // As docs/faults.md's walk-through starts it: a deadline other than one-network-times-out's 1000 ms.
      const up = sim('up', '--detach', '--port-base', '0', '--deadline-ms', '2000');
      expect(up.code, up.stderr).toBe(0);
      const state = JSON.parse(sim('status', '--json').stdout) as { control: { url: string } };
      const settings = async (): Promise<unknown> =>
        (await fetch(`${state.control.url}/broker/settings`)).json();
      const timesOut = sim('scenario', 'run', 'one-network-times-out', '--target');
      expect(timesOut.code, timesOut.stdout + timesOut.stderr).toBe(0);
      expect(timesOut.stdout).toContain('PASSED one-network-times-out: 1/1 steps passed');
      expect(timesOut.stderr).toBe(
        'nir-sim: note: broker settings for this run: deadline 1000 ms (was 2000 ms); put back afterwards',
      );
      expect(await settings()).toEqual({ deadlineMs: 2000, consumers: {} });
      const r = sim('scenario', 'run', 'one-network-refuses', '--target');
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('PASSED one-network-refuses: 4/4 steps passed');
      const t = sim('scenario', 'run', 'one-network-resets-mid-response', '--target');
      expect(t.code, t.stdout + t.stderr).toBe(0);
      const faults = (await (await fetch(`${state.control.url}/faults`)).json()) as { faults: unknown[] };
      expect(faults.faults).toEqual([]);
      const lacking = scenarioFile(
        'lacking',
        'schemaVersion: 1\nname: lacking\ndescription: d\nsteps:\n  - kind: add-faults\n    faults: [{ name: f, gateway: wessex-imaging-network, kind: refuse }]\n',
      );
      const refused = sim('scenario', 'run', lacking, '--target');
      expect(refused.code).toBe(64);
      expect(refused.stderr).toContain(
        "steps.0.faults.0.gateway: no community named 'wessex-imaging-network' in the topology",
      );

      // Ctrl-C mid-run: the faults it added are removed and the broker settings put back.
      const waiting = scenarioFile(
        'waiting',
        'schemaVersion: 1\nname: waiting\ndescription: d\ntopology:\n  broker:\n    deadlineMs: 1500\n  faults: [{ name: w, gateway: yorkshire-imaging-network, kind: timeout }]\nsteps:\n  - kind: wait\n    ms: 120000\n',
      );
      const child = spawn('npm', ['run', '--silent', 'sim', '--', 'scenario', 'run', waiting, '--target'], {
        cwd: repoDir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, signalled whole below, as a terminal's Ctrl-C signals the foreground group.
        detached: true,
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // 'close': npm passes the signal on and exits first; the CLI's own stderr ends when it has undone its changes.
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await expect
        .poll(settings, { timeout: 60_000, interval: 200 })
        .toEqual({ deadlineMs: 1500, consumers: {} });
      await expect
        .poll(async () => (await fetch(`${state.control.url}/faults`)).json())
        .toMatchObject({
          faults: [{ fault: { name: 'w' } }],
        });
      process.kill(-child.pid!, 'SIGINT');
      expect(await exited, stderr).not.toBe(0);
      expect(stderr).toContain('nir-sim: SIGINT: undoing what the scenario changed, then stopping');
      expect(await settings()).toEqual({ deadlineMs: 2000, consumers: {} });
      expect(await (await fetch(`${state.control.url}/faults`)).json()).toEqual({ faults: [] });
    },
  );

  it(
    'broker show and set change the running broker without a restart; bad flags say which',
    { timeout: 120_000 },
    () => {
      const shown = sim('broker', 'show', '--json');
      expect(shown.code, shown.stderr).toBe(0);
      expect(JSON.parse(shown.stdout)).toEqual({ deadlineMs: 2000, consumers: {} });
      const set = sim(
        'broker',
        'set',
        '--deadline-ms',
        '1500',
        '--consumers',
        '{"ne-only":{"include":["north-east-imaging-network"]}}',
      );
      expect(set.code, set.stderr).toBe(0);
      const ne = /include (urn:oid:[\d.]+)/.exec(set.stdout)?.[1];
      expect(set.stdout).toBe(
        `broker settings changed; from the next request on:\ndeadline   1500 ms per community\nconsumers\n  ne-only  include ${ne}\n`,
      );
      const bad = sim('broker', 'set', '--deadline-ms', 'abc');
      expect([bad.code, bad.stderr]).toEqual([
        64,
        "nir-sim: --deadline-ms 'abc' must be a positive whole number of milliseconds",
      ]);
      const unknown = sim(
        'broker',
        'set',
        '--consumers',
        '{"x":{"exclude":["wessex-imaging-network"]}}',
        '--deadline-ms',
        '0',
      );
      expect([unknown.code, unknown.stderr]).toEqual([
        64,
        "nir-sim: --deadline-ms '0' must be a positive whole number of milliseconds",
      ]);
      const refused = sim('broker', 'set', '--consumers', '{"x":{"exclude":["wessex-imaging-network"]}}');
      expect([refused.code, refused.stderr]).toEqual([
        64,
        [
          'nir-sim: the control API refused the request (invalid broker settings):',
          "  consumers.x.exclude.0: unknown community 'wessex-imaging-network'; expected a name or homeCommunityId of north-east-imaging-network, north-west-imaging-network, yorkshire-imaging-network",
        ].join('\n'),
      ]);
      const back = sim('broker', 'set', '--deadline-ms', '2000', '--consumers', '{}');
      expect(back.code, back.stderr).toBe(0);
      expect(sim('broker', 'show').stdout).toBe(
        'deadline   2000 ms per community\nconsumers  none (every consumer reaches every community)\n',
      );
    },
  );
});
