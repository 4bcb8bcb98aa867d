/**
 * The two environments a scenario runs against (simulator/scenario/environment.ts): its own
 * in-process topology, resolved from the scenario's `topology` like a topology file, or a
 * simulator already running (`--target`), reached through its control API, whose faults the
 * scenario adds and removes again.
 */
import { existsSync } from 'node:fs';
import { loadDataPack, type DataPack } from '../data-pack/loader.js';
import type { FaultStore } from '../faults/fault-store.js';
import { startInProcess } from '../runtime/in-process.js';
import type { TopologySpec } from '../topology/topology-spec.js';
import type { ScenarioEnvironment, EnvironmentFaults, FaultAddResult } from './environment.js';
import { checkCommunityNames } from './scenario-check.js';
import type { ScenarioSpec } from './scenario-spec.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { FhirPath } from '../shared/fhir-endpoints.js';
import type { Logger } from '../shared/logger.js';
import { ControlClient } from '../control/control-client.js';
import { resolveTopology } from '../topology/resolve-topology.js';
import {
  HttpTransportError,
  httpExchange,
  jsonBody,
  parseJsonBody,
  type HttpResponse,
} from '../transport/http-client.js';

/** Largest answer to `POST /faults` read, bytes (16 MiB: the faults added, echoed back). */
const MAX_FAULTS_ANSWER_BYTES = 16 * 1024 * 1024;
/** How long `POST /faults` may take, ms. */
const FAULTS_TIMEOUT_MS = 10_000;

/** The scenario's topology as a topology spec (a topology file's content). */
export function topologySpecOf(s: ScenarioSpec): TopologySpec {
  return { schemaVersion: 1, ...s.topology };
}

/** The data pack's view the runner needs: patients and each community's repository. */
function packView(
  pack: DataPack,
): Pick<ScenarioEnvironment, 'patients'> & { repositoryOf(hcid: string): string | undefined } {
  return {
    patients: pack.patients.map((p) => ({ nhsNumber: p.nhsNumber, homeCommunityIds: p.homeCommunityIds })),
    repositoryOf: (hcid) => pack.communities.find((c) => c.homeCommunityId === hcid)?.repositoryUniqueId,
  };
}

/** The fault verbs over a FaultStore in this process. */
function storeFaults(store: FaultStore): EnvironmentFaults {
  return {
    add: (faults) => {
      const r = store.addAll(faults);
      return Promise.resolve<FaultAddResult>(r.ok ? { ok: true } : r);
    },
    remove: (name) => Promise.resolve(store.remove(name)),
    reset: () => Promise.resolve(store.reset()),
  };
}

/**
 * Start the scenario's topology in this process on free ports (port 0), its faults in place.
 * @param baseDir the directory a relative `dataPack` is relative to (the scenario file's).
 * @throws SimError from resolveTopology (missing pack, bad gateways...); SIM_ERR_BAD_ARGUMENT
 *   when the scenario names communities the topology does not have (every one listed).
 */
export async function startInProcessEnvironment(
  s: ScenarioSpec,
  opts: { baseDir: string; logger: Logger },
): Promise<ScenarioEnvironment> {
  const { topology, pack, faults } = await resolveTopology(topologySpecOf(s), {
    baseDir: opts.baseDir,
    host: '127.0.0.1',
    portBase: 0,
  });
  const names = topology.communities.map((c) => (c.kind === 'simulated' ? c.store.name : c.name));
  refuseUnknownCommunities(s, names, 'its topology');
  const running = await startInProcess(topology, { logger: opts.logger, faults });
  const view = packView(pack);
  return {
    brokerEndpoints: running.broker.endpoints,
    fhirBase: running.broker.url + FhirPath.fhirBase,
    communities: running.communities.map((c) => ({
      name: c.name,
      homeCommunityId: c.homeCommunityId,
      ...optional('repositoryUniqueId', view.repositoryOf(c.homeCommunityId)),
    })),
    patients: view.patients,
    faults: storeFaults(faults),
    stop: () => running.stop(),
  };
}

/**
 * Use the simulator running at `controlUrl`: its broker, communities and data pack (patients),
 * with the scenario's broker settings (deadline, consumer profiles) put in force and its topology
 * faults added through the control API. `stop()` removes every fault the scenario added (faults
 * that were there before are left alone) and puts the previous broker settings back.
 * @param warn receives one line per thing the running simulator does differently from the
 *   scenario's topology (seed, faults already present) and per broker setting changed for the run.
 * @param override `dataPackDir`: the pack on this machine, when the simulator's own path is not
 *   (a container stack's broker does not hold the pack); `brokerUrl`: the broker's base URL as
 *   this process reaches it, when it is not the one `GET /topology` names (inside the broker's
 *   container, which names the published port).
 * @throws SimError SIM_ERR_NOT_RUNNING when the control API does not answer;
 *   SIM_ERR_BAD_ARGUMENT when the running topology lacks a community the scenario names, it
 *   refuses the scenario's faults or broker settings, or it cannot change its broker settings (an
 *   older version) and the scenario's differ from the defaults.
 */
