/**
 * The docker runtime (docs/containers.md): a {@link ContainerPlan} started as containers on a
 * container engine through dockerode (Docker, or podman serving the Docker API), the same
 * federation as the in-process runtime and `docker compose up` of the rendered file. Start: engine
 * ping, refuse an existing project, image reused or built, network and named volumes, containers
 * created, started in dependency order (gateways and PARS, then the broker) each group waited on
 * until healthy, then the topology's faults added through the control API; any failure removes
 * everything this start created. Status and stop (docker-project.ts, re-exported here) find a
 * project's containers by label (`io.nir-sim.project`), so a lost state file still cleans up.
 */
import type { FaultSpec } from '../faults/fault-spec.js';
import { ControlClient } from '../control/control-client.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { type ContainerPlan, type ContainerRole, type PublishedEndpoints } from './container-plan.js';
import {
  DockerLabel,
  containerCreateOptions,
  containerName,
  projectFilter,
  publishedHealthUrl,
  startOrder,
  volumeName,
} from './docker-containers.js';
import { connectEngine, engineFailure, pingOrThrow, type DockerEngine } from './docker-engine.js';
import {
  ContainerStartError,
  describeHealth,
  waitHealthy,
  type HealthyService,
  type WaitHealthyOptions,
} from './docker-health.js';
import { ensureImage, type ImageBuild } from './docker-image.js';

export { dockerStatus, stopDockerRuntime, type DockerContainerStatus } from './docker-project.js';

/** How `startDockerRuntime` runs. */
interface DockerStartOptions {
  /** The engine (default: the one DOCKER_HOST names, pinged). */
  engine?: DockerEngine;
  /** Where to build the image when it is missing; without it a missing image is an error. */
  build?: ImageBuild;
  /** Build the image even when the engine has it (`--build`). */
  rebuild?: boolean;
  /** Bound on the whole wait for health, ms (default 120 000). */
  healthTimeoutMs?: number;
  /** Faults to add through the control API once everything is healthy (a topology file's `faults:`). */
  faults?: readonly FaultSpec[];
  /** Progress lines (image, network, each container and how it was judged healthy). */
  onProgress?: (line: string) => void;
  /** Clock, sleep, probe and poll interval of the health wait (tests). */
  health?: Omit<WaitHealthyOptions, 'deadline' | 'logLines'>;
}

/** One container of a started project. */
export interface DockerContainerRef {
  service: string;
  role: ContainerRole;
  name: string;
  id: string;
}

/** A started project: what `sim up --runtime docker` writes to the state file. */
export interface DockerRun {
  project: string;
  /** The engine, as {@link DockerEngine.address} says. */
  engine: string;
  network: string;
  image: { name: string; source: 'reused' | 'built' };
  containers: DockerContainerRef[];
  /** Engine names of the project's named volumes. */
  volumes: string[];
  /** How each service was judged healthy. */
  health: HealthyService[];
  published: PublishedEndpoints;
}

/** Default bound on the wait for health, ms. */
const DEFAULT_HEALTH_TIMEOUT_MS = 120_000;

interface Created {
  network?: string;
  volumes: string[];
  containers: DockerContainerRef[];
}

/**
 * Start `plan` on the engine.
 * @throws SimError SIM_ERR_ENGINE_UNREACHABLE (engine down), SIM_ERR_ALREADY_RUNNING (containers
 *   of the project exist), SIM_ERR_BAD_ARGUMENT (image missing and not buildable, build failed),
 *   SIM_ERR_START_TIMEOUT (a container stopped while starting, or was not healthy in time: with
 *   its last 20 log lines), SIM_ERR_PORT_IN_USE, or the control API's error for bad faults; after
 *   any failure past the image, everything this start created has been removed again.
 */
export async function startDockerRuntime(
  plan: ContainerPlan,
  o: DockerStartOptions = {},
): Promise<DockerRun> {
  const say = o.onProgress ?? (() => undefined);
  const engine = o.engine ?? (await connectEngine());
  if (o.engine) await pingOrThrow(engine);
  let source: 'reused' | 'built';
  try {
    await refuseExisting(engine, plan.project);
    source = await ensureImage(engine, plan.image, {
      ...(o.build ? { build: o.build } : {}),
      ...(o.rebuild ? { rebuild: true } : {}),
      onProgress: say,
    });
  } catch (err) {
    throw engineFailure(engine.address, `preparing project ${plan.project}`, err);
  }
  const created: Created = { volumes: [], containers: [] };
  let health: HealthyService[];
  try {
    health = await launch(engine, plan, o, created, say);
  } catch (err) {
    await rollback(engine, created, say);
    throw startFailure(engine.address, err);
  }
  return {
    project: plan.project,
    engine: engine.address,
    network: plan.network,
    image: { name: plan.image, source },
    containers: created.containers,
    volumes: plan.volumes.map((v) => volumeName(plan.project, v)),
    health,
    published: plan.published,
  };
}

