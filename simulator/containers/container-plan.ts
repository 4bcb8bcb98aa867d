/**
 * The container plan: one Topology as a set of containers (docs/containers.md). The broker, the simulated
 * PARS and the simulated communities' responding gateways (one container hosts one or several
 * communities, one listener each), each its own container on one network,
 * each running the project image with a `serve <role>` command (cli/commands/serve.ts). The
 * compose renderer (compose-render.ts) writes a plan as a docker-compose file; the docker runtime
 * (docker-runtime.ts) starts the same plan through dockerode. One model, two back-ends, so
 * `docker compose up` and `sim up --runtime docker` give the same federation.
 *
 * Inside the network every service listens on the same fixed ports ({@link ContainerPorts}) and is
 * reached by its service name (`http://north-east-imaging-network:9001`); on the host the ports
 * are published on 127.0.0.1 as the in-process runtime's endpoints table says (broker 8080,
 * control API 8090, PARS 8100, gateway i 9001 + i; with security the integration port 8443).
 *
 * With security (docs/containers.md): the certificate directory is bind-mounted read-only into
 * the gateways and the broker, which then run as the key files' owner; the gateways serve HTTPS
 * with mutual TLS (their health on the plain-HTTP control port), the broker's legs go to
 * `https://<community>:9001`, and the broker opens its integration port.
 */
import { defaultControlPort } from '../control/control-api.js';
import { defaultParsPort } from '../pars/pars-service.js';
import {
  checkHostPorts,
  checkNames,
  gatewayHostPort,
  integrationHostPort,
  publishedEndpoints,
} from './container-published.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { ContainerPorts } from './container-ports.js';
import { FhirPath } from '../shared/fhir-endpoints.js';
import {
  DEFAULT_GATEWAY_CONTAINERS,
  MAX_COMMUNITIES_PER_CONTAINER,
  type ContainerPlan,
  type ContainerPlanInput,
  type ContainerRole,
  type ContainerSecurity,
  type PublishedPort,
  type ServiceMount,
  type ServicePlan,
} from './container-types.js';

export { DEFAULT_GATEWAY_CONTAINERS, MAX_COMMUNITIES_PER_CONTAINER } from './container-types.js';
export type {
  ContainerPlan,
  ContainerPlanInput,
  ContainerRole,
  ContainerSecurity,
  PublishedEndpoints,
  ServiceMount,
  ServicePlan,
} from './container-types.js';

export { ContainerPorts } from './container-ports.js';

/** Names and paths every back-end shares (compose file, dockerode runtime). */
export const ContainerDefaults = {
  project: 'nir-sim',
  image: 'nir-sim:local',
  /** The network every service joins; a product in another container joins it by this name. */
  network: 'nir-sim',
  hostIp: '127.0.0.1',
  /** The image's working directory: `inImage` pack paths are relative to it. */
  appDir: '/app',
  /** Where a `hostDir` data pack is bind-mounted (read-only). */
  packMount: '/var/lib/nir-sim-pack',
  /** The broker's audit trail (named volume `audit`). */
  auditDir: '/var/lib/nir-sim/audit',
  /** The PARS records (named volume `pars`). */
  parsDir: '/var/lib/nir-sim/pars',
  /** Where the certificate directory is bind-mounted (read-only) with security on. */
  certsMount: '/var/lib/nir-sim/certs',
} as const;

/**
 * The container healthcheck: `compose/healthcheck.mjs` (in the image) GETs the URL in
 * {@link ContainerHealthcheck.urlEnv} and exits 0 on 200, else 1. Durations in ms. Start-up is
 * given `startPeriodMs` (failures then do not count) and checked every `startIntervalMs` while
 * the container is still starting (Docker Engine API v1.44 HealthConfig.StartInterval; the health
 * pump of scripts/containers does the same on podman), then every `intervalMs`; `retries`
 * failures in a row mark the container unhealthy, so a stopped service shows in 30 s as before
 * (Compose Specification, services.healthcheck; the Engine API takes the same values in ns).
 * Each check starts a Node process in the container: about 110 ms of CPU measured, so a 2 s
 * interval cost each container 5 % of a core with no traffic at all, taken from the load; at
 * 10 s (the image's own HEALTHCHECK interval) it is 1 %. `sim up` does not wait on this
 * interval: it also takes the published `/health` URL answering (docker-health.ts).
 */
export const ContainerHealthcheck = {
  test: ['CMD', 'node', 'compose/healthcheck.mjs'],
  urlEnv: 'NIR_SIM_HEALTH_URL',
  intervalMs: 10_000,
  startIntervalMs: 1_000,
  timeoutMs: 2_000,
  retries: 3,
  startPeriodMs: 30_000,
} as const;

