/**
 * NFT-01 in consumer mode: the broker answered the request within NIR's deadline (its overall
 * request deadline: the per-community deadline plus the consolidation margin), with the latency
 * as the broker measured it (TransactionEvent durationMs, from arrival to the answer's record).
 */
import type { ConsumerCheck } from './consumer-check.js';
import { verdict } from './consumer-verdict.js';

const ID = 'CON-NFT01-SLA';

export const consumerSlaCheck: ConsumerCheck = {
  definition: {
    id: ID,
    area: 'consumer',
    title: "The answer came within NIR's deadline, latency logged",
    given: 'a valid patient query or retrieve the broker answered',
    when: 'the broker measures arrival to answer',
    then: "the answer came within NIR's deadline (the SLA threshold of the run) and its latency, ms, is in the report",
    source: 'NHS England NIR onboarding NFT-01 (NIR-CO-NF); nir-sim docs/limits.md (request deadline)',
    items: ['NFT-01'],
  },
  evaluate(r) {
    if (r.refusal)
      return verdict(
        ID,
        'skipped',
        `refused with a SOAP Fault in ${r.durationMs} ms; NFT-01 is about answered requests`,
      );
    const ms = Math.round(r.durationMs);
    if (r.durationMs > r.deadlineMs)
      return verdict(ID, 'failed', `answered in ${ms} ms, over the ${r.deadlineMs} ms deadline`);
    return verdict(ID, 'passed', `answered in ${ms} ms (deadline ${r.deadlineMs} ms)`);
  },
};
