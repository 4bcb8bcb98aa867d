/**
 * The ITI-38 provider checks (docs/conformance.md lists each with its source): what NIR's
 * initiating gateway expects of a supplier's responding gateway for Cross Gateway Query
 * (IHE ITI TF-2 3.38).
 */
import { iti38FilterChecks } from './iti38-filter-checks.js';
import { iti38FindChecks } from './iti38-find-checks.js';
import { iti38ResponseChecks } from './iti38-response-checks.js';
import type { ProviderCheck } from './provider-check.js';

/** In the order the report shows them. */
export const iti38Checks: readonly ProviderCheck[] = [
  ...iti38FindChecks,
  ...iti38FilterChecks,
  ...iti38ResponseChecks,
];
