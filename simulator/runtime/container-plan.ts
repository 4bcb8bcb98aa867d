/**
 * The container plan: one Topology as a set of containers (issue 7). The broker, the simulated
 * PARS and one responding gateway per simulated community, each its own container on one network,
 * each running the project image with a `serve <role>` command (cli/commands/serve.ts). The
 * compose renderer (compose-render.ts) writes a plan as a docker-compose file; the docker runtime
 * (docker-runtime.ts) starts the same plan through dockerode. One model, two back-ends, so
 * `docker compose up` and `sim up --runtime docker` give the same federation.
 *
 * Inside the network every service listens on the same fixed ports ({@link ContainerPorts}) and is
 * reached by its service name (`http://north-east-imaging-network:9001`); on the host the ports
 * are published on 127.0.0.1 as the in-process runtime's endpoints table says (broker 8080,
 * control API 8090, PARS 8100, gateway i 9001 + i).
 */
import { BrokerPath } from '../broker/broker.js';
import { defaultControlPort } from '../control/control-api.js';
import { GatewayPath } from '../gateway/responding-gateway.js';
import { defaultParsPort } from '../pars/audit-stack.js';
import { SimError } from '../shared/errors.js';
import { TopologyDefaults, type ExternalCommunity } from './topology.js';

/** Ports the roles listen on inside their containers (TCP). */
export const ContainerPorts = {
  broker: 8080,
  control: 8090,
  pars: 8100,
  parsControl: 8110,
  gateway: 9001,
  gatewayControl: 9090,
  integration: 8443,
} as const;

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
} as const;

/**
 * The container healthcheck: `compose/healthcheck.mjs` (in the image) GETs the URL in
 * {@link ContainerHealthcheck.urlEnv} and exits 0 on 200, else 1. Durations in ms. Start-up is
 * given `startPeriodMs` (failures then do not count), after which `retries` failures in a row
 * mark the container unhealthy (Compose Specification, services.healthcheck; Docker Engine API
 * HealthConfig takes the same values in ns).
 */
export const ContainerHealthcheck = {
  test: ['CMD', 'node', 'compose/healthcheck.mjs'],
  urlEnv: 'NIR_SIM_HEALTH_URL',
  intervalMs: 2_000,
  timeoutMs: 2_000,
  retries: 15,
  startPeriodMs: 30_000,
} as const;

/**
 * How long a container gets between SIGTERM and SIGKILL, ms: each role closes its listeners and
 * the broker flushes its audit queue on SIGTERM, well within this.
 */
export const STOP_GRACE_PERIOD_MS = 10_000;

/** Host port offsets from the broker's (`portBase`): gateway i is on portBase + 921 + i. */
const GATEWAY_HOST_OFFSET = TopologyDefaults.gatewayPortBase - TopologyDefaults.brokerPort;

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
  /** The community a gateway serves. */
  community?: { name: string; homeCommunityId: string };
}

/** Every URL a user needs, as seen from the host (the same shape `sim status` prints). */
export interface PublishedEndpoints {
  broker: { url: string; endpoints: { 'ITI-38': string; 'ITI-39': string; 'RAD-75': string } };
  control: { url: string };
  pars: { url: string };
  communities: {
    name: string;
    homeCommunityId: string;
    kind: 'simulated' | 'external';
    endpoints: { 'ITI-38': string; 'ITI-39': string; 'RAD-75'?: string };
  }[];
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
  /** Simulated communities, in order (gateway i is published on portBase + 921 + i). */
  communities: { name: string; homeCommunityId: string }[];
  /** Supplier gateways the broker also fans out to (reached from inside the broker container). */
  external: ExternalCommunity[];
  /**
   * Where the data pack is: `inImage` a path relative to the image's /app (the committed packs),
   * or `hostDir` an absolute host directory bind-mounted read-only.
   */
  dataPack: { inImage: string } | { hostDir: string };
  /** Per-community deadline, ms. */
  deadlineMs: number;
  /** Seed of the fault PRNG streams. */
  seed: number;
  /** Host port of the broker sandbox (default 8080); every other host port follows from it. */
  portBase: number;
  /** Host address ports are published on (default 127.0.0.1). */
  hostIp?: string;
  project?: string;
  image?: string;
}

/**
 * The containers of a topology: one responding gateway per simulated community (service name =
 * community name), `pars`, and `broker`, in start order (the broker depends on every other
 * service being healthy). Pure: no I/O.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when a host port falls outside 1..65535, or a community's
 *   name is not a usable service name, is used twice, or is `broker` or `pars`.
 */
