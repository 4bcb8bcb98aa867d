/** Where the CLI keeps its state and finds the committed default data pack. */
import path from 'node:path';
import { packageRoot } from './package-root.js';

/** The repository root: the directory of package.json, from the sources or from dist/. */
export const repoRoot = packageRoot;

/** The committed default data pack. */
export const defaultDataPackDir = path.join(repoRoot, 'data-packs', 'default');

/** Run-time state (state.json, sim.log, generated packs): `NIR_SIM_HOME` or `<repo>/.nir-sim`. */
export function stateHome(): string {
  return process.env['NIR_SIM_HOME'] ?? path.join(repoRoot, '.nir-sim');
}