export async function connectTargetEnvironment(
  s: ScenarioSpec,
  controlUrl: string,
  warn: (line: string) => void,
  override: { dataPackDir?: string; brokerUrl?: string } = {},
): Promise<ScenarioEnvironment> {
  const client = new ControlClient(controlUrl);
  const t = await client.topology();
  if (override.brokerUrl !== undefined) t.broker = rebasedBroker(t.broker, override.brokerUrl);
  refuseUnknownCommunities(
    s,
    t.communities.map((c) => c.name),
    `the running simulator (${controlUrl})`,
  );
  const iti38 = t.broker.endpoints['ITI-38'];
  const iti39 = t.broker.endpoints['ITI-39'];
  if (iti38 === undefined || iti39 === undefined)
    throw new SimError(
      SimErrorCode.Internal,
      `the running simulator's GET /topology has no ITI-38/ITI-39 broker endpoint`,
    );
  const packDir = override.dataPackDir ?? t.dataPackDir;
  if (packDir === undefined || !existsSync(packDir))
    throw new SimError(
      SimErrorCode.BadArgument,
      packDir === undefined
        ? `the simulator at ${controlUrl} does not say which data pack it serves (a container stack): pass --data-pack <dir>, e.g. --data-pack data-packs/default`
        : `the data pack of the simulator at ${controlUrl} (${packDir}) is not on this machine: pass --data-pack <dir>`,
    );
  const pack = await loadDataPack(packDir);
  const foreign = t.communities.find(
    (c) => c.kind === 'simulated' && !pack.communities.some((p) => p.homeCommunityId === c.homeCommunityId),
  );
  if (foreign !== undefined)
    throw new SimError(
      SimErrorCode.BadArgument,
      `the data pack ${packDir} has no community ${foreign.homeCommunityId} (${foreign.name}), which the simulator at ${controlUrl} serves: give the pack its communities serve (sim serve broker --data-pack, or --data-pack here)`,
    );
  differences(s, t.seed, (await client.listFaults()).length, warn);
  const view = packView(pack);
  const faults = controlFaults(controlUrl, client);
  const restoreSettings = await applyBrokerSettings(s, client, controlUrl, warn);
  if (s.topology.faults.length > 0) {
    const r = await faults.add(s.topology.faults);
    if (!r.ok) {
      await restoreSettings();
      throw new SimError(
        SimErrorCode.BadArgument,
        ["the running simulator refused the scenario's faults:", ...r.problems.map((p) => `  ${p}`)].join(
          '\n',
        ),
      );
    }
  }
  return {
    brokerEndpoints: { 'ITI-38': iti38, 'ITI-39': iti39 },
    // GET /topology names the broker's FHIR base where the simulator has one; the broker serves it at
    // FhirPath.fhirBase under its URL either way (shared/fhir-endpoints.ts).
    fhirBase: (t.broker as { fhirBase?: string }).fhirBase ?? t.broker.url + FhirPath.fhirBase,
    communities: t.communities.map((c) => ({
      name: c.name,
      homeCommunityId: c.homeCommunityId,
      ...optional('repositoryUniqueId', view.repositoryOf(c.homeCommunityId)),
    })),
    patients: view.patients,
    faults,
    stop: async () => {
      try {
        await faults.reset();
      } finally {
        await restoreSettings();
      }
    },
  };
}

/** The broker's defaults, which a simulator without `/broker/settings` is assumed to keep. */
const DEFAULT_DEADLINE_MS = 10_000;

/**
 * Put the scenario's broker settings (`topology.broker`: deadline and consumer profiles) in force
 * in the running simulator for the run; one note says what changed.
 * @returns the function that puts the previous settings back (it notes, never throws, on failure).
 * @throws SimError SIM_ERR_BAD_ARGUMENT when the simulator refuses them, or cannot change them
 *   (no `/broker/settings`) and the scenario's differ from the defaults.
 */
