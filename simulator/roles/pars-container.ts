/**
 * The PARS role of the container stack (docs/containers.md): what `sim serve pars` starts in its
 * container. The simulated PARS plus its own control API, over a FaultStore that holds the
 * `pars-down` / `pars-slow` faults (role.ts).
 */
import { FaultStore } from '../faults/fault-store.js';
import { PARS_TARGET, startParsService } from '../pars/pars-service.js';
import { systemClock } from '../shared/clock.js';
import { roleControl, type RoleListen, type RunningRole } from './role.js';

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
