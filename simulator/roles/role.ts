/**
 * What every role of the container stack shares (docs/containers.md): where it listens, what a
 * running role reports, and its own control API over the faults of that one service; the broker
 * container's control API hands them over (control/federated-faults.ts), so selection and
 * counting happen where the fault applies, as in-process.
 */
import { startControlApi, type ControlCommunity, type RunningControlApi } from '../control/control-api.js';
import { SimEvents } from '../control/events.js';
import type { FaultStore } from '../faults/fault-store.js';
import type { Logger } from '../shared/logger.js';

/** A running role: its main URL (where `GET /health` answers), its control API, and stop. */
export interface RunningRole {
  url: string;
  control: { url: string };
  /** A gateway role's communities and the base URL of each one's responding gateway, in order. */
  gateways?: { name: string; url: string }[];
  /** The broker's integration port (HTTPS, mTLS + XUA), when it has a certificate set. */
  integration?: { url: string };
  stop(): Promise<void>;
}

/** Where a role listens. Ports are TCP ports; 0 picks a free one. */
export interface RoleListen {
  host: string;
  port: number;
  controlPort: number;
  /** Seed of the fault PRNG streams; the same in every container of a stack. */
  seed: number;
  logger: Logger;
}

/**
 * A control API over one service's faults; its transaction log stays empty (the broker keeps that).
 * @throws SimError SIM_ERR_PORT_IN_USE when the control port is taken.
 */
export function roleControl(
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
