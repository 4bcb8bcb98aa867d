/**
 * `sim scenario run | list | check`: declarative scenarios (docs/scenarios.md). `run` starts the
 * scenario's own in-process topology on free ports (or, with --target, uses the running
 * simulator), runs every step, reports, and exits 0 when all passed, 1 when a step failed, 64
 * for a bad file.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { REPORTERS, report, type ReporterName } from '../../scenario/reporters/index.js';
import { runScenario } from '../../scenario/runner.js';
import { loadScenarioFile } from '../../scenario/scenario-file.js';
import type { ScenarioEnvironment } from '../../scenario/environment.js';
import type { ScenarioSpec } from '../../scenario/scenario-spec.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { createLogger } from '../../shared/logger.js';
import { resolveTopology } from '../../topology/resolve-topology.js';
import { runningState } from '../state.js';
import {
  connectTargetEnvironment,
  startInProcessEnvironment,
  topologySpecOf,
} from '../../scenario/environments.js';
import {
  displayPath,
  loadScenarioOrFail,
  scenarioPath,
  shippedScenarioFiles,
} from '../../scenario/scenario-files.js';

/** Register `scenario` and its subcommands. */
export function scenarioCommand(y: Argv): Argv {
  return y.command('scenario', 'run, list and check declarative scenarios (scenarios/*.scenario.yaml)', (a) =>
    a
      .command(
        'run <scenario>',
        'run a scenario file or shipped scenario name; exit 0 pass, 1 fail, 64 bad file',
        (b) =>
          b
            .positional('scenario', {
              type: 'string',
              demandOption: true,
              describe: 'a file, or a name from scenario list',
            })
            .option('reporter', {
              choices: REPORTERS,
              default: REPORTERS[0],
              describe: 'report format',
            })
            .option('out', {
              type: 'string',
              describe: 'write the report to this file (a console summary still prints)',
            })
            .option('target', {
              type: 'boolean',
              default: false,
              describe:
                "run against the running simulator (npm run sim up) instead of starting one; the scenario's faults and broker settings apply for the run and are undone after",
            })
            .option('control-url', {
              type: 'string',
              describe:
                "run against the simulator whose control API is here (e.g. a docker compose stack's, http://127.0.0.1:8090); implies --target",
            })
            .option('data-pack', {
              type: 'string',
              describe:
                "with --target: the data pack the running simulator serves, when its own path is not on this machine (a container's)",
            }),
        (argv) =>
          runCommand(argv.scenario, argv.reporter, argv.out, {
            target: argv.target || argv['control-url'] !== undefined,
            ...(argv['control-url'] !== undefined ? { controlUrl: argv['control-url'] } : {}),
            ...(argv['data-pack'] !== undefined ? { dataPackDir: path.resolve(argv['data-pack']) } : {}),
          }),
      )
      .command(
        'list',
        'list the shipped scenarios with their descriptions',
        (b) => b.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
        (argv) => listCommand(argv.json),
      )
      .command(
        'check <file>',
        'validate a scenario file; every problem at once (exit 64)',
        (b) =>
          b.positional('file', {
            type: 'string',
            demandOption: true,
            describe: 'a file, or a shipped scenario name',
          }),
        (argv) => checkCommand(argv.file),
      )
      .demandCommand(1, 'name a scenario command: run, list, check'),
  );
}

