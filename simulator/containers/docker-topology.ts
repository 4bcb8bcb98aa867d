/**
 * A resolved topology started as containers (README "Docker"): turned into a container plan
 * (container-plan.ts) and started through dockerode (docker-runtime.ts). The containers keep
 * running after this returns. With security the certificate set is minted when missing (as the
 * in-process runtime does), checked for the containers' DNS names (container-certs.ts),
 * bind-mounted into the gateways and the broker, which run as this process's user, and the
 * broker's integration port is published.
 */
import path from 'node:path';
import type { ResolvedTopology } from '../topology/resolve-topology.js';
import { planContainers, type ContainerSecurity } from './container-plan.js';
import { containerPlanInput } from './container-plan-input.js';
import { connectEngine, type DockerEngine } from './docker-engine.js';
import { startDockerRuntime, type DockerRun } from './docker-runtime.js';
import { defaultCertsDir } from '../runtime/security-runtime.js';
import type { TopologySpec } from '../topology/topology-spec.js';
import type { Topology } from '../topology/topology.js';
import { repoRoot } from '../shared/sim-paths.js';
import { ensureContainerCertificates, hostUser } from './container-certs.js';

/** The project image's Dockerfile, relative to the repository root (the build context). */
const PROJECT_DOCKERFILE = 'compose/Dockerfile';

/** How to start a resolved topology as containers. */
export interface DockerTopologyOptions {
  /** Host port of the broker sandbox; the other published ports follow from it (container-published.ts). */
  portBase: number;
  /** Address the ports are published on. */
  hostIp: string;
  /** Rebuild the project image even when the engine has it. */
  build: boolean;
  /** Security on: certificates minted when missing and mounted, the integration port published. */
  security: boolean;
  /** Communities per gateway container (container-types.ts ContainerPlanInput); default: at most 8 containers. */
  communitiesPerContainer?: number;
  /** One line of progress for the user (engine address, certificates, containers). */
  say: (line: string) => void;
}

/**
 * Start `resolved` (its topology, spec faults and seed) as containers on the engine DOCKER_HOST
 * names; the run and the engine it runs on.
 * @throws SimError SIM_ERR_BAD_ARGUMENT (with security a certificate directory that cannot be
 *   written, a set without the containers' DNS names, a bad NIR_SIM_UID / NIR_SIM_GID), and
 *   whatever connectEngine and startDockerRuntime throw.
 */
export async function startDockerTopology(
  resolved: ResolvedTopology & { spec: TopologySpec },
  o: DockerTopologyOptions,
): Promise<{ run: DockerRun; engine: DockerEngine }> {
  const security = o.security ? await containerSecurity(resolved.topology, o.say) : undefined;
  const plan = planContainers(
    containerPlanInput(resolved.topology, {
      seed: resolved.spec.seed,
      portBase: o.portBase,
      hostIp: o.hostIp,
      ...(security !== undefined ? { security } : {}),
      ...(o.communitiesPerContainer !== undefined
        ? { communitiesPerContainer: o.communitiesPerContainer }
        : {}),
    }),
  );
  const engine = await connectEngine();
  o.say(`container engine: ${engine.address}`);
  const run = await startDockerRuntime(plan, {
    engine,
    build: { context: repoRoot, dockerfile: PROJECT_DOCKERFILE },
    rebuild: o.build,
    faults: resolved.spec.faults,
    onProgress: o.say,
  });
  return { run, engine };
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
