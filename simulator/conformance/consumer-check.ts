/**
 * A consumer-mode check: a verdict on one request a supplier's consumer system sent to the broker,
 * read from the broker's own record of it (events/transaction-events.ts: a TransactionEvent for a
 * request it answered, a FaultEvent for one it refused with a SOAP Fault), re-read once into a
 * {@link ConsumerRequest} (consumer-request.ts) that every check shares.
 */
import type { CheckDefinition, CheckOutcome } from './check.js';
import type { ConsumerRequest } from './consumer-request.js';

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
  evaluate(request: ConsumerRequest): ConsumerVerdict;
}
