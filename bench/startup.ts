/**
 * Start-up benchmark (section `start-up`): how long the built CLI (bin/nir-sim.js, running dist/)
 * takes for what a developer waits on. Prints figures only; asserts nothing.
 *
 * 1. `sim status` with nothing running.
 * 2. `sim data-pack generate` of the 10- and 50-community packs (60 patients; seed 7), once each.
 * 3. `sim up --detach` (returns once every endpoint answers) and `sim down`, for 3 communities (the
 *    committed default pack, as `sim up` without flags) and for the generated 10 and 50.
 *
 * Each CLI run is a fresh Node process, as a user's is, in its own state home (NIR_SIM_HOME, a
 * temporary directory) on port base 0 (every listener on a free port). Wall time is what the user
 * waits; CPU time is the CLI process's user + system time (bash `times`), and for `up --detach`
 * also the background simulator's CPU time until it was ready (/proc/<pid>/stat, Linux only).
 * Medians of ROUNDS runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { recordFigure } from './figures.js';
import { median } from './measure.js';

const ROUNDS = 5;
/** `sim status`'s exit status when nothing runs (SIM_ERR_NOT_RUNNING, shared/errors.ts). */
const NOT_RUNNING = 69;
const GENERATED = [10, 50] as const;
const SEED = 7;
const PATIENTS = 60;
/** Most one CLI run may take before the bench gives up on it, ms. */
const RUN_TIMEOUT_MS = 180_000;
/** Linux clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every mainstream kernel). */
const USER_HZ = 100;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'bin', 'nir-sim.js');

/** One CLI run: wall time, ms; the CLI process's CPU time, ms (undefined without bash). */
interface Run {
  wallMs: number;
  cpuMs?: number;
  stdout: string;
}

/** bash's `times`: its children's user and system time, e.g. `0m0.812s 0m0.130s`, in ms. */
function childrenCpuMs(timesOutput: string): number | undefined {
  const line = timesOutput.trim().split('\n').pop() ?? '';
  const t = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
  return t.length === 2 ? t[0]! + t[1]! : undefined;
}

/**
 * Run `node bin/nir-sim.js <args>` in state home `home` and wait for it.
 * @param exitCode the exit status expected (`status` with nothing running: 69, SIM_ERR_NOT_RUNNING).
 * @throws Error with its stderr when it exits otherwise.
 */
function sim(home: string, args: readonly string[], exitCode = 0): Run {
  const quoted = [process.execPath, cli, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const t0 = performance.now();
  // fd 3 carries `times`, so stdout stays the CLI's own.
  const r = spawnSync('bash', ['-c', `${quoted}; rc=$?; times >&3; exit $rc`], {
    cwd: root,
    env: { ...process.env, NIR_SIM_HOME: home, NIR_SIM_SKIP_BUILD_CHECK: '1' },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    timeout: RUN_TIMEOUT_MS,
    encoding: 'utf8',
  });
  const wallMs = performance.now() - t0;
  if (r.status !== exitCode) throw new Error(`sim ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const cpuMs = childrenCpuMs(String(r.output[3] ?? ''));
  return { wallMs, stdout: r.stdout, ...(cpuMs !== undefined ? { cpuMs } : {}) };
}

/** CPU time (user + system) process `pid` has used so far, ms; undefined off Linux. */
function processCpuMs(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** The pid of the running simulator in state home `home`. */
function runningPid(home: string): number {
  return (JSON.parse(readFileSync(path.join(home, 'state.json'), 'utf8')) as { pid: number }).pid;
}

const fmt = (ms: number | undefined): string => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);

/** Record and print the median wall and CPU time of `runs` as `<name>` figures. */
function report(name: string, runs: readonly Run[], detail: string, serverCpuMs?: readonly number[]): void {
  const wall = median(runs.map((r) => r.wallMs).sort((a, b) => a - b));
  const cpus = runs.flatMap((r) => (r.cpuMs === undefined ? [] : [r.cpuMs])).sort((a, b) => a - b);
  const cpu = cpus.length === runs.length ? median(cpus) : undefined;
  const server =
    serverCpuMs && serverCpuMs.length > 0 ? median([...serverCpuMs].sort((a, b) => a - b)) : undefined;
  recordFigure({ section: 'start-up', name: `${name} wall`, value: wall / 1000, unit: 's', detail });
  if (cpu !== undefined)
    recordFigure({ section: 'start-up', name: `${name} CLI CPU`, value: cpu / 1000, unit: 's', detail });
  if (server !== undefined)
    recordFigure({
      section: 'start-up',
      name: `${name} simulator CPU until ready`,
      value: server / 1000,
      unit: 's',
      detail,
    });
  console.log(
    `  ${name.padEnd(34)} ${fmt(wall).padStart(8)} wall, CLI CPU ${fmt(cpu)}` +
      (server !== undefined ? `, simulator CPU until ready ${fmt(server)}` : '') +
      ` (${detail})`,
  );
}

/** `up --detach` then `down`, ROUNDS times, with `upArgs`; prints and records both. */
function upDown(home: string, label: string, upArgs: readonly string[], detail: string): void {
  const ups: Run[] = [];
  const downs: Run[] = [];
  const serverCpu: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ups.push(sim(home, ['up', '--detach', '--port-base', '0', ...upArgs]));
    const cpu = processCpuMs(runningPid(home));
    if (cpu !== undefined) serverCpu.push(cpu);
    downs.push(sim(home, ['down']));
  }
  report(`up --detach, ${label}`, ups, detail, serverCpu);
  report(`down, ${label}`, downs, detail);
}

/** Build dist/ if stale, then measure status, pack generation and up/down; prints every figure. */
export function startupBench(): void {
  console.log(`\nstart-up: the built CLI (bin/nir-sim.js), medians of ${ROUNDS} runs`);
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--if-stale'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.status !== 0) throw new Error('start-up bench: npm run build failed (above)');
  const home = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-startup-'));
  try {
    const status: Run[] = [];
    for (let i = 0; i < ROUNDS; i++) status.push(sim(home, ['status'], NOT_RUNNING));
    report('status, nothing running', status, 'sim status');
    upDown(home, '3 communities', [], 'the committed default pack');
    for (const n of GENERATED) {
      const dir = path.join(home, `pack-${n}`);
      const args = ['data-pack', 'generate', '--seed', `${SEED}`, '--communities', `${n}`];
      const gen = sim(home, [...args, '--patients', `${PATIENTS}`, '--out', dir]);
      report(`data-pack generate, ${n} communities`, [gen], `${PATIENTS} patients, one run`);
      upDown(
        home,
        `${n} communities`,
        ['--data-pack', dir],
        `pack generated beforehand, ${PATIENTS} patients`,
      );
    }
  } finally {
    // A run that failed half-way may have left a simulator up in this home.
    try {
      sim(home, ['down']);
    } catch {
      // nothing was running
    }
    rmSync(home, { recursive: true, force: true });
  }
}
