/**
 * The gateway role of the container stack (docs/containers.md): what `sim serve gateway` starts in its
 * container. One community's responding gateway plus its own control API, over a FaultStore that
 * holds the faults for that community only (role.ts).
 */
import { FaultStore } from '../faults/fault-store.js';
import { startRespondingGateway } from '../gateway/gateway-server.js';
import type { CommunityStore } from '../gateway/community-store.js';
import { xcaEndpoints } from '../shared/xca-endpoints.js';
import { securityFromDirectory } from '../runtime/security-runtime.js';
import { roleControl, type RoleListen, type RunningRole } from './role.js';

/**
 * Start one community's responding gateway (ITI-38, ITI-39, RAD-75 as in-process) and its control
 * API, which accepts faults whose `gateway` is this community. With `certsDir` (a certificate set
 * as `sim certs generate` mints it, certs/README.md) the gateway serves HTTPS with mutual TLS and
 * requires the broker's signed XUA assertion; its control API, plain HTTP, is then its health URL.
 * @throws SimError SIM_ERR_PORT_IN_USE when a port is taken.
 */
export async function startGatewayRole(
  community: CommunityStore,
  where: RoleListen & { maxBodyBytes: number; certsDir?: string },
): Promise<RunningRole> {
  const faults = new FaultStore(where.seed, () => [community.name]);
  const logger = where.logger.child({ community: community.name });
  // With a certificate set: HTTPS with mutual TLS (NIR root) and XUA on the forwarded assertion,
  // as the in-process runtime's secured gateways (docs/security.md); the control API stays plain HTTP.
  const security =
    where.certsDir === undefined
      ? undefined
      : securityFromDirectory(where.certsDir, [community.name], {}, logger);
  const gateway = await startRespondingGateway({
    community,
    logger,
    maxBodyBytes: where.maxBodyBytes,
    host: where.host,
    port: where.port,
    faults,
    ...(security ? security.gateway(community.name, community.homeCommunityId) : {}),
  }).catch((err: unknown) => {
    security?.stop();
    throw err;
  });
  const self = {
    name: community.name,
    homeCommunityId: community.homeCommunityId,
    kind: 'simulated' as const,
    endpoints: xcaEndpoints(gateway.url),
  };
  const control = await roleControl(faults, where, () => [self], logger).catch(async (err: unknown) => {
    security?.stop();
    await gateway.stop();
    throw err;
  });
  return {
    url: gateway.url,
    control: { url: control.url },
    stop: async () => {
      security?.stop();
      await Promise.all([control.stop(), gateway.stop()]);
    },
  };
}