export function planContainers(input: ContainerPlanInput): ContainerPlan {
  const hostIp = input.hostIp ?? ContainerDefaults.hostIp;
  checkNames(input);
  checkHostPorts(input);
  const pack = packLocation(input.dataPack);
  const seed = String(input.seed);
  const gateways = input.communities.map((c, i) =>
    service(c.name, 'gateway', ContainerPorts.gateway, {
      command: ['serve', 'gateway', '--data-pack', pack.path, '--community', c.name, '--seed', seed],
      ports: [
        publish(
          hostIp,
          gatewayHostPort(input.portBase, i),
          ContainerPorts.gateway,
          `responding gateway ${c.name}`,
        ),
      ],
      dependsOn: [],
      mounts: pack.mounts,
      community: { name: c.name, homeCommunityId: c.homeCommunityId },
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
    ],
    dependsOn: [...gateways.map((g) => g.service), 'pars'],
    mounts: [volume('audit', ContainerDefaults.auditDir)],
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

/** One service whose healthcheck GETs `/health` on its main port inside the container. */
function service(
  name: string,
  role: ContainerRole,
  port: number,
  rest: Pick<ServicePlan, 'command' | 'ports' | 'dependsOn' | 'mounts' | 'community'>,
): ServicePlan {
  const healthUrl = `http://127.0.0.1:${port}/health`;
  const { command, ...others } = rest;
  return {
    service: name,
    role,
    command,
    environment: { [ContainerHealthcheck.urlEnv]: healthUrl },
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

/** Where the gateways read the pack inside the container, and the mount that puts it there. */
function packLocation(p: ContainerPlanInput['dataPack']): { path: string; mounts: ServiceMount[] } {
  if ('inImage' in p) {
    return { path: `${ContainerDefaults.appDir}/${p.inImage.replace(/^(\.?\/)+/, '')}`, mounts: [] };
  }
  const target = ContainerDefaults.packMount;
  return { path: target, mounts: [{ kind: 'bind', source: p.hostDir, target, readOnly: true }] };
}

/** `serve broker ...`: every simulated community by its service name, every external by its URLs. */
function brokerCommand(input: ContainerPlanInput, hostIp: string): string[] {
  const communities = input.communities.flatMap((c) => {
    const url = `http://${c.name}:${ContainerPorts.gateway}`;
    const control = `http://${c.name}:${ContainerPorts.gatewayControl}`;
    return [
      '--community',
      `name=${c.name},homeCommunityId=${c.homeCommunityId},url=${url},control=${control}`,
    ];
  });
  const external = input.external.flatMap((e) => [
    '--external',
    `name=${e.name},homeCommunityId=${e.homeCommunityId},iti38Url=${e.iti38Url},iti39Url=${e.iti39Url}` +
      (e.rad75Url !== undefined ? `,rad75Url=${e.rad75Url}` : ''),
  ]);
  return [
    ...['serve', 'broker', '--deadline-ms', String(input.deadlineMs), '--seed', String(input.seed)],
    ...['--public-url', `http://${hostIp}:${input.portBase}`],
    ...['--pars-url', `http://pars:${ContainerPorts.pars}`],
    ...['--pars-control-url', `http://pars:${ContainerPorts.parsControl}`],
    ...['--audit-dir', ContainerDefaults.auditDir],
    ...communities,
    ...external,
  ];
}

function gatewayHostPort(portBase: number, i: number): number {
  return portBase + GATEWAY_HOST_OFFSET + i;
}

/** The host URLs: the same paths as the in-process runtime; external communities keep theirs. */
function publishedEndpoints(input: ContainerPlanInput, hostIp: string): PublishedEndpoints {
  const at = (port: number): string => `http://${hostIp}:${port}`;
  const paths = (url: string) => ({
    'ITI-38': url + GatewayPath.iti38,
    'ITI-39': url + GatewayPath.iti39,
    'RAD-75': url + GatewayPath.rad75,
  });
  const broker = at(input.portBase);
  return {
    broker: {
      url: broker,
      endpoints: {
        'ITI-38': broker + BrokerPath.iti38,
        'ITI-39': broker + BrokerPath.iti39,
        'RAD-75': broker + BrokerPath.rad75,
      },
    },
    control: { url: at(defaultControlPort(input.portBase)) },
    pars: { url: at(defaultParsPort(input.portBase)) },
    communities: [
      ...input.communities.map((c, i) => ({
        name: c.name,
        homeCommunityId: c.homeCommunityId,
        kind: 'simulated' as const,
        endpoints: paths(at(gatewayHostPort(input.portBase, i))),
      })),
      ...input.external.map((e) => ({
        name: e.name,
        homeCommunityId: e.homeCommunityId,
        kind: 'external' as const,
        endpoints: {
          'ITI-38': e.iti38Url,
          'ITI-39': e.iti39Url,
          ...(e.rad75Url !== undefined ? { 'RAD-75': e.rad75Url } : {}),
        },
      })),
    ],
  };
}

/** Compose service names: lower-case letters, digits, `-`, `_`, `.`; a DNS name in the network. */
const SERVICE_NAME = /^[a-z0-9][a-z0-9_.-]*$/;

function checkNames(input: ContainerPlanInput): void {
  const taken = new Map([
    ['broker', 'the broker service'],
    ['pars', 'the PARS service'],
  ]);
  for (const [i, c] of [...input.communities, ...input.external].entries()) {
    const what = i < input.communities.length ? 'community' : 'external community';
    const problem = !SERVICE_NAME.test(c.name)
      ? `is not a usable container service name: use lower-case letters, digits and '-'`
      : taken.has(c.name)
        ? `clashes with ${taken.get(c.name)}: rename the community (every service name must be unique)`
        : undefined;
    if (problem !== undefined)
      throw new SimError('SIM_ERR_BAD_ARGUMENT', `${what} name '${c.name}' ${problem}`);
    taken.set(c.name, 'another community of that name');
  }
}

function checkHostPorts(input: ContainerPlanInput): void {
  const n = input.communities.length;
  const highest = n === 0 ? defaultParsPort(input.portBase) : gatewayHostPort(input.portBase, n - 1);
  if (Number.isInteger(input.portBase) && input.portBase >= 1 && highest <= 65_535) return;
  const maxBase = 65_535 - (highest - input.portBase);
  throw new SimError(
    'SIM_ERR_BAD_ARGUMENT',
    `--port-base ${input.portBase} puts host ports outside 1..65535 (broker ${input.portBase} to ${highest}): pick a port base from 1024 to ${maxBase}`,
  );
}
