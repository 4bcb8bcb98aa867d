/**
 * `sim up --detach`: start the same CLI in the background and return once its state file exists
 * and every endpoint answers. Output goes to `<state home>/sim.log`. The topology is described
 * once, here: the spec goes to the background `up` in `<state home>/up-spec.json` (named by
 * NIR_SIM_UP_SPEC), which resolves it without reading the topology file again.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimError, SimErrorCode, exitCodeFor } from '../shared/errors.js';
import { stateHome } from '../shared/sim-paths.js';
import { parseTopologySpec } from '../topology/topology-spec.js';
import { httpProbe } from '../transport/http-client.js';
import type { DescribedTopology } from '../topology/topology-from-options.js';
import { isAlive, readState, type SimState } from './state.js';

const READY_TIMEOUT_MS = 60_000;
/**
 * How often the parent looks for the child's state file, ms: a read of a small file, so often
 * enough that `up --detach` returns within a few ms of the child being ready.
 */
const READY_POLL_MS = 20;

/** The environment variable that names the file a detached `up` takes its described topology from. */
export const HANDED_SPEC_ENV = 'NIR_SIM_UP_SPEC';

/**
 * Spawn `sim up <args>` detached, handing it `described` (so it resolves that spec instead of
 * reading the topology file again), and wait for it to be ready.
 * @throws SimError SIM_ERR_START_TIMEOUT, or the child's own one-line error when it exits early.
 */
export async function startDetached(args: string[], described: DescribedTopology): Promise<SimState> {
  mkdirSync(stateHome(), { recursive: true });
  const logFile = path.join(stateHome(), 'sim.log');
  const specFile = path.join(stateHome(), 'up-spec.json');
  writeFileSync(specFile, JSON.stringify(described));
  const fd = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, NIR_SIM_LOG_FILE: logFile, [HANDED_SPEC_ENV]: specFile },
  });
  closeSync(fd);
  let exitCode: number | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  child.unref();
  const pid = child.pid;
  if (pid === undefined)
    throw new SimError(SimErrorCode.Internal, 'could not start nir-sim in the background');
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const s = readState();
    if (s && s.pid === pid && (await allAnswer(s))) return s;
    if (!isAlive(pid)) {
      await Promise.race([exited, sleep(1_000)]); // its exit status, to exit as it did
      throw childFailure(readLog(logFile), exitCode, logFile);
    }
    await sleep(READY_POLL_MS);
  }
  throw new SimError(
    SimErrorCode.StartTimeout,
    `nir-sim did not become ready within ${READY_TIMEOUT_MS} ms: see ${logFile}`,
  );
}

/**
 * The topology the parent `up --detach` described (startDetached), read once and the file removed;
 * undefined when this process was not started that way.
 * @throws SimError SIM_ERR_INTERNAL when the file is unreadable or not a topology spec (a bug: the
 *   parent wrote it from a validated spec).
 */
export function takeHandedSpec(): DescribedTopology | undefined {
  const file = process.env[HANDED_SPEC_ENV];
  if (file === undefined || file === '') return undefined;
  let described: { spec?: unknown; baseDir?: unknown };
  try {
    described = JSON.parse(readFileSync(file, 'utf8')) as typeof described;
    rmSync(file, { force: true });
  } catch (err) {
    throw new SimError(
      SimErrorCode.Internal,
      `cannot read the topology handed over in ${file}: ${(err as Error).message}`,
    );
  }
  const r = parseTopologySpec(described.spec);
  if (!r.ok || typeof described.baseDir !== 'string') {
    throw new SimError(SimErrorCode.Internal, `${file} does not hold a topology spec and its base directory`);
  }
  return { spec: r.spec, baseDir: described.baseDir };
}

async function allAnswer(s: SimState): Promise<boolean> {
  const urls = [
    `${s.broker.url}/health`,
    ...s.communities.map((c) =>
      // An MHD community answers its CapabilityStatement (FHIR R4 `capabilities`), an XCA one /health.
      c.fhirBase !== undefined
        ? `${c.fhirBase}/metadata`
        : `${new URL(c.endpoints['ITI-38'] ?? s.broker.url).origin}/health`,
    ),
  ].filter((u) => u.startsWith('http:')); // https gateways (security on) require NIR's client certificate
  const status = await Promise.all(urls.map((u) => httpProbe(u, 2_000)));
  return status.every((s) => s !== undefined && s >= 200 && s < 300);
}

function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8');
  } catch {
    return ''; // no log: the generic message below
  }
}

/**
 * The error of a background `sim up` that exited during start-up: its own last `nir-sim:` line,
 * with the code its exit status stands for (exitCodeFor), so `up --detach` exits as the foreground
 * `up` would (66 for a missing data pack); SIM_ERR_START_TIMEOUT (69) when the status says nothing.
 */
export function childFailure(log: string, exitCode: number | null, logFile: string): SimError {
  const last =
    log
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('nir-sim:'))
      .pop() ?? '';
  const code =
    (Object.keys(exitCodeFor) as SimErrorCode[]).find((c) => exitCodeFor[c] === exitCode) ??
    SimErrorCode.StartTimeout;
  return new SimError(
    code,
    last ? last.replace(/^nir-sim:\s*/, '') : `nir-sim exited during start-up: see ${logFile}`,
  );
}
