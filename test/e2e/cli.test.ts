/**
 * The CLI as a user runs it: `npm run sim up -- --detach`, `sim status --json`, a query with the
 * printed patient, `sim down`; and the one-line errors for a busy port and a missing pack.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findDocumentsEnvelope } from '../../simulator/cli/example-request.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { repoDir } from '../helpers/topology.js';

const home = mkdtempSync(path.join(tmpdir(), 'nir-sim-e2e-'));
const env = { ...process.env, NIR_SIM_HOME: home, NIR_SIM_LOG_LEVEL: 'warn' };

function sim(...args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'sim', '--', ...args], {
    cwd: repoDir,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr
      .split('\n')
      .filter((l) => !l.startsWith('npm warn'))
      .join('\n')
      .trim(),
  };
}

describe('sim CLI', () => {
  afterAll(() => {
    sim('down');
    rmSync(home, { recursive: true, force: true });
  });

  it('up --detach, status --json, a query, down', async () => {
    const up = sim('up', '--detach', '--port-base', '0');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('nir-sim is up');
    expect(up.stdout).toContain('curl -sS -X POST');

    const status = sim('status', '--json');
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout) as {
      pid: number;
      broker: { endpoints: Record<string, string> };
      communities: { name: string; homeCommunityId: string; endpoints: Record<string, string> }[];
      dataPackDir: string;
    };
    expect(Object.keys(s.broker.endpoints)).toEqual(['ITI-38', 'ITI-39']);
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

  it('a port already in use: one line that says what to do, non-zero exit', async () => {
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
  });

  it('a missing data pack: one line that says what to do, non-zero exit', () => {
    const r = sim('up', '--data-pack', path.join(home, 'no-such-pack'), '--port-base', '0');
    expect(r.code).toBe(66);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no-such-pack');
    expect(r.stderr).toContain('npm run sim data-pack generate');
  });
});
