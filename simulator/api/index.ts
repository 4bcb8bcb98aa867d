/**
 * The `nir-sim` package's programmatic API (package.json `exports`, docs/api.md): start a topology
 * in-process from a supplier's own tests, read its URLs, faults, transactions and AuditEvents,
 * stop it. Everything a supplier imports comes from here; deeper paths are not part of the API.
 */
export { startNirSim } from './nir-sim.js';
export type { NirSim, NirSimFaults, NirSimUrls } from './nir-sim.js';
export type { NirSimOptions } from './options.js';
export { virtualClock } from './clock.js';
export type { NirSimClock } from './clock.js';
export type { Clock, Deadline, DeadlineClock, VirtualClock } from '../shared/clock.js';
export type { FaultSpec, FaultSpecInput } from '../faults/fault-spec.js';
export type { FaultStatus } from '../faults/fault-store.js';
export type { TransactionSummary, LegSummary } from '../control/transaction-log.js';
export type { TransactionEvent, LegEvent } from '../events/transaction-events.js';
export type { RunningBrokerPort, RunningCommunity } from '../runtime/in-process.js';
export type { BrokerEndpoints } from '../topology/endpoint-table.js';
export { SimError, SimErrorCode } from '../shared/errors.js';
