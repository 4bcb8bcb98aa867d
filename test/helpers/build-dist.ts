/**
 * vitest globalSetup: the tests that spawn the CLI run what users run (`npm run sim`, bin/nir-sim.js,
 * the compiled dist/), so dist/ is brought up to date once before any test file starts, rather
 * than by the first spawned CLI inside a test's time budget (scripts/build.mjs --if-stale).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--if-stale'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0)
    throw new Error(`npm run build failed (exit ${String(r.status ?? r.signal)}): see above`);
}
