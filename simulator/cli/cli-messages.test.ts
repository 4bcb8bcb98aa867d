/**
 * What the CLI says when a user gets something wrong, and what it prints for scripts: numeric flags
 * quote what was typed, fault problems name flags, a detached start fails with the exit code of the
 * foreground one, the no-command message lists every command, and --json prints JSON only.
 */
import path from 'node:path';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { SIM_COMMANDS, failure, namedCommand, noCommandMessage, registerCommands } from './command-list.js';
import { generateReport } from './commands/data-pack.js';
import { problemsInFlags } from './commands/fault.js';
import { scenarioListText, shippedScenarios } from './commands/scenario.js';
import { childFailure } from './detach.js';
import { numberFlag } from './number-flag.js';
import type { GenerateSummary } from '../data-pack/generator.js';
import { SimError } from '../shared/errors.js';

/** Parse `args` with one `--port-base` option as up.ts declares it, through the CLI's fail handler. */
async function parsePortBase(args: string[]): Promise<unknown> {
  const argv = await yargs(args)
    .strict()
    .option('port-base', { coerce: numberFlag('--port-base'), default: 8080 })
    .fail(failure)
    .parseAsync();
  return argv['port-base'];
}

async function rejection(p: Promise<unknown>): Promise<SimError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SimError);
  return err as SimError;
}

describe('numeric flags', () => {
  it('quote what was typed instead of NaN, as a usage error (exit 64)', async () => {
    const err = await rejection(parsePortBase(['--port-base', 'abc']));
    expect([err.message, err.exitCode]).toEqual([
      '--port-base "abc" is not a number (see npm run sim -- --help)',
      64,
    ]);
    expect((await rejection(parsePortBase(['--port-base', '12ab']))).message).toBe(
      '--port-base "12ab" is not a number (see npm run sim -- --help)',
    );
  });

  it('take numbers, the last of a repeated flag, and the default', async () => {
    expect(await parsePortBase(['--port-base', '18080'])).toBe(18080);
    expect(await parsePortBase(['--port-base', '0'])).toBe(0);
    expect(await parsePortBase(['--port-base', '1', '--port-base', '2'])).toBe(2);
    expect(await parsePortBase([])).toBe(8080);
    expect(() => numberFlag('--deadline-ms')(true)).toThrow(
      new SimError('SIM_ERR_BAD_ARGUMENT', '--deadline-ms needs a value, e.g. --deadline-ms 8080'),
    );
  });

  it('let other errors through the fail handler unchanged, and word plain usage errors', () => {
    const boom = new Error('boom');
    expect(() => failure(null, boom)).toThrow(boom);
    expect(() => failure('Unknown argument: x', undefined)).toThrow(
      new SimError('SIM_ERR_BAD_ARGUMENT', 'Unknown argument: x (see npm run sim -- --help)'),
    );
  });
});

describe('fault add problems', () => {
  it('name the flag, not the JSON field, and say a missing one is missing', () => {
    const api =
      'the control API refused the request (invalid fault):\n' +
      '  latencyMs: Invalid input: expected number, received undefined\n' +
      '  keepFraction: Too big: expected number to be <=1\n' +
      '  errorCode: Invalid input: expected string, received undefined\n' +
      '  faults[1].kind: missing';
    expect(problemsInFlags(api)).toBe(
      'the control API refused the request (invalid fault):\n' +
        '  --latency-ms: missing (a number)\n' +
        '  --keep-fraction: Too big: expected number to be <=1\n' +
        '  --error-code: missing (a string)\n' +
        '  faults[1].kind: missing',
    );
  });
});

