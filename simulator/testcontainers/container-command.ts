/**
 * What a NirSimContainer runs, without an engine: the options a supplier sets, their bounds (those
 * of `sim up`, topology/topology-from-options.ts), the `up` command line of the image (ENTRYPOINT
 * `node dist/simulator/cli/main.js`, compose/Dockerfile) and the ports it listens on inside the
 * container (the `--port-base 8080` layout of docs/containers.md).
 */
import type { NirSimUrls } from '../api/index.js';
import type { FaultSpecInput } from '../faults/fault-spec.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { brokerEndpoints } from '../topology/endpoint-table.js';

/** The ports inside the container (`sim up --port-base 8080`: broker, control +10, PARS +20, integration +363). */
export const NirSimPorts = {
  /** The broker's sandbox port (plain HTTP, no security). */
  broker: 8080,
  /** The control API (faults, transactions, topology; `GET /health`). */
  control: 8090,
  /** The simulated PARS (FHIR R4 base `/FHIR/R4`). */
  pars: 8100,
  /** The broker's integration port (HTTPS, mutual TLS + XUA / IUA), with security only. */
  integration: 8443,
} as const;

/** Where `sim up --security` mints the certificate set inside the container (owned by uid 1000 in the image). */
export const CONTAINER_CERTS_DIR = '/app/certs/out';

/** What a NirSimContainer starts (each `with...` method sets one). */
export interface NirSimContainerOptions {
  /** Simulated XCA communities, 1..200 (`--gateways`); default 3. */
  gateways?: number;
  /** Simulated MHD communities after the XCA ones, 0..200 (`--mhd-gateways`); default 0. */
  mhdGateways?: number;
  /** The integration port with mutual TLS + XUA / IUA (`--security`); default off. */
  security?: boolean;
  /** The broker's per-community deadline, ms (`--deadline-ms`); default 10 000. */
  deadlineMs?: number;
  /** Faults added through the control API before `start()` resolves (docs/faults.md). */
  faults?: FaultSpecInput[];
}

/** Whether `n` is a whole number from `min` to `max`. */
const within = (n: number, min: number, max: number): boolean => Number.isInteger(n) && n >= min && n <= max;

/**
 * Check `o` as `sim up` checks its flags, every problem at once.
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming each option and what it must be (gateways 1..200,
 *   mhdGateways 0..200 with at most 200 in all, deadlineMs a positive whole number of ms).
 */
export function checkContainerOptions(o: NirSimContainerOptions): void {
  const problems: string[] = [];
  if (o.gateways !== undefined && !within(o.gateways, 1, 200))
    problems.push(`withGateways(${o.gateways}): a whole number from 1 to 200`);
  if (o.mhdGateways !== undefined && !within(o.mhdGateways, 0, 200))
    problems.push(`withMhdGateways(${o.mhdGateways}): a whole number from 0 to 200`);
  const total = (o.gateways ?? 3) + (o.mhdGateways ?? 0);
  if (problems.length === 0 && total > 200)
    problems.push(`withGateways and withMhdGateways make ${total} communities: at most 200 in all`);
  if (o.deadlineMs !== undefined && !within(o.deadlineMs, 1, Number.MAX_SAFE_INTEGER))
    problems.push(`withDeadlineMs(${o.deadlineMs}): a positive whole number of milliseconds`);
  if (problems.length > 0)
    throw new SimError(SimErrorCode.BadArgument, `invalid NirSimContainer options: ${problems.join('; ')}`);
}

/**
 * The command after the image's ENTRYPOINT: `up` in the foreground on every interface of the
 * container, on the 8080 layout ({@link NirSimPorts}), with the options' flags.
 */
export function upCommand(o: NirSimContainerOptions): string[] {
  return [
    'up',
    ...['--host', '0.0.0.0', '--port-base', String(NirSimPorts.broker)],
    ...(o.gateways !== undefined ? ['--gateways', String(o.gateways)] : []),
    ...(o.mhdGateways !== undefined ? ['--mhd-gateways', String(o.mhdGateways)] : []),
    ...(o.deadlineMs !== undefined ? ['--deadline-ms', String(o.deadlineMs)] : []),
    ...(o.security ? ['--security'] : []),
  ];
}

/**
 * Every port the image EXPOSEs (compose/Dockerfile: broker, control API, PARS, PARS control, first
 * gateway, gateway control, integration port).
 */
export const IMAGE_EXPOSED_PORTS = [8080, 8090, 8100, 8110, 9001, 9090, 8443] as const;

/**
 * The container ports to publish: every port the image EXPOSEs, though `up` needs only the broker,
 * the control API, PARS and (with security) the integration port. podman's Docker API lists each
 * EXPOSEd port in the container's `HostConfig.PortBindings` (null when not published), and
 * Testcontainers waits until each listed port is bound to the host: publishing fewer never starts.
 */
export function exposedPorts(): number[] {
  return [...IMAGE_EXPOSED_PORTS];
}

/**
 * The URLs of a started container: as {@link NirSimUrls} of the programmatic API, without the
 * communities (they listen inside the container only).
 */
export type NirSimContainerUrls = Omit<NirSimUrls, 'communities'>;

/**
 * The URLs of a container reached at `host` (the engine's host, Testcontainers `getHost()`), each
 * container port on its mapped host port (`mappedPort`, Testcontainers `getMappedPort`).
 */
export function mappedUrls(
  host: string,
  mappedPort: (containerPort: number) => number,
  security: boolean,
): NirSimContainerUrls {
  const at = (port: number, scheme = 'http'): string => `${scheme}://${host}:${mappedPort(port)}`;
  const broker = at(NirSimPorts.broker);
  const integration = security ? at(NirSimPorts.integration, 'https') : undefined;
  return {
    broker: { url: broker, ...brokerEndpoints(broker) },
    ...(integration ? { integration: { url: integration, ...brokerEndpoints(integration) } } : {}),
    control: at(NirSimPorts.control),
    pars: at(NirSimPorts.pars),
  };
}
