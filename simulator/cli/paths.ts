/** Where the CLI keeps its state and finds the committed default data pack. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The committed default data pack. */
export const defaultDataPackDir = path.join(repoRoot, 'data-packs', 'default');

/** Run-time state (state.json, sim.log, generated packs): `NIR_SIM_HOME` or `<repo>/.nir-sim`. */
export function stateHome(): string {
  return process.env['NIR_SIM_HOME'] ?? path.join(repoRoot, '.nir-sim');
}
