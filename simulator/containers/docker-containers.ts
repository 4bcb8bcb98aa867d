/**
 * A {@link ContainerPlan}'s services as Docker Engine API objects (docs/containers.md): the labels
 * that find a project's containers again (also after the state file is lost), the container
 * create options (network alias = service name, ports on the host address, the healthcheck,
 * environment, mounts; named volumes as `<project>_<name>`), the start order from `dependsOn`, and where a service's health URL is
 * published on the host. Pure functions; docker-runtime.ts sends them to the engine.
 * Source: Docker Engine API `POST /containers/create` (HostConfig, NetworkingConfig, Healthcheck).
 */
import type { ContainerCreateOptions } from 'dockerode';
import { ContainerHealthcheck, type ContainerPlan, type ServicePlan } from './container-plan.js';

/** Labels on every container, network and volume the docker runtime creates. */
export const DockerLabel = {
  /** The plan's project name. */
  project: 'io.nir-sim.project',
  /** The service's role: broker, gateway, pars. */
  role: 'io.nir-sim.role',
  /** The service name (its network alias). */
  service: 'io.nir-sim.service',
} as const;

/** The engine label filter (`key=value`) of a project's objects. */
export function projectFilter(project: string): string[] {
  return [`${DockerLabel.project}=${project}`];
}

/** The name of a service's container: `<project>-<service>`. */
export function containerName(project: string, service: string): string {
  return `${project}-${service}`;
}

/**
 * The engine's name of a plan volume: `<project>_<volume>`, as Docker Compose names a project's
 * volumes, so `docker compose` and `sim up --runtime docker` share the broker's audit trail and
 * the PARS records of one project.
 */
export function volumeName(project: string, volume: string): string {
  return `${project}_${volume}`;
}

/** The Engine API counts healthcheck durations in nanoseconds. */
const nanos = (ms: number): number => ms * 1_000_000;

/**
 * The create options of one service's container; `User` only when the plan names one (security:
 * the owner of the mounted keys), else the image's user.
 */
export function containerCreateOptions(plan: ContainerPlan, s: ServicePlan): ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of s.ports) {
    const key = `${p.container}/tcp`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.host) });
  }
  const env = { ...s.environment, [ContainerHealthcheck.urlEnv]: s.healthUrl };
  const h = ContainerHealthcheck;
  return {
    name: containerName(plan.project, s.service),
    Image: plan.image,
    Cmd: s.command,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [DockerLabel.project]: plan.project,
      [DockerLabel.role]: s.role,
      [DockerLabel.service]: s.service,
    },
    ExposedPorts: exposed,
    ...(s.user !== undefined ? { User: s.user } : {}),
    Healthcheck: {
      Test: [...h.test],
      Interval: nanos(h.intervalMs),
      Timeout: nanos(h.timeoutMs),
      StartPeriod: nanos(h.startPeriodMs),
      StartInterval: nanos(h.startIntervalMs),
      Retries: h.retries,
    },
    HostConfig: {
      NetworkMode: plan.network,
      PortBindings: bindings,
      Mounts: s.mounts.map((m) => ({
        Type: m.kind,
        Source: m.kind === 'volume' ? volumeName(plan.project, m.source) : m.source,
        Target: m.target,
        ReadOnly: m.readOnly,
      })),
    },
    NetworkingConfig: { EndpointsConfig: { [plan.network]: { Aliases: [s.service, ...(s.aliases ?? [])] } } },
  };
}

/**
 * The services in start order: groups whose members depend only on earlier groups (gateways and
 * PARS, then the broker). Dependencies outside the plan are ignored.
 * @throws Error naming the services of a dependency cycle (a plan bug, not user input).
 */
export function startOrder(services: readonly ServicePlan[]): ServicePlan[][] {
  const names = new Set(services.map((s) => s.service));
  const done = new Set<string>();
  const groups: ServicePlan[][] = [];
  let left = [...services];
  while (left.length > 0) {
    const ready = left.filter((s) => s.dependsOn.every((d) => done.has(d) || !names.has(d)));
    if (ready.length === 0)
      throw new Error(`container plan has a dependency cycle among ${left.map((s) => s.service).join(', ')}`);
    groups.push(ready);
    for (const s of ready) done.add(s.service);
    left = left.filter((s) => !done.has(s.service));
  }
  return groups;
}

/**
 * Where the host reaches a service's health URL: its `healthUrl` with the published host address
 * and port of the same container port; undefined when that port is not published.
 */
export function publishedHealthUrl(s: ServicePlan): string | undefined {
  const inside = new URL(s.healthUrl);
  const port = Number(inside.port || (inside.protocol === 'https:' ? 443 : 80));
  const p = s.ports.find((x) => x.container === port);
  if (p === undefined) return undefined;
  const host = p.hostIp === '0.0.0.0' || p.hostIp === '' ? '127.0.0.1' : p.hostIp;
  return `${inside.protocol}//${host.includes(':') ? `[${host}]` : host}:${p.host}${inside.pathname}${inside.search}`;
}
