/**
 * What the control API needs of the faults it serves (`/faults`, `/reset`, `down` in
 * `/topology`): the FaultStore of this process (the in-process runtime, a gateway or PARS
 * container) satisfies it as it is; {@link federatedFaults} (federated-faults.ts) serves the
 * broker container of the docker-compose stack, where faults apply in other containers.
 */
import type { FaultSpec } from '../faults/fault-spec.js';
import type { FaultStatus } from '../faults/fault-store.js';

/** The result of adding a batch: all of it, or none with every problem. */
export type AddAllResult = { ok: true; faults: FaultSpec[] } | { ok: false; problems: string[] };

/**
 * The fault verbs of a control API; each may answer now or later. A federated implementation
 * throws SimError SIM_ERR_NOT_RUNNING when the container that owns a fault does not answer.
 */
export interface FaultControl {
  /** Every fault with its counters, in the order added. */
  list(): FaultStatus[] | Promise<FaultStatus[]>;
  /** Validate a batch and add all of it, or none of it. */
  addAll(inputs: readonly unknown[]): AddAllResult | Promise<AddAllResult>;
  /** Remove by name; false when there was none. */
  remove(name: string): boolean | Promise<boolean>;
  /** Remove every fault. */
  reset(): void | Promise<void>;
  /** True when an unconditional `refuse` (or `pars-down`) holds `target` down. */
  isDown(target: string): boolean;
}
