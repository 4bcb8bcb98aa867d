/**
 * The running simulator's state file (`<state home>/state.json`), written once every endpoint
 * listens and removed on a clean stop. `sim status` and `sim down` read it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { stateHome } from './paths.js';

/** What `sim status --json` prints. URLs are absolute. */
export interface SimState {
  pid: number;
  /** ISO 8601. */
  startedAt: string;
  runtime: 'in-process';
  /** `url` is the sandbox port; `integration` the HTTPS integration port (mTLS + XUA, issue 4) when security is on. */
  broker: {
    url: string;
    endpoints: Record<string, string>;
    integration?: { url: string; endpoints: Record<string, string> };
  };
  communities: { name: string; homeCommunityId: string; kind: string; endpoints: Record<string, string> }[];
  dataPackDir?: string;
  /** The control API (issue 3 section 2); absent only in state files of older versions. */
  control?: { url: string };
  /** Seed of the fault PRNG streams. */
  seed?: number;
  /** The topology file `sim up --topology` started from, absolute. */
  topologyFile?: string;
  /** The simulated PARS and the broker's audit (issue 5): base URL, queue directory, run's file. */
  pars?: { url: string; queueDir: string; auditFile: string };
  logFile?: string;
}

/** Where `sim up` keeps audit files, the PARS queue and the simulated PARS's records. */
export function auditDir(): string {
  return path.join(stateHome(), 'audit');
}

/** The `pars` entry of the state for a running topology with audit (empty without). */
export function parsState(running: {
  pars?: { url: string };
  audit?: { queueDir: string; file: string };
}): Pick<SimState, 'pars'> {
  return running.pars && running.audit
    ? { pars: { url: running.pars.url, queueDir: running.audit.queueDir, auditFile: running.audit.file } }
    : {};
}

const file = (): string => path.join(stateHome(), 'state.json');

/** Write the state atomically. */
export function writeState(s: SimState): void {
  mkdirSync(stateHome(), { recursive: true });
  const tmp = `${file()}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n');
  renameSync(tmp, file());
}

/** The state, or undefined when there is none or it is unreadable. */
export function readState(): SimState | undefined {
  try {
    return JSON.parse(readFileSync(file(), 'utf8')) as SimState;
  } catch {
    return undefined;
  }
}

/** Remove the state file if it belongs to `pid`. */
export function clearState(pid: number): void {
  const s = readState();
  if (s && s.pid === pid) rmSync(file(), { force: true });
}

/** True when a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of a simulator that is actually running, else undefined (stale files are ignored). */
export function runningState(): SimState | undefined {
  const s = readState();
  return s && isAlive(s.pid) ? s : undefined;
}
