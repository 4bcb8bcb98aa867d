/**
 * What the broker's transaction handlers need, passed in (no module-level state: a broker and
 * many gateways share one process).
 */
import type { DeadlineClock } from '../shared/clock.js';
import type { AdmissionQueue } from './admission.js';
import type { Logger } from '../shared/logger.js';
import type { CommunityDirectory, ConsumerProfile } from './community-directory.js';
import type { LegTransport } from './community-client.js';
import type { AuditRecorder, RequesterIdentity } from '../events/transaction-events.js';

/**
 * The broker's settings that may change while it runs (the control API's `PUT /broker/settings`):
 * the per-community deadline, ms, and the consumer profiles by consumer id (homeCommunityIds).
 */
export interface BrokerSettings {
  deadlineMs: number;
  consumers: Readonly<Record<string, ConsumerProfile>>;
}

/** The broker's dependencies. */
export interface BrokerContext {
  directory: CommunityDirectory;
  /** Per-community deadline for each leg, ms (default 10 000); `settings` overrides it per request. */
  deadlineMs: number;
  /**
   * Where the current settings are read, once per request (forRequest): its deadline and consumer
   * profiles replace `deadlineMs` and the directory's profiles for that request. Absent: fixed.
   */
  settings?: () => BrokerSettings;
  /** Time for timestamps and for the request and leg deadlines. */
  clock: DeadlineClock;
  logger: Logger;
  transport: LegTransport;
  /**
   * Where the broker records what happened (a TransactionEvent per answer, a FaultEvent per SOAP
   * Fault), awaited before the answer is written; absent: nothing is recorded.
   */
  recorder?: AuditRecorder;
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
  /** Who asked: validated by xua-enforcement.ts, else as the request tells it (transaction-record.ts). */
  requester?: RequesterIdentity;
  /** The broker URL the consumer called, e.g. `http://127.0.0.1:8080/xca/iti38`. */
  endpoint?: string;
  /** The consumer's IP address as the socket saw it. */
  remoteAddress?: string;
}

/**
 * The context one request runs with: `bc` with its settings read now (one snapshot, so a change
 * made while the request runs applies from the next request on), or `bc` when it has no provider.
 */
export function forRequest(bc: BrokerContext): BrokerContext {
  if (!bc.settings) return bc;
  const s = bc.settings();
  return { ...bc, deadlineMs: s.deadlineMs, directory: bc.directory.withProfiles(s.consumers) };
}