async function runCommand(
  arg: string,
  reporter: ReporterName,
  out: string | undefined,
  target: TargetOptions,
): Promise<void> {
  const file = scenarioPath(arg);
  const scenario = await loadScenarioOrFail(file);
  const env = target.target
    ? await targetEnvironment(scenario, target)
    : await startInProcessEnvironment(scenario, {
        baseDir: path.dirname(file),
        logger: createLogger(process.env['NIR_SIM_LOG_LEVEL'] ?? 'error'),
      });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= env.stop());
  // Ctrl-C or a kill mid-run still removes the faults and puts back the broker settings it changed.
  const interrupted = (signal: NodeJS.Signals): void => {
    process.stderr.write(`nir-sim: ${signal}: undoing what the scenario changed, then stopping\n`);
    void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let result;
  try {
    result = await runScenario(scenario, env, { file: displayPath(file) });
  } finally {
    await stop();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
  const text = report(reporter, [result]);
  if (out !== undefined) {
    await writeFile(out, text);
    if (reporter !== 'console') process.stdout.write(report('console', [result]));
    process.stdout.write(`report written to ${out}\n`);
  } else {
    process.stdout.write(text);
  }
  if (!result.passed) process.exitCode = 1;
}

/** Where `--target` points: the state file's simulator, or `--control-url`; `--data-pack` for patients. */
interface TargetOptions {
  target: boolean;
  controlUrl?: string;
  dataPackDir?: string;
}

async function targetEnvironment(scenario: ScenarioSpec, o: TargetOptions): Promise<ScenarioEnvironment> {
  const warn = (line: string): void => void process.stderr.write(`nir-sim: note: ${line}\n`);
  if (o.controlUrl !== undefined)
    return connectTargetEnvironment(scenario, o.controlUrl, warn, optionalPack(o.dataPackDir));
  const state = runningState();
  if (!state)
    throw new SimError(
      SimErrorCode.NotRunning,
      'nothing is running to --target: start it with npm run sim up -- --detach, or drop --target',
    );
  if (!state.control)
    throw new SimError(
      SimErrorCode.NotRunning,
      `the running simulator (pid ${state.pid}) has no control API: restart it with npm run sim down && npm run sim up`,
    );
  // A container runtime's own pack path is inside its containers; the state file has the host's.
  const pack = o.dataPackDir ?? (state.runtime === 'in-process' ? undefined : state.dataPackDir);
  return connectTargetEnvironment(scenario, state.control.url, warn, optionalPack(pack));
}

function optionalPack(dataPackDir: string | undefined): { dataPackDir?: string } {
  return dataPackDir === undefined ? {} : { dataPackDir };
}

/** One shipped scenario as `scenario list --json` gives it. */
interface ScenarioListEntry {
  /** What `scenario run` takes, e.g. `one-network-times-out`. */
  name: string;
  /** Its file, relative to the working directory when inside it. */
  file: string;
  /** The scenario's description; absent when the file is invalid. */
  description?: string;
  /** Problems of an invalid file (`scenario check` prints them); absent when valid. */
  problems?: string[];
}

/** The shipped scenarios (scenarios/*.scenario.yaml), in file order. */
export async function shippedScenarios(): Promise<ScenarioListEntry[]> {
  const out: ScenarioListEntry[] = [];
  for (const f of await shippedScenarioFiles()) {
    const r = await loadScenarioFile(f);
    const name = path.basename(f).replace(/\.scenario\.yaml$/, '');
    const file = displayPath(f);
    out.push(
      r.ok ? { name, file, description: r.scenario.description } : { name, file, problems: r.problems },
    );
  }
  return out;
}

/** `scenario list` as text: name and description per line, then how to run one. */
export function scenarioListText(entries: readonly ScenarioListEntry[]): string {
  const rows = entries.map((e): [string, string] => [
    e.name,
    e.description ??
      `(invalid: ${e.problems?.length ?? 0} problem(s); run npm run sim scenario check -- ${e.name})`,
  ]);
  const width = Math.max(0, ...rows.map(([n]) => n.length));
  const dir = entries[0] ? path.dirname(entries[0].file) : 'scenarios';
  return (
    rows.map(([n, d]) => `${n.padEnd(width)}  ${d}\n`).join('') +
    `\n${rows.length} scenarios in ${dir}; run one with npm run sim scenario run -- <name>\n`
  );
}

async function listCommand(json: boolean): Promise<void> {
  const scenarios = await shippedScenarios();
  process.stdout.write(json ? `${JSON.stringify({ scenarios }, null, 2)}\n` : scenarioListText(scenarios));
}

async function checkCommand(arg: string): Promise<void> {
  const file = scenarioPath(arg);
  const scenario = await loadScenarioOrFail(file);
  const { topology } = await resolveTopology(topologySpecOf(scenario), {
    baseDir: path.dirname(file),
    host: '127.0.0.1',
    portBase: 0,
  });
  const names = topology.communities.map((c) => (c.kind === 'simulated' ? c.store.name : c.name));
  await loadScenarioOrFail(file, { communityNames: names });
  process.stdout.write(
    `${displayPath(file)}: ok (${scenario.name}, ${scenario.steps.length} steps, communities ${names.join(', ')})\n`,
  );
}
