/**
 * The shapes of a container plan (docs/containers.md): what container-plan.ts builds from a
 * {@link ContainerPlanInput}, what compose-render.ts writes as a compose file and what the docker
 * runtime sends to the engine. Types only; container-plan.ts re-exports them.
 */
import type { CommunityProtocol, ExternalCommunity } from '../topology/topology.js';
import type { BrokerEndpoints, CommunityView } from '../topology/endpoint-table.js';

export type { BrokerEndpoints } from '../topology/endpoint-table.js';

/** Most communities one gateway container hosts: their ports 9001.. stay below the control port 9090. */
export const MAX_COMMUNITIES_PER_CONTAINER = 64;

/** Gateway containers a plan has at most unless `communitiesPerContainer` says otherwise. */
export const DEFAULT_GATEWAY_CONTAINERS = 8;

/** The role a container plays; the first argument after `serve`. */
export type ContainerRole = 'broker' | 'gateway' | 'pars';

/** A port published on the host (`127.0.0.1:host -> container`). */
export interface PublishedPort {
  hostIp: string;
  /** Host TCP port. */
  host: number;
  /** Container TCP port. */
  container: number;
  /** What answers there, e.g. `broker sandbox`, `control API`. */
  what: string;
}

/** A mount into a container. `bind` sources are host paths; `volume` sources are volume names. */
export interface ServiceMount {
  kind: 'bind' | 'volume';
  source: string;
  target: string;
  readOnly: boolean;
}

/** One container of the plan. */
export interface ServicePlan {
  /** Compose service name and network alias (DNS name inside the network). */
  service: string;
  role: ContainerRole;
  /** Arguments after the image's ENTRYPOINT (`serve <role> ...`). */
  command: string[];
  environment: Record<string, string>;
  ports: PublishedPort[];
  /** URL the healthcheck GETs inside the container (NIR_SIM_HEALTH_URL). */
  healthUrl: string;
  /** Services that must be healthy before this one starts. */
  dependsOn: string[];
  mounts: ServiceMount[];
  /**
   * The communities a gateway container serves, in order: the j-th listens on container port
   * 9001 + j (ContainerPorts.gateway) and is reached in the network by its own name, a network
   * alias of the container ({@link ServicePlan.aliases}).
   */
  communities?: { name: string; homeCommunityId: string; protocol?: CommunityProtocol }[];
  /** More DNS names of this container in the network besides `service` (its communities' names). */
  aliases?: string[];
  /**
   * `uid:gid` the container runs as instead of the image's user (1000), with security: the owner
   * of the mounted private keys (mode 0600). A compose file may hold an interpolation
   * (`${NIR_SIM_UID:-1000}:${NIR_SIM_GID:-1000}`).
   */
  user?: string;
}

/** Every URL a user needs, as seen from the host (the same shape `sim status` prints). */
export interface PublishedEndpoints {
  /**
   * The sandbox port; `integration` the HTTPS integration port (mutual TLS + signed XUA,
   * docs/security.md) when security is on, as the in-process RunningTopology.broker.integration.
   */
  broker: {
    url: string;
    fhirBase: string;
    endpoints: BrokerEndpoints;
    integration?: { url: string; fhirBase: string; endpoints: BrokerEndpoints };
  };
  control: { url: string };
  pars: { url: string };
  communities: CommunityView[];
}

/** A topology as containers. */
export interface ContainerPlan {
  /** Compose project name; prefix of container names and the network name. */
  project: string;
  /** The project image (built from compose/Dockerfile). */
  image: string;
  /** The network every service joins. */
  network: string;
  /** Named volumes the services use (broker audit trail, PARS records). */
  volumes: string[];
  services: ServicePlan[];
  published: PublishedEndpoints;
}

/** What a plan is made from: the resolved topology's parts that matter to containers. */
export interface ContainerPlanInput {
  /**
   * Simulated communities, in order (gateway i is published on portBase + 921 + i), with what
   * each speaks (absent: `xca`; `mhd`: an MHD Document Responder, IHE MHD ITI-67/ITI-68).
   */
  communities: { name: string; homeCommunityId: string; protocol?: CommunityProtocol }[];
  /**
   * How many communities one gateway container hosts (one process, one listener each), 1 to
   * {@link MAX_COMMUNITIES_PER_CONTAINER}. Default: as few as keep the gateway containers at most
   * {@link DEFAULT_GATEWAY_CONTAINERS} (ceil(communities / 8)), so a 3-community network has a
   * container per community and a 200-community one 8 containers of 25.
   */
  communitiesPerContainer?: number;
  /** Supplier gateways the broker also fans out to (reached from inside the broker container). */
  external: ExternalCommunity[];
  /**
   * Where the data pack is: `inImage` a path relative to the image's /app (the committed packs),
   * or `hostDir` an absolute host directory bind-mounted read-only.
   */
  dataPack: { inImage: string } | { hostDir: string };
  /** Per-community deadline, ms. */
  deadlineMs: number;
  /**
   * Consumer profiles (NIR "subset" and "exclude"), keyed by consumer id, communities by
   * homeCommunityId as the resolved Topology holds them; the broker gets them as `--consumers`.
   */
  consumers?: Record<string, { include?: string[]; exclude?: string[] }>;
  /** Seed of the fault PRNG streams. */
  seed: number;
  /** Host port of the broker sandbox (default 8080); every other host port follows from it. */
  portBase: number;
  /** Host address ports are published on (default 127.0.0.1). */
  hostIp?: string;
  project?: string;
  image?: string;
  /** Security on (docs/containers.md); absent: plain HTTP everywhere, the image's user. */
  security?: ContainerSecurity;
}

/** The security part of a {@link ContainerPlanInput}. */
export interface ContainerSecurity {
  /**
   * The host's certificate directory (absolute; layout certs/README.md, as `sim certs generate`
   * mints it), bind-mounted read-only at `/var/lib/nir-sim/certs` (ContainerDefaults.certsMount)
   * of the gateways and the broker.
   */
  certsDir: string;
  /**
   * `uid:gid` the gateways and the broker run as: the owner of the private keys (mode 0600), e.g.
   * `0:0`, or `${NIR_SIM_UID:-1000}:${NIR_SIM_GID:-1000}` in a compose file (interpolated by compose).
   */
  user: string;
}
