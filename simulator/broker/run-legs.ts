/**
 * Fan a request out to communities, each through the codec of the protocol it speaks
 * (community-codecs.ts), and turn each settled call into a Leg (for consolidate) and a LegEvent
 * (for the transaction log). Protocol-neutral: the codec sends, decodes and classifies.
 */
import type { BrokerTransaction, LegEvent } from '../events/transaction-events.js';
import type { LegAnswer } from './community-client.js';
import type { CommunityCodec } from './community-codec.js';
import { codecFor, legTransaction, protocolOf } from './community-codecs.js';
import type { CommunityEndpoint } from './community-directory.js';
import type { BrokerContext, RequestContext } from './context.js';
import { failedLegExchange, failureText } from './failed-leg.js';
import { fanOut } from './fan-out.js';
import { overloadFault } from './overload.js';
import type { Leg, LegFailure } from './leg.js';

/** A leg's call: what to send `target` through `codec` (its community's), under `signal`. */
export type LegCall<T, R> = (codec: CommunityCodec, target: T, signal: AbortSignal) => Promise<LegAnswer<R>>;

/**
 * Call every target in parallel with the broker's per-leg deadline, cut to the time left before
 * the request's overall deadline (`rc.deadlineAt`, admission.ts) so the answer is never late.
 * `transaction` is the consumer's (ITI-38, ITI-67, ...); `kind` names what each leg sends, so its
 * LegEvent carries the leg's own transaction when it differs (an MHD leg of ITI-38 sends ITI-67)
 * and its `protocol` when not `xca`; without `kind` (RAD-75) a leg sends `transaction`.
 * A community whose protocol has no codec fails its leg (`unsupported`) without a call; a
 * community without the endpoint its codec needs fails its leg too (the codec throws).
 * @throws SoapFaultError Receiver / wsa:EndpointUnavailable (HTTP 503, overload.ts) when no time
 *   is left to start the legs: no leg is started, so none is reported as timed out.
 */
export async function runLegs<
  T extends { community: CommunityEndpoint },
  R extends { errors: { errorCode: string }[] },
>(
  targets: readonly T[],
  transaction: BrokerTransaction,
  rc: RequestContext,
  bc: BrokerContext,
  call: LegCall<T, R>,
  kind?: 'query' | 'retrieve',
): Promise<{ legs: (Leg<R> & { target: T })[]; events: LegEvent[] }> {
  const deadlineMs = legDeadlineMs(bc, rc);
  const codecs = targets.map((t) => codecFor(t.community));
  const settled = await fanOut(
    targets.map((target, i) => ({ target, codec: codecs[i]! })),
    ({ target, codec }, signal) =>
      'protocol' in codec ? call(codec, target, signal) : Promise.reject(new NoCodec(codec)),
    { deadlineMs, clock: bc.clock, ...(rc.signal ? { parent: rc.signal } : {}) },
  );
  const legs: (Leg<R> & { target: T })[] = [];
  const events: LegEvent[] = [];
  settled.forEach((s, i) => {
    const target = targets[i]!;
    const codec = codecs[i]!;
    const protocol = protocolOf(target.community);
    const community = {
      name: target.community.name,
      homeCommunityId: target.community.homeCommunityId,
      ...(protocol !== 'xca' ? { protocol } : {}),
    };
    const sent = kind === undefined ? transaction : legTransaction(protocol, kind);
    const base = {
      community: community.name,
      homeCommunityId: community.homeCommunityId,
      startedAt: s.startedAt,
      durationMs: s.durationMs,
      ...(protocol !== 'xca' ? { protocol } : {}),
      ...(sent !== undefined && sent !== transaction ? { transaction: sent } : {}),
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
      const failure =
        s.error instanceof NoCodec
          ? s.error.failure
          : (codec as CommunityCodec).classify(s.error, s.timedOut, deadlineMs);
      legs.push({ community, target, outcome: 'failed', failure });
      // The request as sent and whatever answer arrived (failed-leg.ts), so the log shows the
      // very leg a user needs to see.
      const { httpStatus: answered, ...exchange } = failedLegExchange(s.error, failure);
      const httpStatus = answered ?? httpStatusOf(s.error);
      events.push({
        ...base,
        outcome: 'failed',
        failure: { reason: failure.reason, detail: failureText(failure) },
        errorCodes: [],
        ...(httpStatus !== undefined ? { httpStatus } : {}),
        ...exchange,
      });
    }
  });
  for (const e of events) {
    const { requestXml: _q, responseXml: _r, responseBody: _b, responseHeaders: _h, ...leg } = e;
    bc.logger.info({ leg, transaction }, 'community leg settled');
  }
  return { legs, events };
}

/**
 * The HTTP status an error carries (`httpStatus`, a number: SoapCallError, or any codec's error
 * that sets it), when the community's answer arrived.
 */
function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('httpStatus' in error)) return undefined;
  return typeof error.httpStatus === 'number' ? error.httpStatus : undefined;
}

/** A leg that has no codec: its failure, carried through the fan-out like any leg's error. */
class NoCodec extends Error {
  constructor(readonly failure: LegFailure) {
    super('detail' in failure ? failure.detail : failure.reason);
  }
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
