/** Every provider-mode check, in the order a run executes and the report shows them. */
import { iti38Checks } from './iti38-checks.js';
import { iti39Checks } from './iti39-checks.js';
import { rad75Checks } from './rad75-checks.js';
import { robustnessChecks } from './robustness-checks.js';
import type { ProviderCheck } from './provider-check.js';
import { securityChecks } from './security-checks.js';

export const providerChecks: readonly ProviderCheck[] = [
  ...securityChecks,
  ...iti38Checks,
  ...iti39Checks,
  ...rad75Checks,
  ...robustnessChecks,
];
