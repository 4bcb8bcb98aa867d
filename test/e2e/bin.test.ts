/**
 * The package's bin as a user scripts it: `npx nir-sim ...` runs the compiled CLI (dist/, brought
 * up to date by vitest's globalSetup) and prints nothing of npm's own on stdout, so
 * `npx nir-sim status --json | jq` parses.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/repo-root.js';

const home = mkdtempSync(path.join(tmpdir(), 'nir-sim-bin-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function npx(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npx', ['nir-sim', ...args], {
    cwd: repoRoot,
    env: { ...process.env, NIR_SIM_HOME: home },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npx nir-sim', () => {
  it('--help lists every command on stdout', () => {
    const r = npx('--help');
    expect([r.status, r.stderr]).toEqual([0, '']);
    for (const c of [
      'up',
      'down',
      'status',
      'fault',
      'data-pack',
      'scenario',
      'audit',
      'certs',
      'saml',
      'token',
      'serve',
      'compose',
    ])
      expect(r.stdout).toMatch(new RegExp(`^ +npm run sim -- ${c}\\b`, 'm'));
  });

  it('status --json with nothing running: no npm banner on stdout, one line on stderr, exit 69', () => {
    const r = npx('status', '--json');
    expect([r.status, r.stdout, r.stderr]).toEqual([
      69,
      '',
      'nir-sim: not running: start it with npm run sim up\n',
    ]);
  });

  it('an unknown command loads every command, so yargs still suggests the nearest one', () => {
    const r = npx('stauts');
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('Did you mean status?');
  });

  it('the build ships the prebuilt FHIR validators that the compiled PARS loads', () => {
    const { AuditEvent: validate } = createRequire(import.meta.url)(
      path.join(repoRoot, 'dist', 'simulator', 'fhir', 'fhir-r4-validators.cjs'),
    ) as { AuditEvent: (resource: unknown) => boolean };
    const golden = JSON.parse(
      readFileSync(
        path.join(repoRoot, 'simulator', 'audit', 'test-support', 'iti38-audit-event.golden.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    expect([validate(golden), validate({ ...golden, agent: undefined })]).toEqual([true, false]);
  });
});
