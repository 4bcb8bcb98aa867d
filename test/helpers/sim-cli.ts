/**
 * Running the `sim` CLI from a test, as a user runs it, synchronously: `npm run --silent sim --`
 * (bin/nir-sim.js, which rebuilds dist/ when the sources are newer), or the TypeScript entry
 * through tsx (`source`, no build). stderr comes back without npm's own `npm warn` lines, trimmed.
 * A test that serves traffic in its own process while the CLI runs needs an async spawn instead.
 */
import { spawnSync } from 'node:child_process';
import { repoDir } from './topology.js';

/** How the CLI ended: exit code (null when killed, e.g. by the timeout), its stdout and stderr. */
export interface SimRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runSim}. */
interface RunSimOptions {
  /** The whole environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Kill the child after this long, ms (default 120 000: generous, a loaded machine builds slowly). */
  timeoutMs?: number;
  /** `npm`: the package script (default); `source`: `node --import tsx simulator/cli/main.ts`. */
  entry?: 'npm' | 'source';
}

/** Run `sim <args>` in the repository and wait for it. */
export function runSim(args: readonly string[], opts: RunSimOptions = {}): SimRun {
  const [command, prefix] =
    opts.entry === 'source'
      ? [process.execPath, ['--import', 'tsx', 'simulator/cli/main.ts']]
      : ['npm', ['run', '--silent', 'sim', '--']];
  const r = spawnSync(command, [...prefix, ...args], {
    cwd: repoDir,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
  });
  const stderr = r.stderr
    .split('\n')
    .filter((l) => !l.startsWith('npm warn'))
    .join('\n')
    .trim();
  return { code: r.status, stdout: r.stdout, stderr };
}