async function applyBrokerSettings(
  s: ScenarioSpec,
  client: ControlClient,
  controlUrl: string,
  warn: (line: string) => void,
): Promise<() => Promise<void>> {
  const wanted = { deadlineMs: s.topology.broker.deadlineMs, consumers: s.topology.broker.consumers };
  const previous = await client.brokerSettings();
  if (previous === undefined) {
    if (wanted.deadlineMs === DEFAULT_DEADLINE_MS && Object.keys(wanted.consumers).length === 0)
      return () => Promise.resolve();
    throw new SimError(
      SimErrorCode.BadArgument,
      `scenario ${s.name} needs a broker deadline of ${wanted.deadlineMs} ms${profilesText(wanted.consumers, ' and consumer profiles ')}, and the simulator at ${controlUrl} cannot change its broker settings (its control API has no /broker/settings: an older version): restart it with this version (npm run sim down && npm run sim up)`,
    );
  }
  let now;
  try {
    now = await client.setBrokerSettings(wanted);
  } catch (err) {
    if (err instanceof SimError && err.code === SimErrorCode.BadArgument)
      throw new SimError(
        SimErrorCode.BadArgument,
        `the running simulator refused the broker settings of scenario ${s.name}: ${err.message}`,
      );
    throw err;
  }
  const changes: string[] = [];
  if (now.deadlineMs !== previous.deadlineMs)
    changes.push(`deadline ${now.deadlineMs} ms (was ${previous.deadlineMs} ms)`);
  if (JSON.stringify(now.consumers) !== JSON.stringify(previous.consumers))
    changes.push(
      `consumer profiles ${profilesText(now.consumers) || 'none'} (were ${profilesText(previous.consumers) || 'none'})`,
    );
  if (changes.length === 0) return () => Promise.resolve();
  warn(`broker settings for this run: ${changes.join(', ')}; put back afterwards`);
  let restored: Promise<void> | undefined;
  return () =>
    (restored ??= client.setBrokerSettings(previous).then(
      () => undefined,
      (err: unknown) =>
        warn(
          `could not put the broker settings back (${(err as Error).message}); set them with npm run sim broker set -- --deadline-ms ${previous.deadlineMs} --consumers '${JSON.stringify(previous.consumers)}'`,
        ),
    ));
}

function profilesText(consumers: Readonly<Record<string, unknown>>, prefix = ''): string {
  const ids = Object.keys(consumers);
  return ids.length === 0 ? '' : prefix + ids.join(', ');
}

/** The fault verbs through a control API; `reset` removes only the faults added through them. */
function controlFaults(controlUrl: string, client: ControlClient): EnvironmentFaults {
  const added = new Set<string>();
  const faults: EnvironmentFaults = {
    add: async (list) => {
      const r = await postFaults(controlUrl, list);
      if (r.ok) for (const f of list) added.add((f as { name: string }).name);
      return r;
    },
    remove: async (name) => {
      added.delete(name);
      return client.removeFault(name);
    },
    reset: async () => {
      for (const name of [...added]) await faults.remove(name);
    },
  };
  return faults;
}

/**
 * `POST /faults {faults}`: 201, or 400 with every problem.
 * @throws SimError SIM_ERR_NOT_RUNNING when the control API does not answer (or answers more
 *   than MAX_FAULTS_ANSWER_BYTES).
 */
async function postFaults(controlUrl: string, faults: readonly unknown[]): Promise<FaultAddResult> {
  let res: HttpResponse;
  try {
    res = await httpExchange(
      {
        method: 'POST',
        url: new URL(`${controlUrl}/faults`),
        signal: AbortSignal.timeout(FAULTS_TIMEOUT_MS),
        ...jsonBody({ faults }),
      },
      MAX_FAULTS_ANSWER_BYTES,
    );
  } catch (err) {
    const cause =
      err instanceof HttpTransportError && err.kind === 'timeout'
        ? `no answer within ${FAULTS_TIMEOUT_MS} ms`
        : (err as Error).message;
    throw new SimError(
      SimErrorCode.NotRunning,
      `the control API at ${controlUrl} did not take the scenario's faults (${cause}): is nir-sim running? (npm run sim status)`,
      { cause: err },
    );
  }
  if (res.status >= 200 && res.status < 300) return { ok: true };
  let body: { error?: string; problems?: string[] } = {};
  try {
    body = parseJsonBody(res) as typeof body;
  } catch {
    // not JSON: the status says it
  }
  return {
    ok: false,
    problems: body.problems ?? [body.error ?? `the control API answered HTTP ${res.status}`],
  };
}

function differences(s: ScenarioSpec, seed: number, existing: number, warn: (line: string) => void): void {
  if (s.topology.seed !== seed)
    warn(
      `the scenario's fault seed is ${s.topology.seed}, the running simulator's ${seed}: probabilistic faults may differ`,
    );
  if (existing > 0)
    warn(`the running simulator already has ${existing} fault(s); they may change the outcomes`);
}

function refuseUnknownCommunities(s: ScenarioSpec, names: string[], where: string): void {
  const problems = checkCommunityNames(s, names);
  if (problems.length === 0) return;
  throw new SimError(
    SimErrorCode.BadArgument,
    [
      `scenario ${s.name} names communities that ${where} does not have:`,
      ...problems.map((p) => `  ${p.path.join('.')}: ${p.message}`),
    ].join('\n'),
  );
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** The broker's URLs of `GET /topology` with their origin replaced by `base`'s (paths kept). */
function rebasedBroker<B extends { url: string; endpoints: Record<string, string> }>(b: B, base: string): B {
  const rebase = (u: string): string => new URL(`${new URL(u).pathname}${new URL(u).search}`, base).href;
  const fhirBase = (b as { fhirBase?: string }).fhirBase;
  return {
    ...b,
    url: rebase(b.url).replace(/\/$/, ''),
    endpoints: Object.fromEntries(Object.entries(b.endpoints).map(([k, u]) => [k, rebase(u)])),
    ...(fhirBase !== undefined ? { fhirBase: rebase(fhirBase) } : {}),
  };
}
