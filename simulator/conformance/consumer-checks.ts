/** Every consumer-mode check, in the order the report shows them. */
import type { ConsumerCheck } from './consumer-check.js';
import { consumerQueryChecks } from './consumer-query-checks.js';
import { consumerSlaCheck } from './consumer-sla-check.js';
import { consumerWsaChecks } from './consumer-wsa-checks.js';
import { consumerXuaChecks } from './consumer-xua-checks.js';

export const consumerChecks: readonly ConsumerCheck[] = [
  ...consumerWsaChecks,
  ...consumerXuaChecks,
  ...consumerQueryChecks,
  consumerSlaCheck,
];
