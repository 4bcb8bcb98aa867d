/**
 * `sim up --runtime docker` (docs/containers.md): the topology resolved exactly as the in-process
 * `up` does (topology/topology-from-options.ts), started as containers
 * (containers/docker-topology.ts); then the state file and the same banner as the in-process
 * runtime. The containers keep running after this command returns.
 */
import path from 'node:path';
import { dockerStatus, type DockerRun } from '../containers/docker-runtime.js';
import { startDockerTopology } from '../containers/docker-topology.js';
import { topologyFromOptions, type ResolvedTopology } from '../topology/resolve-topology.js';
import type { TopologySpec } from '../topology/topology-spec.js';
import type { UpOptions } from '../topology/topology-from-options.js';
import { printBanner } from './banner.js';
import { writeState, type DockerState } from './state.js';
import { activeFaultCount } from './commands/status.js';

/**
 * Start the topology of `opts` as containers, write the state file and print the banner.
 * @throws SimError SIM_ERR_BAD_ARGUMENT (bad topology, and what startDockerTopology refuses), and
 *   whatever the docker runtime throws.
 */
export async function upDocker(
  opts: UpOptions,
  flags: { build: boolean; security: boolean; communitiesPerContainer?: number },
): Promise<void> {
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const resolved = await topologyFromOptions(opts);
  const { run, engine } = await startDockerTopology(resolved, {
    portBase: opts.portBase,
    hostIp: opts.host,
    build: flags.build,
    security: flags.security,
    ...(flags.communitiesPerContainer !== undefined
      ? { communitiesPerContainer: flags.communitiesPerContainer }
      : {}),
    say,
  });
  const state = dockerState(run, resolved, opts);
  writeState(state);
  const { containers } = await dockerStatus(run.project, { engine });
  say('');
  printBanner(state, await activeFaultCount(state), containers);
}

function dockerState(
  run: DockerRun,
  resolved: ResolvedTopology & { spec: TopologySpec },
  opts: UpOptions,
): DockerState {
  return {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    runtime: 'docker',
    broker: run.published.broker,
    communities: run.published.communities.map((c) => ({ ...c, endpoints: { ...c.endpoints } })),
    dataPackDir: resolved.pack.dir,
    control: run.published.control,
    pars: run.published.pars,
    seed: resolved.spec.seed,
    ...(opts.topology !== undefined ? { topologyFile: path.resolve(opts.topology) } : {}),
    docker: {
      project: run.project,
      engine: run.engine,
      network: run.network,
      image: run.image.name,
      containers: run.containers.map((c) => ({ service: c.service, role: c.role, name: c.name, id: c.id })),
      volumes: run.volumes,
    },
  };
}
