/**
 * The typed event bus of a running topology (DESIGN.md "Request flow": the broker emits, the
 * control API's transaction log and the audit listener consume). Events are plain data.
 */
import { EventEmitter } from 'node:events';
import type { Transaction } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';

/** One community leg of a consumer request. Times in epoch ms, durations in ms. */
export interface LegEvent {
  community: string;
  homeCommunityId: string;
  startedAt: number;
  durationMs: number;
  outcome: 'answered' | 'failed';
  /** HTTP status of the community's answer, when one arrived. */
  httpStatus?: number;
  /** Why the leg failed (LegFailure reason and detail). */
  failure?: { reason: string; detail: string };
  /** errorCode of each RegistryError the community returned. */
  errorCodes: string[];
  /** The SOAP body sent and the envelope received (XML root part), when available. */
  requestXml?: string;
  responseXml?: string;
}

/** One consumer request the broker answered. */
export interface TransactionEvent {
  /** Unique per process, e.g. `tx-42`. */
  id: string;
  transaction: Transaction;
  /** The consumer's wsa:MessageID. */
  messageId?: string;
  consumerId?: string;
  /** NHS number of the query's patient, when it named a valid one. */
  patient?: string;
  /** For retrieves: the documents asked for. */
  documents?: { homeCommunityId?: string; repositoryUniqueId: string; documentUniqueId: string }[];
  startedAt: number;
  durationMs: number;
  /** Response status URN. */
  status: string;
  errors: RegistryError[];
  /** Documents (ITI-39) or registry objects (ITI-38) returned. */
  resultCount: number;
  legs: LegEvent[];
  /** The consumer's request envelope and the response body, for the transaction log. */
  requestXml?: string;
  responseXml?: string;
}

/** Event name → payload. */
export interface SimEventMap {
  transaction: [TransactionEvent];
}

/** A typed EventEmitter; one per running topology. Listener errors are the listener's business. */
export class SimEvents extends EventEmitter<SimEventMap> {}
