/**
 * dockerode is an optionalDependency loaded only by the docker runtime (containers/docker-engine.ts
 * loadDockerode), and run-time files resolve from the package root whether the code runs from the
 * sources or from dist/ (shared/package-root.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDockerode } from './docker-engine.js';
import { SimError } from '../shared/errors.js';
import { findPackageRoot, packageRoot } from '../shared/package-root.js';
import { repoRoot } from '../../test/helpers/repo-root.js';

describe('loadDockerode', () => {
  it('loads dockerode when it is installed', async () => {
    const Dockerode = await loadDockerode();
    expect(typeof Dockerode).toBe('function');
    expect(typeof new Dockerode({ socketPath: '/nonexistent.sock' }).ping).toBe('function');
  });

  it('names the install command when the package is missing', async () => {
    // A real ERR_MODULE_NOT_FOUND from Node's loader, as when npm install --omit=optional left it out.
    const missing = () => import(`nir-sim-no-such-package-${process.pid}`) as never;
    const err: unknown = await loadDockerode(missing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SimError);
    const e = err as SimError;
    expect([e.code, e.exitCode, e.message]).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      64,
      'the docker runtime needs the optional package dockerode, which is not installed: run npm install dockerode (or npm install without --omit=optional)',
    ]);
  });

  it('passes other load failures through unchanged', async () => {
    const broken = new Error('dockerode: syntax error');
    await expect(loadDockerode(() => Promise.reject(broken))).rejects.toBe(broken);
  });
});

describe('packageRoot', () => {
  it('is the repository root when running from the sources', () => {
    expect(packageRoot).toBe(repoRoot);
  });

  it('is found from a compiled module three levels down (dist/simulator/shared)', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'nir-sim-root-'));
    try {
      writeFileSync(path.join(root, 'package.json'), '{}');
      const deep = path.join(root, 'dist', 'simulator', 'shared');
      mkdirSync(deep, { recursive: true });
      expect(findPackageRoot(deep)).toBe(root);
      expect(findPackageRoot(root)).toBe(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
