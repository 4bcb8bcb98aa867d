/**
 * What the broker's transaction handlers need, passed in (no module-level state: a broker and
 * many gateways share one process).
 */
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { CommunityDirectory } from './community-directory.js';
import type { LegTransport } from './community-client.js';
import type { SimEvents } from '../control/events.js';

/** The broker's dependencies. */
export interface BrokerContext {
  directory: CommunityDirectory;
  /** Per-community deadline for each leg, ms (default 10 000). */
  deadlineMs: number;
  clock: Clock;
  logger: Logger;
  transport: LegTransport;
  /** Where each answered consumer request is announced (transaction log, audit). */
  events?: SimEvents;
}

/** Per-request facts from the SOAP layer. */
export interface RequestContext {
  messageId?: string;
  /** The consumer's profile key (sandbox: the `X-NIR-Consumer` header). */
  consumerId?: string;
  signal?: AbortSignal;
  /** The consumer's request envelope, for the transaction log. */
  requestXml?: string;
}
