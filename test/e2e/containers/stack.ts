/**
 * Helpers for the container tests (`npm run test:containers`, docs/containers.md): running the CLI and
 * docker-compose as a user would, waiting (bounded) for published endpoints, and the checks both
 * stacks must pass, the compose file's and `sim up --runtime docker`'s. Every request goes to
 * 127.0.0.1; every loop is bounded in count and time.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { expect } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadDataPack, type DataPack } from '../../../simulator/data-pack/loader.js';
import { ResponseStatus } from '../../../simulator/xca/constants.js';
import { findDocuments, retrieve } from '../../helpers/requests.js';
import { post, readQueryResponse, readRetrieveResponse } from '../../helpers/soap-http.js';
import { defaultPackDir, repoDir } from '../../helpers/topology.js';

/** The outcome of a command. */
export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `file args` (no shell), bounded by `timeoutMs`; never throws for a non-zero exit. */
export function run(
  file: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: repoDir,
        env: { ...process.env, ...opts.env },
        timeout: opts.timeoutMs ?? 300_000,
        maxBuffer: 64 << 20,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
  });
}

/**
 * The broker deadline of the stacks under test, ms: long enough that the communities which do
 * answer answer in time on a loaded 2-core machine (five containers start and serve at once), so
 * only the community that hangs on purpose is late.
 */
export const STACK_DEADLINE_MS = 10_000;

