/**
 * `nir-sim/testcontainers` (package.json `exports`, docs/testcontainers.md): nir-sim as a
 * Testcontainers for Node module. Needs the optional peer dependency `testcontainers`; the main
 * entry `nir-sim` never loads it.
 */
export { NirSimContainer, DEFAULT_NIR_SIM_IMAGE } from './nir-sim-container.js';
export { StartedNirSimContainer } from './started-nir-sim-container.js';
export type {
  NirSimCertificates,
  NirSimContainerCommunity,
  NirSimContainerFaults,
} from './started-nir-sim-container.js';
export { NirSimPorts } from './container-command.js';
export type { NirSimContainerOptions, NirSimContainerUrls } from './container-command.js';
export type {
  FaultSpec,
  FaultSpecInput,
  FaultStatus,
  TransactionEvent,
  TransactionSummary,
} from '../api/index.js';
export { SimError, SimErrorCode } from '../shared/errors.js';