/**
 * Node's flags per role, as NODE_OPTIONS (Node.js CLI docs, "--max-semi-space-size",
 * "--max-old-space-size"; sizes in MiB). V8's semi-space (16 MiB by default; the young generation
 * is three of them) trades memory for garbage-collector CPU, measured per role (cgroup CPU time
 * per 3-community FindDocuments and memory after the load, 10 connections, docs/containers.md).
 * The broker, which allocates most per request (three parsed community answers), spent 37 % of
 * its CPU in the collector at 2 MiB; on a quiet machine it used 15.4-16.8 ms of CPU per request
 * at 2 MiB, 12.6-12.9 at 8 and 11.4-11.7 at 16, holding 122-137, 137-138 and 151-153 MiB after
 * the load: 8 MiB takes most of the gain for a few MiB. A gateway gained nothing measurable from
 * 16 MiB for 30 MiB more, so gateways and PARS keep 2 MiB. The old-space bound is sized to the
 * role (the gateways hold their data pack, the broker a bounded transaction log, PARS its FHIR
 * validator), with room to spare: without one V8 lets garbage pile up to hundreds of MiB before a
 * full collection (the broker measured 210-355 MiB after 300 FindDocuments, 127 with the bound),
 * and past it a process fails loudly instead of growing into the host's memory. Lowering the
 * broker's bound to 96 MiB did not lower what it held after the load (133-138 MiB): that is
 * not garbage.
 */
export const ContainerNodeOptions: Record<ContainerRole, string> = {
  broker: '--max-semi-space-size=8 --max-old-space-size=160',
  gateway: '--max-semi-space-size=2 --max-old-space-size=256',
  pars: '--max-semi-space-size=2 --max-old-space-size=128',
};

/**
 * glibc malloc settings of every container (glibc manual, "Memory Allocation Tunables"; mallopt(3)
 * M_ARENA_MAX, M_MMAP_THRESHOLD). Node's own allocations outside the V8 heap (Buffers, the HTTP
 * parser, V8's collector threads) go through malloc. By default glibc gives each thread its own
 * arena and raises the mmap threshold (and with it the trim threshold) after every large free, so
 * freed memory stays in the process: the broker, after 1,600 FindDocuments, held 40 MiB of malloc
 * heap and arenas around a 32 MiB live V8 heap. Two arenas, and a fixed 128 KiB mmap threshold
 * (large buffers are mapped and unmapped, the heap trimmed above 128 KiB), cut what the broker
 * holds after the load by 20-25 MiB (RssAnon 119-123 to 96-99 MiB, busy machine; docs/containers.md
 * "Memory"). Set as environment variables, which glibc reads at start (`MALLOC_ARENA_MAX`,
 * `MALLOC_MMAP_THRESHOLD_`).
 */
export const ContainerMallocEnv: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
};

/**
 * How long a container gets between SIGTERM and SIGKILL, ms: each role closes its listeners and
 * the broker flushes its audit queue on SIGTERM, well within this.
 */
export const STOP_GRACE_PERIOD_MS = 10_000;

/**
 * The containers of a topology: the simulated communities' responding gateways grouped into
 * gateway containers (`communitiesPerContainer` each; one community: service name = community
 * name, several: `gateways-<k>` with the communities' names as network aliases, the j-th
 * community of a container on its port 9001 + j), `pars`, and `broker`, in start order (the
 * broker depends on every other service being healthy). With `input.security`, the gateways and the broker also get the
 * certificate mount, `--certs-dir` and `user`; the gateways' health moves to their plain-HTTP
 * control port (their main port speaks mutual TLS); the broker gets `--integration-port 8443`,
 * published on portBase + 363, and reaches the gateways at `https://<community>:9001`. Pure: no I/O.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when a host port falls outside 1..65535, a community's
 *   name is not a usable service name, is used twice, or is `broker` or `pars` (or `gateways-<k>`
 *   when containers host several), or `communitiesPerContainer` is outside 1..64.
 */