/** `npm run sim -- <args>` without npm's own output: the package's bin, bin/nir-sim.js. */
export function sim(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs?: number): Promise<Ran> {
  return run(process.execPath, [path.join(repoDir, 'bin', 'nir-sim.js'), ...args], {
    env,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

/**
 * The compose command: `NIR_SIM_COMPOSE` (e.g. `docker compose` for Compose v2), else Debian's
 * `docker-compose` (scripts/containers/test-containers.sh sets it).
 */
export const composeCommand = (process.env['NIR_SIM_COMPOSE'] ?? 'docker-compose').split(' ');

/** A container as the engine reports it (dockerode, DOCKER_HOST). */
interface ContainerState {
  service: string;
  state: string;
  /** `healthy`, `unhealthy`, `starting`, or `none` without a healthcheck. */
  health: string;
  networks: string[];
}

/** The containers carrying `label` (`key=value`), named by the value of `serviceLabel`. */
export async function containersLabelled(label: string, serviceLabel: string): Promise<ContainerState[]> {
  const docker = new Docker();
  const list = await docker.listContainers({ all: true, filters: { label: [label] } });
  return Promise.all(
    list.map(async (c) => {
      const info = await docker.getContainer(c.Id).inspect();
      return {
        service: c.Labels[serviceLabel] ?? c.Names[0] ?? c.Id,
        state: info.State.Status,
        health: info.State.Health?.Status ?? 'none',
        networks: Object.keys(info.NetworkSettings.Networks).sort(),
      };
    }),
  );
}

/**
 * Wait (bounded) until every container `list()` returns is running and healthy, as the engine
 * reports it. @throws Error with the last states when they never are.
 */
export async function waitAllHealthy(
  list: () => Promise<ContainerState[]>,
  count: number,
  timeoutMs = 120_000,
): Promise<ContainerState[]> {
  const deadline = Date.now() + timeoutMs;
  let last: ContainerState[] = [];
  while (Date.now() < deadline) {
    last = await list();
    if (last.length === count && last.every((c) => c.state === 'running' && c.health === 'healthy'))
      return last;
    await sleep(1_000);
  }
  throw new Error(`containers not all healthy within ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

/** A fresh NIR_SIM_HOME. */
export function tempHome(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'nir-sim-containers-'));
}

/** Wait until `url` answers 200, at most `timeoutMs`. @throws Error saying what never answered. */
export async function waitFor200(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

/** The default pack (the stacks under test serve it). */
export function defaultPack(): Promise<DataPack> {
  return loadDataPack(defaultPackDir);
}

/**
 * Run a scenario (a shipped one's name, or a file) against the stack whose control API is
 * `controlUrl` (or, with none, the state file's simulator) and return its JSON report.
 */
async function runScenario(
  name: string,
  opts: { controlUrl?: string; env?: NodeJS.ProcessEnv },
): Promise<{
  ran: Ran;
  report: {
    passed: boolean;
    scenarios: { steps: { passed: boolean; differences: string[]; actual?: { status?: string } }[] }[];
  };
}> {
  const out = path.join(await tempHome(), 'report.json');
  const target = opts.controlUrl
    ? ['--control-url', opts.controlUrl, '--data-pack', defaultPackDir]
    : ['--target'];
  const ran = await sim(
    ['scenario', 'run', name, ...target, '--reporter', 'json', '--out', out],
    opts.env ?? {},
  );
  let report;
  try {
    report = JSON.parse(await readFile(out, 'utf8')) as Awaited<ReturnType<typeof runScenario>>['report'];
  } catch {
    throw new Error(`scenario ${name} wrote no report (exit ${ran.code}): ${ran.stderr}${ran.stdout}`);
  }
  return { ran, report };
}

/**
 * The shipped scenario one-network-times-out with the stacks' deadline ({@link STACK_DEADLINE_MS})
 * in place of its 1000 ms (broker setting and the deadline the expected error names), written to a
 * temporary file. The shipped 1000 ms suits one process; five containers on a busy machine need more.
 * @returns the file's path.
 */
async function timesOutScenarioForStack(): Promise<string> {
  const shipped = path.join(repoDir, 'scenarios', 'one-network-times-out.scenario.yaml');
  const text = await readFile(shipped, 'utf8');
  expect(text).toContain('deadlineMs: 1000');
  const doc = parse(text) as {
    topology: { broker: { deadlineMs: number } };
    steps: { expect: { errors: { contextIncludes?: string }[] } }[];
  };
  doc.topology.broker.deadlineMs = STACK_DEADLINE_MS;
  const step = doc.steps[0]!;
  step.expect.errors[0]!.contextIncludes = `did not answer within ${STACK_DEADLINE_MS} ms`;
  const file = path.join(await tempHome(), 'one-network-times-out.scenario.yaml');
  await writeFile(file, stringify(doc));
  return file;
}

/**
 * The checks every stack must pass, through its published broker (`brokerUrl`) and control API:
 * 1. one community times out (scenario one-network-times-out at the stack's deadline,
 *    {@link timesOutScenarioForStack}): PartialSuccess with XDSUnavailableCommunity at that
 *    community only;
 * 2. a retrieve across two containers: ITI-39 through the broker for documents held by two
 *    communities, each byte as in the pack (scenario retrieve-two-communities-one-down too).
 */
export async function checkStack(
  brokerUrl: string,
  controlUrl: string | undefined,
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  const pack = await defaultPack();
  const timesOut = await runScenario(await timesOutScenarioForStack(), {
    ...(controlUrl ? { controlUrl } : {}),
    env,
  });
  expect(timesOut.report.passed, JSON.stringify(timesOut.report.scenarios[0]?.steps, null, 2)).toBe(true);
  expect(timesOut.report.scenarios[0]!.steps.map((s) => s.actual?.status)).toEqual(['PartialSuccess']);
  const oneDown = await runScenario('retrieve-two-communities-one-down', {
    ...(controlUrl ? { controlUrl } : {}),
    env,
  });
  expect(oneDown.report.passed, JSON.stringify(oneDown.report.scenarios[0]?.steps, null, 2)).toBe(true);
  await retrieveAcrossContainers(brokerUrl, pack);
}

/** ITI-38 then ITI-39 through the broker for a patient two communities hold; bytes as in the pack. */
async function retrieveAcrossContainers(brokerUrl: string, pack: DataPack): Promise<void> {
  const nhs = '9994481037'; // held by north-west and yorkshire (scenario retrieve-two-communities-one-down)
  const holders = pack.communities.filter((c) => c.entries.some((e) => e.patientId.startsWith(`${nhs}^`)));
  expect(holders.map((c) => c.name)).toEqual(['north-west-imaging-network', 'yorkshire-imaging-network']);
  const q = readQueryResponse(await post(`${brokerUrl}/xca/iti38`, findDocuments(nhs))).response;
  expect([q.status, q.errors]).toEqual([ResponseStatus.Success, []]);
  expect([...new Set(q.objects.map((o) => o.home))].sort()).toEqual(
    holders.map((c) => c.homeCommunityId).sort(),
  );
  const wanted = holders.map((c) => {
    const entry = c.entries.find((e) => e.patientId.startsWith(`${nhs}^`))!;
    return {
      homeCommunityId: c.homeCommunityId,
      repositoryUniqueId: c.repositoryUniqueId,
      documentUniqueId: entry.uniqueId,
    };
  });
  const r = readRetrieveResponse(await post(`${brokerUrl}/xca/iti39`, retrieve(wanted))).response;
  expect([r.status, r.errors]).toEqual([ResponseStatus.Success, []]);
  expect(r.documents.map((d) => [d.homeCommunityId, d.documentUniqueId])).toEqual(
    wanted.map((w) => [w.homeCommunityId, w.documentUniqueId]),
  );
  for (const [i, d] of r.documents.entries()) {
    const bytes = await holders[i]!.readDocument(d.documentUniqueId);
    expect(bytes && Buffer.compare(d.content, bytes)).toBe(0);
  }
}

/**
 * The memory each container of a stack uses now, bytes, as `docker stats` reports it: the engine's
 * `GET /containers/{id}/stats?stream=false` memory_stats.usage less the page cache it may drop
 * (stats.inactive_file on cgroup v2, stats.total_inactive_file on v1), keyed by service.
 */
export async function containerMemory(label: string, serviceLabel: string): Promise<Record<string, number>> {
  const docker = new Docker();
  const list = await docker.listContainers({ filters: { label: [label] } });
  const out: Record<string, number> = {};
  for (const c of list) {
    const s = (await docker.getContainer(c.Id).stats({ stream: false })) as {
      memory_stats: { usage?: number; stats?: Record<string, number> };
    };
    const m = s.memory_stats;
    const cache = m.stats?.['inactive_file'] ?? m.stats?.['total_inactive_file'] ?? 0;
    out[c.Labels[serviceLabel] ?? c.Names[0] ?? c.Id] = (m.usage ?? 0) - cache;
  }
  return out;
}
