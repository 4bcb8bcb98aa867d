/**
 * The running simulator's state file (`<state home>/state.json`), written once every endpoint
 * listens (in-process) or every container is healthy (docker) and removed on a clean
 * stop. `sim status` and `sim down` read it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { stateHome } from '../shared/sim-paths.js';
import type { RunningTopology } from '../runtime/in-process.js';

/** What both runtimes' state files hold. URLs are absolute, as the host reaches them. */
interface SimStateCommon {
  /**
   * In-process: the process that serves everything (`sim down` signals it). Docker: the `sim up`
   * that started the containers, which has exited since; not a liveness signal (the engine is).
   */
  pid: number;
  /** ISO 8601. */
  startedAt: string;
  /**
   * `url` is the sandbox port; `integration` the HTTPS integration port (mTLS + XUA) when security
   * is on. `endpoints`: ITI-38, ITI-39, RAD-75, ITI-67, ITI-68, WADO-RS (topology/endpoint-table.ts);
   * `fhirBase` the MHD face's FHIR base (absent in state files of older versions).
   */
  broker: {
    url: string;
    fhirBase?: string;
    endpoints: Record<string, string>;
    integration?: { url: string; fhirBase?: string; endpoints: Record<string, string> };
  };
  /**
   * `protocol` `xca` (endpoints ITI-38, ITI-39, RAD-75) or `mhd` (`fhirBase`, endpoints ITI-67,
   * ITI-68); absent in state files of older versions: xca.
   */
  communities: {
    name: string;
    homeCommunityId: string;
    kind: string;
    protocol?: string;
    fhirBase?: string;
    endpoints: Record<string, string>;
  }[];
  /** The data pack directory on the host (also for the docker runtime, where a copy may be in the image). */
  dataPackDir?: string;
  /** The control API (docs/faults.md "The control API"); absent only in state files of older versions. */
  control?: { url: string };
  /** Seed of the fault PRNG streams. */
  seed?: number;
  /** The topology file `sim up --topology` started from, absolute. */
  topologyFile?: string;
  logFile?: string;
}

/** The embedded runtime: everything in the process `pid`. */
export interface InProcessState extends SimStateCommon {
  runtime: 'in-process';
  /**
   * The simulated PARS and the broker's audit (docs/audit.md): base URL, queue directory,
   * run's file.
   */
  pars?: { url: string; queueDir: string; auditFile: string };
}

/** The docker runtime (docs/containers.md): containers on a container engine, none in a host process. */
export interface DockerState extends SimStateCommon {
  runtime: 'docker';
  /** The simulated PARS as published on the host (its records are in the project's `pars` volume). */
  pars?: { url: string };
  docker: {
    /** The project: label `io.nir-sim.project` on every container, network and volume. */
    project: string;
    /** The engine it was started on (`<DOCKER_HOST> (DOCKER_HOST)` or the default socket). */
    engine: string;
    network: string;
    image: string;
    containers: { service: string; role: string; name: string; id: string }[];
    /** Engine names of the named volumes (kept by `sim down` unless `--volumes`). */
    volumes: string[];
  };
}

/** What `sim status --json` prints: one runtime's state. */
export type SimState = InProcessState | DockerState;

/**
 * The state of an in-process run: its broker (both ports, XCA and MHD endpoints, FHIR base), its
 * communities (protocol and endpoints each), pack, control API and PARS, as `sim up` writes it.
 */
export function inProcessState(
  running: Pick<RunningTopology, 'broker' | 'communities' | 'dataPackDir' | 'control' | 'pars' | 'audit'>,
  o: { pid: number; startedAt: string; seed: number; topologyFile?: string; logFile?: string },
): InProcessState {
  return {
    pid: o.pid,
    startedAt: o.startedAt,
    runtime: 'in-process',
    broker: running.broker,
    communities: running.communities,
    ...(running.dataPackDir !== undefined ? { dataPackDir: running.dataPackDir } : {}),
    ...(running.control ? { control: running.control } : {}),
    ...parsState(running),
    seed: o.seed,
    ...(o.topologyFile !== undefined ? { topologyFile: o.topologyFile } : {}),
    ...(o.logFile !== undefined ? { logFile: o.logFile } : {}),
  };
}

/** Where `sim up` keeps audit files, the PARS queue and the simulated PARS's records. */
export function auditDir(): string {
  return path.join(stateHome(), 'audit');
}

/** The `pars` entry of the state for a running topology with audit (empty without). */
export function parsState(running: {
  pars?: { url: string };
  audit?: { queueDir: string; file: string };
}): Pick<InProcessState, 'pars'> {
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

/**
 * The state of a simulator that is actually running, else undefined (stale files are ignored).
 * In-process: its process is alive. Docker: the state file exists (`sim down` removes it); whether
 * the containers still run is the engine's to say (`sim status` asks it).
 */
export function runningState(): SimState | undefined {
  const s = readState();
  if (s?.runtime === 'docker') return s;
  return s && isAlive(s.pid) ? s : undefined;
}

/** Remove the state file if it describes the docker runtime's `project`. */
export function clearDockerState(project: string): void {
  const s = readState();
  if (s?.runtime === 'docker' && s.docker.project === project) rmSync(file(), { force: true });
}
