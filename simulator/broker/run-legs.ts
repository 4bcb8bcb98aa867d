/**
 * Fan a request out to communities and turn each settled call into a Leg (for consolidate) and a
 * LegEvent (for the transaction log).
 */
import type { LegEvent } from '../events/transaction-events.js';
import type { Transaction } from '../xca/constants.js';
import type { CommunityEndpoint } from './community-directory.js';
import { classifyLegError, type LegAnswer } from './community-client.js';
import type { BrokerContext, RequestContext } from './context.js';
import { fanOut } from './fan-out.js';
import { overloadFault } from './overload.js';
import type { Leg, LegFailure } from './leg.js';
import { SoapCallError } from '../soap/client.js';

/**
 * Call every target in parallel with the broker's per-leg deadline, cut to the time left before
 * the request's overall deadline (`rc.deadlineAt`, admission.ts) so the answer is never late.
 * A community without an endpoint for `transaction` is reported as refused (misconfiguration).
 * @throws SoapFaultError Receiver / wsa:EndpointUnavailable (HTTP 503, overload.ts) when no time
 *   is left to start the legs: no leg is started, so none is reported as timed out.
 */
export async function runLegs<
  T extends { community: CommunityEndpoint },
  R extends { errors: { errorCode: string }[] },
>(
  targets: readonly T[],
  transaction: Transaction,
  rc: RequestContext,
  bc: BrokerContext,
  call: (url: string, signal: AbortSignal, target: T) => Promise<LegAnswer<R>>,
): Promise<{ legs: (Leg<R> & { target: T })[]; events: LegEvent[] }> {
  const deadlineMs = legDeadlineMs(bc, rc);
  const settled = await fanOut(
    targets,
    (t, signal) => {
      const url = t.community.endpoints[transaction];
      if (url === undefined) throw new Error(`no ${transaction} endpoint configured`);
      return call(url, signal, t);
    },
    { deadlineMs, clock: bc.clock, ...(rc.signal ? { parent: rc.signal } : {}) },
  );
  const legs: (Leg<R> & { target: T })[] = [];
  const events: LegEvent[] = [];
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
      legs.push({ community, target, outcome: 'answered', response: s.value.value });
      events.push({
        ...base,
        outcome: 'answered',
        ...s.value.exchange,
        errorCodes: s.value.value.errors.map((e) => e.errorCode),
      });
    } else {
      const failure = classifyLegError(s.error, s.timedOut, deadlineMs);
      legs.push({ community, target, outcome: 'failed', failure });
      const httpStatus = s.error instanceof SoapCallError ? s.error.httpStatus : undefined;
      events.push({
        ...base,
        outcome: 'failed',
        failure: { reason: failure.reason, detail: failureDetail(failure) },
        errorCodes: [],
        ...(httpStatus !== undefined ? { httpStatus } : {}),
      });
    }
  });
  for (const e of events) {
    const { requestXml: _q, responseXml: _r, ...leg } = e;
    bc.logger.info({ leg, transaction }, 'community leg settled');
  }
  return { legs, events };
}

/** The per-leg deadline, ms: the broker's, or the time left before `rc.deadlineAt` when less. */
function legDeadlineMs(bc: BrokerContext, rc: RequestContext): number {
  if (rc.deadlineAt === undefined) return bc.deadlineMs;
  const left = rc.deadlineAt - bc.clock.now();
  if (left <= 0) {
    throw overloadFault('deadline-in-queue', {
      requestDeadlineMs: bc.admission?.limits.requestDeadlineMs ?? bc.deadlineMs,
      retryAfterMs: bc.admission?.limits.retryAfterMs ?? 1_000,
    });
  }
  return Math.min(bc.deadlineMs, left);
}

function failureDetail(f: LegFailure): string {
  switch (f.reason) {
    case 'timeout':
      return `no answer within ${f.deadlineMs} ms`;
    case 'soap-fault':
      return `${f.faultCode}: ${f.faultReason}`;
    case 'http-status':
      return `HTTP ${f.httpStatus}: ${f.detail}`;
    case 'refused':
    case 'reset':
    case 'too-large':
    case 'malformed':
    case 'invalid-response':
      return f.detail;
  }
}