export function planContainers(input: ContainerPlanInput): ContainerPlan {
  const hostIp = input.hostIp ?? ContainerDefaults.hostIp;
  checkNames(input);
  checkHostPorts(input);
  checkGrouping(input);
  const pack = packLocation(input.dataPack);
  const seed = String(input.seed);
  const sec = securityParts(input.security);
  const gatewayHealthPort = input.security ? ContainerPorts.gatewayControl : ContainerPorts.gateway;
  const gateways = gatewayGroups(input).map((group) =>
    service(group.service, 'gateway', gatewayHealthPort, {
      healthPath: gatewayHealthPath(input, group),
      command: [
        ...['serve', 'gateway', '--data-pack', pack.path],
        ...group.members.flatMap((m) => ['--community', m.community.name]),
        ...group.members.flatMap((m) =>
          m.community.protocol === 'mhd' ? ['--mhd-community', m.community.name] : [],
        ),
        ...['--seed', seed],
        ...sec.args,
      ],
      ports: group.members.map((m) =>
        publish(
          hostIp,
          gatewayHostPort(input.portBase, m.index),
          m.port,
          `responding gateway ${m.community.name}`,
        ),
      ),
      dependsOn: [],
      mounts: [...pack.mounts, ...sec.mounts],
      communities: group.members.map((m) => ({
        name: m.community.name,
        homeCommunityId: m.community.homeCommunityId,
        ...(m.community.protocol === 'mhd' ? { protocol: 'mhd' as const } : {}),
      })),
      ...(group.service === group.members[0]!.community.name
        ? {}
        : { aliases: group.members.map((m) => m.community.name) }),
      ...sec.user,
    }),
  );
  const pars = service('pars', 'pars', ContainerPorts.pars, {
    command: ['serve', 'pars', '--dir', ContainerDefaults.parsDir],
    ports: [publish(hostIp, defaultParsPort(input.portBase), ContainerPorts.pars, 'PARS (FHIR AuditEvent)')],
    dependsOn: [],
    mounts: [volume('pars', ContainerDefaults.parsDir)],
  });
  const broker = service('broker', 'broker', ContainerPorts.broker, {
    command: brokerCommand(input, hostIp),
    ports: [
      publish(hostIp, input.portBase, ContainerPorts.broker, 'broker sandbox'),
      publish(hostIp, defaultControlPort(input.portBase), ContainerPorts.control, 'control API'),
      ...(input.security
        ? [
            publish(
              hostIp,
              integrationHostPort(input.portBase),
              ContainerPorts.integration,
              'broker integration (mutual TLS + XUA)',
            ),
          ]
        : []),
    ],
    dependsOn: [...gateways.map((g) => g.service), 'pars'],
    mounts: [volume('audit', ContainerDefaults.auditDir), ...sec.mounts],
    ...sec.user,
  });
  return {
    project: input.project ?? ContainerDefaults.project,
    image: input.image ?? ContainerDefaults.image,
    network: ContainerDefaults.network,
    volumes: ['audit', 'pars'],
    services: [...gateways, pars, broker],
    published: publishedEndpoints(input, hostIp),
  };
}

/**
 * One service whose healthcheck GETs `healthPath` (default `/health`) on `port` inside the
 * container.
 */
function service(
  name: string,
  role: ContainerRole,
  port: number,
  rest: Pick<
    ServicePlan,
    'command' | 'ports' | 'dependsOn' | 'mounts' | 'communities' | 'aliases' | 'user'
  > & {
    healthPath?: string;
  },
): ServicePlan {
  const { command, healthPath = '/health', ...others } = rest;
  const healthUrl = `http://127.0.0.1:${port}${healthPath}`;
  return {
    service: name,
    role,
    command,
    environment: {
      [ContainerHealthcheck.urlEnv]: healthUrl,
      NODE_OPTIONS: ContainerNodeOptions[role],
      ...ContainerMallocEnv,
    },
    healthUrl,
    ...others,
  };
}

function publish(hostIp: string, host: number, container: number, what: string): PublishedPort {
  return { hostIp, host, container, what };
}

function volume(source: string, target: string): ServiceMount {
  return { kind: 'volume', source, target, readOnly: false };
}

/**
 * What security adds to the gateways and the broker: `--certs-dir` at the mount, the read-only
 * bind mount of the host's certificate directory, and the user that can read its keys.
 */
function securityParts(s: ContainerSecurity | undefined): {
  args: string[];
  mounts: ServiceMount[];
  user: Pick<ServicePlan, 'user'>;
} {
  if (s === undefined) return { args: [], mounts: [], user: {} };
  const target = ContainerDefaults.certsMount;
  return {
    args: ['--certs-dir', target],
    mounts: [{ kind: 'bind', source: s.certsDir, target, readOnly: true }],
    user: { user: s.user },
  };
}

/** Where the gateways read the pack inside the container, and the mount that puts it there. */
function packLocation(p: ContainerPlanInput['dataPack']): { path: string; mounts: ServiceMount[] } {
  if ('inImage' in p) {
    return { path: `${ContainerDefaults.appDir}/${p.inImage.replace(/^(\.?\/)+/, '')}`, mounts: [] };
  }
  const target = ContainerDefaults.packMount;
  return { path: target, mounts: [{ kind: 'bind', source: p.hostDir, target, readOnly: true }] };
}

/**
 * What a gateway container's healthcheck GETs: with security, `/health` on its plain-HTTP control
 * port; else on its first community's port, `/health` for an XCA responding gateway and
 * `/fhir/metadata` (the CapabilityStatement, FHIR R4 `capabilities` interaction) for an MHD
 * Document Responder.
 */
function gatewayHealthPath(input: ContainerPlanInput, group: GatewayGroup): string {
  if (input.security !== undefined) return '/health';
  return group.members[0]!.community.protocol === 'mhd' ? FhirPath.metadata : '/health';
}

