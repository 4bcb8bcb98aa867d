/**
 * The robustness provider checks (docs/conformance.md lists each with its source): ROB-SCHEMA
 * (robustness-schema.ts) then ROB-LATENCY (robustness-latency.ts). They run last and judge every
 * answer the checks before them received.
 */
import type { ProviderCheck } from './provider-check.js';
import { latencyCheck } from './robustness-latency.js';
import { schemaCheck, type SchemaCheckOptions } from './robustness-schema.js';

/** The robustness checks with the IHE schemas `opts` names (default: NIR_SIM_REFERENCE_DIR when set). */
export function robustnessChecksWith(opts: SchemaCheckOptions = {}): ProviderCheck[] {
  return [schemaCheck(opts), latencyCheck];
}

/** In the order the report shows them. */
export const robustnessChecks: readonly ProviderCheck[] = robustnessChecksWith();
