/**
 * The rad75 provider checks (docs/conformance.md lists each with its source).
 */
import type { ProviderCheck } from './provider-check.js';

/** In the order the report shows them. */
export const rad75Checks: readonly ProviderCheck[] = [];
