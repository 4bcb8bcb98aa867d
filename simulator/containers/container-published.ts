/**
 * The host side of a container plan (docs/containers.md): which host port each published container port
 * gets, the URLs a user sees on the host (the same shape as the in-process runtime's endpoints
 * table), and the checks that refuse a plan input whose names or host ports cannot work. Pure: no
 * I/O. container-plan.ts builds the plan from these.
 */
import { defaultControlPort } from '../control/control-api.js';
import { defaultParsPort } from '../pars/pars-service.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import type { ContainerPlanInput, PublishedEndpoints } from './container-types.js';
import { INTEGRATION_PORT_OFFSET } from '../runtime/security-runtime.js';
import { TopologyDefaults } from '../topology/topology.js';
import {
  brokerEndpoints,
  communityView,
  externalCommunityEndpoint,
  simulatedCommunityEndpoint,
} from '../topology/endpoint-table.js';

/** Host port offsets from the broker's (`portBase`): gateway i is on portBase + 921 + i. */
const GATEWAY_HOST_OFFSET = TopologyDefaults.gatewayPortBase - TopologyDefaults.brokerPort;

/** Host TCP port of the i-th simulated community's gateway: portBase + 921 + i (9001 for 8080). */
export function gatewayHostPort(portBase: number, i: number): number {
  return portBase + GATEWAY_HOST_OFFSET + i;
}

/**
 * Host TCP port of the broker's integration port (security on): portBase + 363 (8443 for 8080),
 * the in-process runtime's offset (security-runtime.ts INTEGRATION_PORT_OFFSET).
 */
export function integrationHostPort(portBase: number): number {
  return portBase + INTEGRATION_PORT_OFFSET;
}

/**
 * The host URLs: the same paths as the in-process runtime (topology/endpoint-table.ts); external
 * communities keep theirs. With security, the simulated gateways are `https:` and the broker has
 * `integration`.
 */
export function publishedEndpoints(input: ContainerPlanInput, hostIp: string): PublishedEndpoints {
  const at = (port: number, scheme = 'http'): string => `${scheme}://${hostIp}:${port}`;
  const secure = input.security !== undefined;
  const broker = at(input.portBase);
  const integration = at(integrationHostPort(input.portBase), 'https');
  return {
    broker: {
      url: broker,
      ...brokerEndpoints(broker),
      ...(secure ? { integration: { url: integration, ...brokerEndpoints(integration) } } : {}),
    },
    control: { url: at(defaultControlPort(input.portBase)) },
    pars: { url: at(defaultParsPort(input.portBase)) },
    communities: [
      ...input.communities.map((c, i) =>
        communityView(
          simulatedCommunityEndpoint(
            c,
            c.protocol ?? 'xca',
            at(gatewayHostPort(input.portBase, i), secure ? 'https' : 'http'),
          ),
          'simulated',
        ),
      ),
      ...input.external.map((e) => communityView(externalCommunityEndpoint(e), 'external')),
    ],
  };
}

/** Compose service names: lower-case letters, digits, `-`, `_`, `.`; a DNS name in the network. */
const SERVICE_NAME = /^[a-z0-9][a-z0-9_.-]*$/;

/**
 * @throws SimError SIM_ERR_BAD_ARGUMENT when a community's name is not a usable service name, is
 *   used twice, or is `broker` or `pars`.
 */
export function checkNames(input: ContainerPlanInput): void {
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
      throw new SimError(SimErrorCode.BadArgument, `${what} name '${c.name}' ${problem}`);
    taken.set(c.name, 'another community of that name');
  }
}

/**
 * @throws SimError SIM_ERR_BAD_ARGUMENT when a host port falls outside 1..65535, naming the range
 *   of port bases that fit.
 */
export function checkHostPorts(input: ContainerPlanInput): void {
  const n = input.communities.length;
  const highest = Math.max(
    n === 0 ? defaultParsPort(input.portBase) : gatewayHostPort(input.portBase, n - 1),
    input.security !== undefined ? integrationHostPort(input.portBase) : input.portBase,
  );
  if (Number.isInteger(input.portBase) && input.portBase >= 1 && highest <= 65_535) return;
  const maxBase = 65_535 - (highest - input.portBase);
  throw new SimError(
    SimErrorCode.BadArgument,
    `--port-base ${input.portBase} puts host ports outside 1..65535 (broker ${input.portBase} to ${highest}): pick a port base from 1024 to ${maxBase}`,
  );
}
