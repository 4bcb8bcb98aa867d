/**
 * The robustness provider checks (docs/conformance.md lists each with its source).
 */
import type { ProviderCheck } from './provider-check.js';

/** In the order the report shows them. */
export const robustnessChecks: readonly ProviderCheck[] = [];
