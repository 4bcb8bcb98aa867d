/** Building the TransactionRecord of one consumer request. */
import type { Clock } from '../shared/clock.js';
import type { Transaction } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';
import type { LegRecord, RequestContext, TransactionRecord } from './context.js';

/** A TransactionRecord ending now. */
export function transactionRecord(
  transaction: Transaction,
  response: { status: string; errors: readonly RegistryError[] },
  legs: LegRecord[],
  rc: RequestContext,
  startedAt: number,
  clock: Clock,
): TransactionRecord {
  return {
    transaction,
    ...(rc.messageId !== undefined ? { messageId: rc.messageId } : {}),
    ...(rc.consumerId !== undefined ? { consumerId: rc.consumerId } : {}),
    startedAt,
    durationMs: clock.now() - startedAt,
    status: response.status,
    errorCodes: response.errors.map((e) => e.errorCode),
    legs,
  };
}
