/**
 * Fan a request out to communities and turn each settled call into a Leg (for consolidate) and a
 * LegRecord (for the transaction log).
 */
import type { Transaction } from '../xca/constants.js';
import type { CommunityEndpoint } from './community-directory.js';
import { classifyLegError } from './community-client.js';
import type { BrokerContext, LegRecord, RequestContext } from './context.js';
import { fanOut } from './fan-out.js';
import type { Leg } from './leg.js';

/**
 * Call every target in parallel with the broker's per-leg deadline.
 * A community without an endpoint for `transaction` is reported as refused (misconfiguration).
 */
export async function runLegs<
  T extends { community: CommunityEndpoint },
  R extends { errors: { errorCode: string }[] },
>(
  targets: readonly T[],
  transaction: Transaction,
  rc: RequestContext,
  bc: BrokerContext,
  call: (url: string, signal: AbortSignal, target: T) => Promise<R>,
): Promise<{ legs: (Leg<R> & { target: T })[]; records: LegRecord[] }> {
  const settled = await fanOut(
    targets,
    (t, signal) => {
      const url = t.community.endpoints[transaction];
      if (url === undefined) throw new Error(`no ${transaction} endpoint configured`);
      return call(url, signal, t);
    },
    { deadlineMs: bc.deadlineMs, clock: bc.clock, ...(rc.signal ? { parent: rc.signal } : {}) },
  );
  const legs: (Leg<R> & { target: T })[] = [];
  const records: LegRecord[] = [];
  settled.forEach((s, i) => {
    const target = targets[i]!;
    const community = { name: target.community.name, homeCommunityId: target.community.homeCommunityId };
    const base = {
      community: community.name,
      homeCommunityId: community.homeCommunityId,
      startedAt: s.startedAt,
      durationMs: s.durationMs,
    };
    if (s.ok) {
      legs.push({ community, target, outcome: 'answered', response: s.value });
      records.push({ ...base, outcome: 'answered', errorCodes: s.value.errors.map((e) => e.errorCode) });
    } else {
      const failure = classifyLegError(s.error, s.timedOut, bc.deadlineMs);
      legs.push({ community, target, outcome: 'failed', failure });
      records.push({ ...base, outcome: 'failed', failure, errorCodes: [] });
    }
  });
  for (const r of records) bc.logger.info({ leg: r, transaction }, 'community leg settled');
  return { legs, records };
}
