/**
 * What the broker's transaction handlers need, passed in (no module-level state: a broker and
 * many gateways share one process).
 */
import type { DeadlineClock } from '../shared/clock.js';
import type { AdmissionQueue } from './admission.js';
import type { Logger } from '../shared/logger.js';
import type { CommunityDirectory } from './community-directory.js';
import type { LegTransport } from './community-client.js';
import type { SimEvents } from '../control/events.js';

/** The broker's dependencies. */
export interface BrokerContext {
  directory: CommunityDirectory;
  /** Per-community deadline for each leg, ms (default 10 000). */
  deadlineMs: number;
  /** Time for timestamps and for the request and leg deadlines. */
  clock: DeadlineClock;
  logger: Logger;
  transport: LegTransport;
  /** Where each answered consumer request is announced (transaction log, audit). */
  events?: SimEvents;
  /** Bounded admission and the overall request deadline (admission.ts); absent = unbounded. */
  admission?: AdmissionQueue;
}

/** Per-request facts from the SOAP layer. */
export interface RequestContext {
  messageId?: string;
  /** The consumer's profile key (sandbox: the `X-NIR-Consumer` header). */
  consumerId?: string;
  signal?: AbortSignal;
  /** When the answer is due, epoch ms (admission.ts): legs get at most the time left. */
  deadlineAt?: number;
  /** The consumer's request envelope, for the transaction log. */
  requestXml?: string;
}
