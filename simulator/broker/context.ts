/**
 * What the broker's transaction handlers need, passed in (no module-level state: a broker and
 * many gateways share one process).
 */
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Transaction } from '../xca/constants.js';
import type { CommunityDirectory } from './community-directory.js';
import type { LegTransport } from './community-client.js';
import type { LegFailure } from './leg.js';

/** One community leg of a consumer request, as the transaction log records it. */
export interface LegRecord {
  community: string;
  homeCommunityId: string;
  /** Epoch ms. */
  startedAt: number;
  durationMs: number;
  outcome: 'answered' | 'failed';
  failure?: LegFailure;
  /** errorCode of each RegistryError the community returned. */
  errorCodes: string[];
}

/** One consumer request and its legs (for logs, NFT-01 timings, and the control API later). */
export interface TransactionRecord {
  transaction: Transaction;
  messageId?: string;
  consumerId?: string;
  startedAt: number;
  durationMs: number;
  status: string;
  errorCodes: string[];
  legs: LegRecord[];
}

/** The broker's dependencies. */
export interface BrokerContext {
  directory: CommunityDirectory;
  /** Per-community deadline for each leg, ms (default 10 000). */
  deadlineMs: number;
  clock: Clock;
  logger: Logger;
  transport: LegTransport;
  /** Called once per consumer request after the response is built. */
  onTransaction?: (record: TransactionRecord) => void;
}

/** Per-request facts from the SOAP layer. */
export interface RequestContext {
  messageId?: string;
  /** The consumer's profile key (sandbox: the `X-NIR-Consumer` header). */
  consumerId?: string;
  signal?: AbortSignal;
}
