/**
 * A consumer-mode check: a verdict on one request a supplier's consumer system sent to the broker,
 * read from the broker's own record of it (events/transaction-events.ts TransactionEvent, which
 * keeps the request envelope, the validated requester and the transport facts).
 */
import type { TransactionEvent } from '../events/transaction-events.js';
import type { CheckDefinition, CheckOutcome } from './check.js';

/**
 * The verdict of one check on one request. `skipped`: the check does not apply to this request
 * (e.g. `home` on an ITI-38 FindDocuments); `message` says what was found and what to fix.
 */
export interface ConsumerVerdict {
  id: string;
  outcome: CheckOutcome;
  message: string;
}

/** One check; `evaluate` is pure and never throws. */
export interface ConsumerCheck {
  definition: CheckDefinition;
  evaluate(tx: TransactionEvent): ConsumerVerdict;
}
