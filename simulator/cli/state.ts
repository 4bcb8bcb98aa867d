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
  broker: { url: string; endpoints: Record<string, string> };
  communities: { name: string; homeCommunityId: string; kind: string; endpoints: Record<string, string> }[];
  dataPackDir?: string;
  logFile?: string;
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
