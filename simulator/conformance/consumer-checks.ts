/** Every consumer-mode check, in the order the report shows them. */
import type { ConsumerCheck } from './consumer-check.js';

export const consumerChecks: readonly ConsumerCheck[] = [];
