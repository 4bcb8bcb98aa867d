/**
 * What one community leg of a fan-out produced, as data for `consolidate*()`, whatever protocol
 * the leg spoke (community-codec.ts).
 */
import type { WireProtocol } from '../events/transaction-events.js';
import type { RetrieveDocumentSetResponse } from '../xca/types.js';
import type { CommunityQueryAnswer } from './federated-object.js';

/** The community a leg went to. */
export interface CommunityRef {
  name: string;
  homeCommunityId: string;
  /** What the leg spoke, when not `xca` (the errors about it are worded for that protocol). */
  protocol?: WireProtocol;
}

/** Why a leg produced no usable response. */
export type LegFailure =
  | { reason: 'timeout'; deadlineMs: number }
  | { reason: 'refused'; detail: string }
  | { reason: 'reset'; detail: string }
  | { reason: 'too-large'; detail: string }
  | { reason: 'http-status'; httpStatus: number; detail: string }
  | { reason: 'soap-fault'; faultCode: string; faultReason: string }
  | { reason: 'malformed'; detail: string }
  | { reason: 'invalid-response'; detail: string }
  /** The broker has no codec for the protocol the community speaks (community-codecs.ts). */
  | { reason: 'unsupported'; detail: string };

/** A settled leg: the community's decoded response, or why there is none. */
export type Leg<R> = { community: CommunityRef } & (
  { outcome: 'answered'; response: R } | { outcome: 'failed'; failure: LegFailure }
);

export type QueryLeg = Leg<CommunityQueryAnswer>;
export type RetrieveLeg = Leg<RetrieveDocumentSetResponse> & { requestedDocumentIds: readonly string[] };
