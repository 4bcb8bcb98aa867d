/**
 * `sim up --runtime docker` (README "Docker"): the topology resolved exactly as the in-process
 * `up` does (topology-from-options.ts), turned into a container plan (runtime/container-plan.ts),
 * started through dockerode (runtime/docker-runtime.ts); then the state file and the same banner
 * as the in-process runtime. The containers keep running after this command returns. With
 * `--security` the certificate set is minted when missing (as the in-process `up --security`),
 * checked for the containers' DNS names (container-certs.ts), bind-mounted into the gateways and
 * the broker, which run as this process's user, and the broker's integration port is published.
 */
import path from 'node:path';
import type { ResolvedTopology } from './resolve-topology.js';
import { planContainers, type ContainerSecurity } from '../runtime/container-plan.js';
import { containerPlanInput } from './container-plan-input.js';
import { connectEngine } from '../runtime/docker-engine.js';
import { dockerStatus, startDockerRuntime, type DockerRun } from '../runtime/docker-runtime.js';
import { defaultCertsDir } from '../runtime/security-runtime.js';
import type { TopologySpec } from '../runtime/topology-spec.js';
import type { Topology } from '../runtime/topology.js';
import { printBanner } from './banner.js';
import { repoRoot } from './paths.js';
import { writeState, type DockerState } from './state.js';
import { topologyFromOptions, type UpOptions } from './topology-from-options.js';
import { activeFaultCount } from './commands/status.js';
import { ensureContainerCertificates, hostUser } from './container-certs.js';

/** The project image's Dockerfile, relative to the repository root (the build context). */
const PROJECT_DOCKERFILE = 'compose/Dockerfile';

/**
 * Start the topology of `opts` as containers, write the state file and print the banner.
 * @throws SimError SIM_ERR_BAD_ARGUMENT (bad
 *   topology; with --security a certificate directory that cannot be written, a set without the
 *   containers' DNS names, a bad NIR_SIM_UID / NIR_SIM_GID), and whatever startDockerRuntime throws.
 */
export async function upDocker(opts: UpOptions, flags: { build: boolean; security: boolean }): Promise<void> {
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const resolved = await topologyFromOptions(opts);
  const security = flags.security ? await containerSecurity(resolved.topology, say) : undefined;
  const plan = planContainers(
    containerPlanInput(resolved.topology, {
      seed: resolved.spec.seed,
      portBase: opts.portBase,
      hostIp: opts.host,
      ...(security !== undefined ? { security } : {}),
    }),
  );
  const engine = await connectEngine();
  say(`container engine: ${engine.address}`);
  const run = await startDockerRuntime(plan, {
    engine,
    build: { context: repoRoot, dockerfile: PROJECT_DOCKERFILE },
    rebuild: flags.build,
    faults: resolved.spec.faults,
    onProgress: say,
  });
  const state = dockerState(run, resolved, opts);
  writeState(state);
  const { containers } = await dockerStatus(run.project, { engine });
  say('');
  printBanner(state, await activeFaultCount(state), containers);
}

/**
 * The certificate directory (the topology's `security.certsDir`, else certs/out or
 * NIR_SIM_CERTS_DIR), made ready for the containers, and the user they run as.
 */
async function containerSecurity(
  topology: Topology,
  say: (line: string) => void,
): Promise<ContainerSecurity> {
  const s = topology.security;
  const certsDir = path.resolve((typeof s === 'object' ? s.certsDir : undefined) ?? defaultCertsDir());
  const communities = topology.communities.flatMap((c) => (c.kind === 'simulated' ? [c.store.name] : []));
  const user = hostUser();
  const { minted } = await ensureContainerCertificates(certsDir, communities);
  const rel = path.relative(process.cwd(), certsDir);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? certsDir : rel;
  say(
    `certificates: ${shown} (${minted > 0 ? `${minted} files minted` : 'reused'}), mounted read-only into the gateways and the broker, which run as ${user}`,
  );
  return { certsDir, user };
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