describe('up --detach when the background sim exits during start-up', () => {
  const log =
    'starting...\nnir-sim: /nope has no data pack: run npm run sim data-pack generate -- --out /nope\n';

  it('exits as the foreground up would: 66 for a missing data pack, with its message', () => {
    const err = childFailure(log, 66, '/home/sim.log');
    expect([err.code, err.exitCode, err.message]).toEqual([
      'SIM_ERR_DATA_PACK_MISSING',
      66,
      '/nope has no data pack: run npm run sim data-pack generate -- --out /nope',
    ]);
    expect(childFailure('nir-sim: --port-base 70000 ...\n', 64, '/l').exitCode).toBe(64);
  });

  it('says where the log is, exit 69, when the exit status and the log say nothing', () => {
    const err = childFailure('', null, '/home/sim.log');
    expect([err.code, err.exitCode, err.message]).toEqual([
      'SIM_ERR_START_TIMEOUT',
      69,
      'nir-sim exited during start-up: see /home/sim.log',
    ]);
    expect(childFailure('', 1, '/l').exitCode).toBe(69);
  });
});

describe('sim without a command', () => {
  it('lists every command yargs knows, each with one line', async () => {
    let y = yargs([]);
    for (const add of await Promise.all(SIM_COMMANDS.map((c) => c.load()))) y = add(y);
    const help = await y.scriptName('sim').getHelp();
    const registered = [...help.matchAll(/^ {2}sim (\S+)/gm)].map((m) => m[1]);
    expect(registered).toHaveLength(16);
    expect(new Set(registered)).toEqual(new Set(SIM_COMMANDS.map((c) => c.name)));
    const lines = noCommandMessage().split('\n');
    expect(lines[0]).toBe('name a command:');
    expect(lines.slice(1, -1).map((l) => /^ {2}(\S+) +\S/.exec(l)?.[1])).toEqual(
      SIM_COMMANDS.map((c) => c.name),
    );
    expect(lines.at(-1)).toBe('e.g. npm run sim up');
  });
});

describe('--json prints JSON only', () => {
  it('scenario list --json: every shipped scenario with its file and description', async () => {
    const scenarios = await shippedScenarios();
    expect(scenarios.length).toBeGreaterThanOrEqual(3);
    for (const s of scenarios) {
      expect(s).toEqual({
        name: path.basename(s.file, '.scenario.yaml'),
        file: expect.stringMatching(/scenarios\/[a-z0-9-]+\.scenario\.yaml$/) as string,
        description: expect.any(String) as string,
      });
    }
    const text = scenarioListText(scenarios);
    expect(text.split('\n')[0]).toMatch(
      new RegExp(
        `^${scenarios[0]!.name} +${scenarios[0]!.description!.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      ),
    );
    expect(text).toContain(
      `\n${scenarios.length} scenarios in scenarios; run one with npm run sim scenario run -- <name>\n`,
    );
  });

  it('data-pack generate --json: the summary alone; without, one line', () => {
    const summary = {
      outDir: '/tmp/p',
      files: 12,
      bytes: 3456,
      manifest: { seed: 7, counts: { communities: 2, patients: 5, documents: 9 } },
    } as unknown as GenerateSummary;
    expect(JSON.parse(generateReport(summary, true))).toEqual(summary);
    expect(generateReport(summary, true).startsWith('{')).toBe(true);
    expect(generateReport(summary, false)).toBe(
      'data pack written to /tmp/p: 2 communities, 5 patients, 9 documents (12 files, 3456 bytes; seed 7)\n',
    );
  });
});

describe('loading only the command a run names', () => {
  it('finds the first argument that is not an option; help, none or an unknown name load nothing', async () => {
    expect(namedCommand(['status', '--json'])?.name).toBe('status');
    expect(namedCommand(['--json', 'status'])?.name).toBe('status');
    expect(namedCommand(['--help'])).toBeUndefined();
    expect(namedCommand([])).toBeUndefined();
    expect(namedCommand(['statsu'])).toBeUndefined();
    const help = await (await registerCommands(yargs([]), ['--help'])).scriptName('sim').getHelp();
    expect([...help.matchAll(/^ {2}sim (\S+) +(.+)$/gm)].map((m) => [m[1], m[2]])).toEqual(
      SIM_COMMANDS.map((c): [string, string] => [
        c.name,
        expect.stringContaining(c.summary.split(' ').slice(0, 3).join(' ')) as string,
      ]),
    );
  });
});
