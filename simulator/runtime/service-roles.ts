/**
 * The gateway and PARS roles of the container stack (README "Docker"): what `sim serve gateway` and
 * `sim serve pars` start in their containers. Each is one service plus its own control API, over a
 * FaultStore that holds the faults for that service only; the broker container's control API
 * hands them over (control/federated-faults.ts), so selection and counting happen where the
 * fault applies, as in-process.
 */
import { startControlApi, type ControlCommunity, type RunningControlApi } from '../control/control-api.js';
import { SimEvents } from '../control/events.js';
import { FaultStore } from '../faults/fault-store.js';
import { startRespondingGateway } from '../gateway/gateway-server.js';
import type { CommunityStore } from '../gateway/community-store.js';
import { PARS_TARGET, startParsService } from '../pars/pars-service.js';
import { systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { securityFromDirectory } from './security-runtime.js';
import { xcaEndpoints } from '../shared/xca-endpoints.js';

/** A running role: its main URL (where `GET /health` answers), its control API, and stop. */
export interface RunningRole {
  url: string;
  control: { url: string };
  /** The broker's integration port (HTTPS, mTLS + XUA), when it has a certificate set. */
  integration?: { url: string };
  stop(): Promise<void>;
}

/** Where a role listens. Ports are TCP ports; 0 picks a free one. */
interface RoleListen {
  host: string;
  port: number;
  controlPort: number;
  /** Seed of the fault PRNG streams; the same in every container of a stack. */
  seed: number;
  logger: Logger;
}

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
  // as the in-process runtime's secured gateways (README "Security"); the control API stays plain HTTP.
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

/**
 * Start the simulated PARS (FHIR R4 AuditEvent) with its records in `storeFile`, and its control
 * API, which accepts `pars-down` / `pars-slow` faults.
 * @throws SimError SIM_ERR_PORT_IN_USE when a port is taken.
 */
export async function startParsRole(where: RoleListen & { storeFile: string }): Promise<RunningRole> {
  const faults = new FaultStore(where.seed, () => []);
  const logger = where.logger.child({ component: PARS_TARGET });
  const pars = await startParsService({
    host: where.host,
    port: where.port,
    logger,
    clock: systemClock,
    storeFile: where.storeFile,
    faults,
  });
  const control = await roleControl(faults, where, () => [], logger).catch(async (err: unknown) => {
    await pars.stop();
    throw err;
  });
  return {
    url: pars.url,
    control: { url: control.url },
    stop: async () => {
      await Promise.all([control.stop(), pars.stop()]);
    },
  };
}

/** A control API over one service's faults; its transaction log stays empty (the broker keeps that). */
function roleControl(
  faults: FaultStore,
  where: RoleListen,
  communities: () => ControlCommunity[],
  logger: Logger,
): Promise<RunningControlApi> {
  return startControlApi({
    host: where.host,
    port: where.controlPort,
    faults,
    events: new SimEvents(),
    topology: () => ({ broker: { url: '', endpoints: {} }, communities: communities(), seed: where.seed }),
    logger: logger.child({ component: 'control' }),
  });
}