/** Network, volumes, containers; each start group waited on until healthy; then the faults. */
async function launch(
  engine: DockerEngine,
  plan: ContainerPlan,
  o: DockerStartOptions,
  created: Created,
  say: (line: string) => void,
): Promise<HealthyService[]> {
  const deadline = (o.health?.now ?? Date.now)() + (o.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS);
  await createNetworkAndVolumes(engine, plan, created, say);
  const groups = startOrder(plan.services);
  for (const s of groups.flat()) {
    const id = await engine.createContainer(containerCreateOptions(plan, s));
    created.containers.push({
      service: s.service,
      role: s.role,
      name: containerName(plan.project, s.service),
      id,
    });
  }
  const health: HealthyService[] = [];
  for (const group of groups) {
    const targets = group.map((s) => {
      const c = created.containers.find((x) => x.service === s.service)!;
      const hostUrl = publishedHealthUrl(s);
      return { service: s.service, id: c.id, name: c.name, ...(hostUrl !== undefined ? { hostUrl } : {}) };
    });
    for (const t of targets) await engine.startContainer(t.id);
    say(`started ${targets.map((t) => t.name).join(', ')}; waiting until healthy`);
    const healthy = await waitHealthy(engine, targets, { ...o.health, deadline });
    for (const h of healthy) say(describeHealth(h));
    health.push(...healthy);
  }
  if (o.faults !== undefined && o.faults.length > 0) {
    await new ControlClient(plan.published.control.url).addFaults([...o.faults]);
    say(`faults added through ${plan.published.control.url}: ${o.faults.map((f) => f.name).join(', ')}`);
  }
  return health;
}

async function refuseExisting(engine: DockerEngine, project: string): Promise<void> {
  const existing = await engine.listContainers(projectFilter(project));
  if (existing.length === 0) return;
  throw new SimError(
    SimErrorCode.AlreadyRunning,
    `containers of project ${project} already exist (${existing.map((c) => `${c.name} ${c.state}`).join(', ')}): run npm run sim down -- --runtime docker first`,
  );
}

async function createNetworkAndVolumes(
  engine: DockerEngine,
  plan: ContainerPlan,
  created: Created,
  say: (line: string) => void,
): Promise<void> {
  const labels = { [DockerLabel.project]: plan.project };
  if (await engine.networkExists(plan.network)) say(`network ${plan.network}: exists, reused`);
  else {
    await engine.createNetwork(plan.network, labels);
    created.network = plan.network;
    say(`network ${plan.network}: created`);
  }
  for (const v of plan.volumes.map((x) => volumeName(plan.project, x))) {
    if (await engine.volumeExists(v)) continue; // kept from an earlier run: the audit trail lives on
    await engine.createVolume(v, labels);
    created.volumes.push(v);
  }
}

/** Remove what a failed start created, newest first; a failure to remove is said, not thrown. */
async function rollback(engine: DockerEngine, created: Created, say: (line: string) => void): Promise<void> {
  const attempt = async (what: string, call: () => Promise<void>): Promise<void> => {
    try {
      await call();
      say(`removed ${what}`);
    } catch (err) {
      say(`could not remove ${what}: ${(err as Error).message.split('\n')[0]}`);
    }
  };
  for (const c of [...created.containers].reverse())
    await attempt(`container ${c.name}`, () => engine.removeContainer(c.id));
  const network = created.network;
  if (network !== undefined) await attempt(`network ${network}`, () => engine.removeNetwork(network));
  for (const v of created.volumes) await attempt(`volume ${v}`, () => engine.removeVolume(v));
}

/** The SimError a failed start ends in (after the rollback). */
function startFailure(address: string, err: unknown): SimError {
  const removed = 'everything this start created was removed again';
  if (err instanceof ContainerStartError) {
    const logs = err.logs.map(
      (l) =>
        `\nlast ${l.lines.length} log lines of ${l.service}:` +
        l.lines.map((line) => `\n  | ${line}`).join(''),
    );
    return new SimError(SimErrorCode.StartTimeout, `${err.summary}; ${removed}${logs.join('')}`, {
      cause: err,
    });
  }
  if (err instanceof SimError) return err;
  const message = (err as Error).message.split('\n')[0] ?? String(err);
  const status = (err as { statusCode?: number }).statusCode;
  if (/address already in use|port is already allocated/i.test(message))
    return new SimError(
      SimErrorCode.PortInUse,
      `a host port is in use (${message}): pass another --port-base (e.g. 18080) or stop what holds it; ${removed}`,
      { cause: err },
    );
  if (status === 409)
    return new SimError(
      SimErrorCode.AlreadyRunning,
      `the engine refused (${message}): remove that container or run npm run sim down -- --runtime docker; ${removed}`,
      { cause: err },
    );
  const failed = engineFailure(address, 'starting the containers', err);
  return new SimError(failed.code, `${failed.message}; ${removed}`, { cause: err });
}
