/** Building the TransactionEvent of one consumer request. */
import { randomUUID } from 'node:crypto';
import type { LegEvent, TransactionEvent } from '../control/events.js';
import type { Clock } from '../shared/clock.js';
import type { Transaction } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';
import type { RequestContext } from './context.js';

/** A TransactionEvent ending now; the caller adds `responseXml` once the answer is encoded. */
export function transactionEvent(
  transaction: Transaction,
  response: { status: string; errors: readonly RegistryError[] },
  resultCount: number,
  legs: LegEvent[],
  rc: RequestContext,
  startedAt: number,
  clock: Clock,
  about: Pick<TransactionEvent, 'patient' | 'documents'> = {},
): TransactionEvent {
  return {
    id: randomUUID(),
    transaction,
    ...(rc.messageId !== undefined ? { messageId: rc.messageId } : {}),
    ...(rc.consumerId !== undefined ? { consumerId: rc.consumerId } : {}),
    ...about,
    startedAt,
    durationMs: clock.now() - startedAt,
    status: response.status,
    errors: [...response.errors],
    resultCount,
    legs,
    ...(rc.requestXml !== undefined ? { requestXml: rc.requestXml } : {}),
  };
}
