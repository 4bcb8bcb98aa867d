/**
 * A docker runtime project after its start (docs/containers.md): its containers' state and health
 * (`sim status`), and stopping and removing it (`sim down --runtime docker`). Both find the
 * project's objects by label (`io.nir-sim.project`), not by the state file, so a lost state file
 * still shows and cleans up what runs.
 */
import { STOP_GRACE_PERIOD_MS } from './container-plan.js';
import { DockerLabel, projectFilter } from './docker-containers.js';
import { connectEngine, engineFailure, type DockerEngine } from './docker-engine.js';

/** One container of a project as the engine reports it now. */
export interface DockerContainerStatus {
  name: string;
  id: string;
  service: string;
  role: string;
  /** `running`, `exited`, `created`, ... */
  state: string;
  /** `starting`, `healthy`, `unhealthy`, or `none` when the engine runs no healthcheck. */
  health: string;
}

/** Ordering of roles in status and stop: the broker first (it calls the others). */
const ROLE_ORDER: Record<string, number> = { broker: 0, pars: 1, gateway: 2 };
const byRole = (a: { role: string; name: string }, b: { role: string; name: string }): number =>
  (ROLE_ORDER[a.role] ?? 9) - (ROLE_ORDER[b.role] ?? 9) || a.name.localeCompare(b.name);

/**
 * The project's containers (found by label) and their state and health, broker first.
 * @throws SimError SIM_ERR_ENGINE_UNREACHABLE; SIM_ERR_INTERNAL when the engine fails a call.
 */
export async function dockerStatus(
  project: string,
  o: { engine?: DockerEngine } = {},
): Promise<{ engine: string; project: string; containers: DockerContainerStatus[] }> {
  const engine = o.engine ?? (await connectEngine());
  try {
    return { engine: engine.address, project, containers: await containerStates(engine, project) };
  } catch (err) {
    throw engineFailure(engine.address, `listing project ${project}'s containers`, err);
  }
}

async function containerStates(engine: DockerEngine, project: string): Promise<DockerContainerStatus[]> {
  const listed = await engine.listContainers(projectFilter(project));
  const containers = await Promise.all(
    listed.map(async (c) => {
      const s = await engine.inspectContainer(c.id).catch(() => undefined);
      return {
        name: c.name,
        id: c.id,
        service: c.labels[DockerLabel.service] ?? c.name,
        role: c.labels[DockerLabel.role] ?? 'unknown',
        state: s?.status ?? c.state,
        health: s?.health ?? 'none',
      };
    }),
  );
  return containers.sort(byRole);
}

/** What `stopDockerRuntime` removed (names). */
interface DockerRemoved {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/**
 * Stop (SIGTERM, then SIGKILL after `timeoutS`) and remove the project's containers found by
 * label, broker first, then its networks; its named volumes only with `volumes`. Nothing there
 * is not an error (empty lists).
 * @throws SimError SIM_ERR_ENGINE_UNREACHABLE; SIM_ERR_INTERNAL when the engine fails a call.
 */
export async function stopDockerRuntime(
  project: string,
  o: {
    engine?: DockerEngine;
    volumes?: boolean;
    timeoutS?: number;
    onProgress?: (line: string) => void;
  } = {},
): Promise<DockerRemoved> {
  const engine = o.engine ?? (await connectEngine());
  try {
    return await removeProject(engine, project, o);
  } catch (err) {
    throw engineFailure(engine.address, `removing project ${project}`, err);
  }
}

async function removeProject(
  engine: DockerEngine,
  project: string,
  o: { volumes?: boolean; timeoutS?: number; onProgress?: (line: string) => void },
): Promise<DockerRemoved> {
  const say = o.onProgress ?? (() => undefined);
  const filter = projectFilter(project);
  const listed = (await engine.listContainers(filter))
    .map((c) => ({ ...c, role: c.labels[DockerLabel.role] ?? '' }))
    .sort(byRole);
  const timeoutS = o.timeoutS ?? STOP_GRACE_PERIOD_MS / 1000;
  // Role by role, the broker first: it stops calling the others and flushes its audit queue.
  for (const role of new Set(listed.map((c) => c.role))) {
    await Promise.all(listed.filter((c) => c.role === role).map((c) => engine.stopContainer(c.id, timeoutS)));
  }
  for (const c of listed) {
    await engine.removeContainer(c.id);
    say(`removed container ${c.name}`);
  }
  const networks = await engine.listNetworks(filter);
  for (const n of networks) {
    await engine.removeNetwork(n);
    say(`removed network ${n}`);
  }
  const volumes = o.volumes ? await engine.listVolumes(filter) : [];
  for (const v of volumes) {
    await engine.removeVolume(v);
    say(`removed volume ${v}`);
  }
  return { containers: listed.map((c) => c.name), networks, volumes };
}