/**
 * `serve broker ...`: every simulated community by its service name (`https:` with security), every
 * external by its URLs; with security the certificate directory and the integration port.
 */
function brokerCommand(input: ContainerPlanInput, hostIp: string): string[] {
  const scheme = input.security ? 'https' : 'http';
  const communities = gatewayGroups(input).flatMap((group) =>
    group.members.flatMap((m) => {
      const url = `${scheme}://${m.community.name}:${m.port}`;
      const control = `http://${m.community.name}:${ContainerPorts.gatewayControl}`;
      const protocol = m.community.protocol === 'mhd' ? ',protocol=mhd' : '';
      return [
        '--community',
        `name=${m.community.name},homeCommunityId=${m.community.homeCommunityId},url=${url},control=${control}${protocol}`,
      ];
    }),
  );
  const external = input.external.flatMap((e) => [
    '--external',
    e.protocol === 'mhd'
      ? `name=${e.name},homeCommunityId=${e.homeCommunityId},protocol=mhd,fhirBase=${e.fhirBase}`
      : `name=${e.name},homeCommunityId=${e.homeCommunityId},iti38Url=${e.iti38Url},iti39Url=${e.iti39Url}` +
        (e.rad75Url !== undefined ? `,rad75Url=${e.rad75Url}` : ''),
  ]);
  return [
    ...['serve', 'broker', '--deadline-ms', String(input.deadlineMs), '--seed', String(input.seed)],
    ...['--public-url', `http://${hostIp}:${input.portBase}`],
    ...['--pars-url', `http://pars:${ContainerPorts.pars}`],
    ...['--pars-control-url', `http://pars:${ContainerPorts.parsControl}`],
    ...['--audit-dir', ContainerDefaults.auditDir],
    ...(input.consumers !== undefined && Object.keys(input.consumers).length > 0
      ? ['--consumers', JSON.stringify(input.consumers)]
      : []),
    ...(input.security
      ? [
          ...['--certs-dir', ContainerDefaults.certsMount],
          ...['--integration-port', String(ContainerPorts.integration)],
        ]
      : []),
    ...communities,
    ...external,
  ];
}

/** One gateway container of a plan: its service name and its communities with their ports. */
interface GatewayGroup {
  service: string;
  members: {
    community: ContainerPlanInput['communities'][number];
    /** Index among all simulated communities (its host port follows from it). */
    index: number;
    /** Its listener inside the container: 9001 + its place in the group. */
    port: number;
  }[];
}

/**
 * The simulated communities grouped into gateway containers of `communitiesPerContainer` each
 * (default: at most DEFAULT_GATEWAY_CONTAINERS containers). A container of one community is named
 * after it; a container of several is `gateways-<k>` (k from 1), reached by its communities'
 * names as network aliases. Validated by {@link checkGrouping}.
 */
function gatewayGroups(input: ContainerPlanInput): GatewayGroup[] {
  const perContainer = communitiesPerContainer(input);
  const groups: GatewayGroup[] = [];
  input.communities.forEach((community, index) => {
    const j = index % perContainer;
    if (j === 0) groups.push({ service: '', members: [] });
    groups.at(-1)!.members.push({ community, index, port: ContainerPorts.gateway + j });
  });
  for (const [k, g] of groups.entries())
    g.service = perContainer === 1 ? g.members[0]!.community.name : `gateways-${k + 1}`;
  return groups;
}

/** The input's communities per gateway container, or the default for its size. */
export function communitiesPerContainer(input: ContainerPlanInput): number {
  return (
    input.communitiesPerContainer ??
    Math.max(1, Math.ceil(input.communities.length / DEFAULT_GATEWAY_CONTAINERS))
  );
}

/**
 * @throws SimError SIM_ERR_BAD_ARGUMENT when `communitiesPerContainer` is not a whole number from 1
 *   to MAX_COMMUNITIES_PER_CONTAINER, or a community is named like a gateway container
 *   (`gateways-<k>`) while containers host several communities.
 */
function checkGrouping(input: ContainerPlanInput): void {
  const n = input.communitiesPerContainer;
  if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= MAX_COMMUNITIES_PER_CONTAINER))
    throw new SimError(
      SimErrorCode.BadArgument,
      `--communities-per-container ${n}: give a whole number from 1 to ${MAX_COMMUNITIES_PER_CONTAINER}`,
    );
  if (communitiesPerContainer(input) === 1) return;
  const clash = input.communities.find((c) => /^gateways-[0-9]+$/.test(c.name));
  if (clash !== undefined)
    throw new SimError(
      SimErrorCode.BadArgument,
      `community name '${clash.name}' clashes with the gateway containers' names (gateways-<k>): rename the community or give --communities-per-container 1`,
    );
}
