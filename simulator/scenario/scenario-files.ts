/**
 * Finding scenario files for `sim scenario`: a path, or a name of a shipped scenario
 * (`scenarios/<name>.scenario.yaml`), the list of shipped ones, and loading with every problem
 * turned into one SimError (exit 64): what `sim scenario` and the tests that run a shipped scenario share.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { loadScenarioFile, SCENARIO_SUFFIX, type ScenarioParseOptions } from './scenario-file.js';
import type { ScenarioSpec } from './scenario-spec.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { repoRoot } from '../shared/sim-paths.js';

/** The shipped scenarios' directory. */
const scenariosDir = path.join(repoRoot, 'scenarios');

/**
 * The file for a command-line argument: an existing path, else a shipped scenario's name.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when neither exists.
 */
export function scenarioPath(arg: string): string {
  if (existsSync(arg) && !arg.endsWith('/')) return path.resolve(arg);
  const shipped = path.join(scenariosDir, `${arg}${SCENARIO_SUFFIX}`);
  if (existsSync(shipped)) return shipped;
  throw new SimError(
    SimErrorCode.BadArgument,
    `no scenario file ${arg} and no shipped scenario named '${arg}': see npm run sim scenario list`,
  );
}

/** Every shipped scenario file, sorted by name. */
export async function shippedScenarioFiles(): Promise<string[]> {
  const names = await readdir(scenariosDir);
  return names
    .filter((n) => n.endsWith(SCENARIO_SUFFIX))
    .sort()
    .map((n) => path.join(scenariosDir, n));
}

/** A path relative to the working directory when it is inside it, for messages. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/**
 * Load and validate a scenario file.
 * @throws SimError SIM_ERR_BAD_ARGUMENT (exit 64) listing every problem, one per line.
 */
export async function loadScenarioOrFail(
  file: string,
  opts: ScenarioParseOptions = {},
): Promise<ScenarioSpec> {
  const r = await loadScenarioFile(file, opts);
  if (r.ok) return r.scenario;
  const n = r.problems.length;
  throw new SimError(
    SimErrorCode.BadArgument,
    [
      `${displayPath(file)}: ${n} problem${n > 1 ? 's' : ''}; fix ${n > 1 ? 'them' : 'it'} and run it again:`,
      ...r.problems.map((p) => `  ${p}`),
    ].join('\n'),
  );
}
