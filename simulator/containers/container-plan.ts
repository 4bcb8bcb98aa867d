/**
 * The container plan: one Topology as a set of containers (docs/containers.md). The broker, the simulated
 * PARS and one responding gateway per simulated community, each its own container on one network,
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
import type {
  ContainerPlan,
  ContainerPlanInput,
  ContainerRole,
  ContainerSecurity,
  PublishedPort,
  ServiceMount,
  ServicePlan,
} from './container-types.js';

export type {
  ContainerPlan,
  ContainerPlanInput,
  ContainerRole,
  ContainerSecurity,
  PublishedEndpoints,
  ServiceMount,
  ServicePlan,
} from './container-types.js';

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
  /** Where the certificate directory is bind-mounted (read-only) with security on. */
  certsMount: '/var/lib/nir-sim/certs',
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

/**
 * The containers of a topology: one responding gateway per simulated community (service name =
 * community name), `pars`, and `broker`, in start order (the broker depends on every other
 * service being healthy). With `input.security`, the gateways and the broker also get the
 * certificate mount, `--certs-dir` and `user`; the gateways' health moves to their plain-HTTP
 * control port (their main port speaks mutual TLS); the broker gets `--integration-port 8443`,
 * published on portBase + 363, and reaches the gateways at `https://<community>:9001`. Pure: no I/O.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when a host port falls outside 1..65535, or a community's
 *   name is not a usable service name, is used twice, or is `broker` or `pars`.
 */
export function planContainers(input: ContainerPlanInput): ContainerPlan {
  const hostIp = input.hostIp ?? ContainerDefaults.hostIp;
  checkNames(input);
  checkHostPorts(input);
  const pack = packLocation(input.dataPack);
  const seed = String(input.seed);
  const sec = securityParts(input.security);
  const gatewayHealthPort = input.security ? ContainerPorts.gatewayControl : ContainerPorts.gateway;
  const gateways = input.communities.map((c, i) =>
    service(c.name, 'gateway', gatewayHealthPort, {
      command: [
        ...['serve', 'gateway', '--data-pack', pack.path, '--community', c.name, '--seed', seed],
        ...sec.args,
      ],
      ports: [
        publish(
          hostIp,
          gatewayHostPort(input.portBase, i),
          ContainerPorts.gateway,
          `responding gateway ${c.name}`,
        ),
      ],
      dependsOn: [],
      mounts: [...pack.mounts, ...sec.mounts],
      community: { name: c.name, homeCommunityId: c.homeCommunityId },
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

/** One service whose healthcheck GETs `/health` on its main port inside the container. */
function service(
  name: string,
  role: ContainerRole,
  port: number,
  rest: Pick<ServicePlan, 'command' | 'ports' | 'dependsOn' | 'mounts' | 'community' | 'user'>,
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
 * `serve broker ...`: every simulated community by its service name (`https:` with security), every
 * external by its URLs; with security the certificate directory and the integration port.
 */
function brokerCommand(input: ContainerPlanInput, hostIp: string): string[] {
  const scheme = input.security ? 'https' : 'http';
  const communities = input.communities.flatMap((c) => {
    const url = `${scheme}://${c.name}:${ContainerPorts.gateway}`;
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
