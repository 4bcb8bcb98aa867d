/**
 * Sending an ITI-68 document to the consumer (IHE MHD ITI TF-2 3.68.4.2) once its TransactionEvent
 * is recorded: the head (200, Content-Type = the mimeType, Content-Length when the size is known,
 * ETag = the DocumentEntry's hash, ITI TF-3 4.2.3.2.12, when the entry arrived) and then the bytes
 * as they arrive from the community (iti68-relay.ts: checked against the size and hash on the way).
 *
 * A relay that ends abnormally after the head has left (the community's stream breaks or falls
 * silent, or the bytes differ from the metadata) aborts the consumer's connection, as RAD-75 does
 * for a broken part, and the transaction is recorded once more, the same TransactionEvent (same
 * `id`) as it turned out: status Failure, resultCount 0, one more RegistryError located at the
 * community (XDSUnavailableCommunity for a broken or silent stream, its leg then `failed` with
 * reason `reset` / `timeout`; XDSRepositoryError for bytes that do not match), its duration up to
 * the end of the relay. The transaction log keeps the later record in place of the first (it keys
 * by id); the audit trail writes that outcome as one more ITI-68 AuditEvent. A consumer that closes
 * its connection first is logged, not recorded: nothing failed at the community.
 */
import type { Response } from 'express';
import type { LegEvent, TransactionEvent } from '../events/transaction-events.js';
import { ErrorCode, ResponseStatus } from '../xca/constants.js';
import { registryError } from '../xca/status.js';
import type { DocumentStream } from './community-codec.js';
import type { BrokerContext } from './context.js';
import { relayDocument, type RelayResult } from './iti68-relay.js';

/** What the broker knows of the document beside its stream. */
export interface DocumentFacts {
  /** The DocumentEntry's size (bytes) and hash (hex SHA-1), from the parallel GetDocuments, when it arrived. */
  entry?: { size?: number; hash?: string };
  /** `community <homeCommunityId> (<name>)`, for the RegistryError and the log. */
  who: string;
  homeCommunityId: string;
  uniqueId: string;
}

/**
 * Write the head and relay `stream` into `res`; resolves when the relay has ended. The size
 * checked and sent as Content-Length is the entry's, else the leg's own metadata (an MHD
 * attachment.size), else what the community declared; the hash the entry's, else the leg's.
 * @param recorded the TransactionEvent recorded before the head (re-recorded on a failed relay).
 */
export async function sendDocument(
  bc: BrokerContext,
  res: Response,
  stream: DocumentStream,
  facts: DocumentFacts,
  recorded: TransactionEvent,
  idleTimeoutMs: number,
): Promise<RelayResult> {
  const size = facts.entry?.size ?? stream.expected?.size ?? stream.declaredBytes;
  const sha1 = facts.entry?.hash ?? stream.expected?.hash;
  const hash = facts.entry?.hash;
  res.status(200).set({
    'Content-Type': stream.document.mimeType,
    ...(size !== undefined ? { 'Content-Length': String(size) } : {}),
    ...(hash !== undefined ? { ETag: `"${hash}"` } : {}),
  });
  const result = await relayDocument(
    stream.body,
    res,
    { ...(size !== undefined ? { size } : {}), ...(sha1 !== undefined ? { sha1 } : {}) },
    { idleTimeoutMs, clock: bc.clock },
  );
  const log = { id: recorded.id, community: facts.who, document: facts.uniqueId, bytes: result.bytes };
  if (result.outcome === 'complete') return result;
  if (result.outcome === 'consumer-gone') {
    bc.logger.info(log, 'the ITI-68 consumer closed its connection before the document was sent whole');
    return result;
  }
  bc.logger.error(
    { ...log, err: result.detail },
    "ITI-68 document stream failed after its head was sent: the consumer's connection was aborted",
  );
  const failed = failedTransaction(bc, recorded, facts, result);
  // The head has left: a failure to keep the record can only be logged.
  await bc.recorder
    ?.record({ kind: 'transaction', event: failed })
    .catch((err: unknown) =>
      bc.logger.error({ err, id: recorded.id }, 'could not record the failed ITI-68 document stream'),
    );
  return result;
}

/** `recorded` as the failed relay turned it out (see the module comment). */
function failedTransaction(
  bc: BrokerContext,
  recorded: TransactionEvent,
  facts: DocumentFacts,
  r: Extract<RelayResult, { outcome: 'mismatch' | 'broken' }>,
): TransactionEvent {
  const what = `document ${facts.uniqueId}`;
  const error =
    r.outcome === 'mismatch'
      ? registryError(
          ErrorCode.XDSRepositoryError,
          `${facts.who} sent ${what} with bytes that do not match its metadata: ${r.detail}; the consumer's connection was aborted`,
          facts.homeCommunityId,
        )
      : registryError(
          ErrorCode.XDSUnavailableCommunity,
          `${facts.who} failed while sending ${what}: ${r.detail}; the consumer's connection was aborted`,
          facts.homeCommunityId,
        );
  // The retrieve leg is the first (retrieve-document.ts lists it before the GetDocuments leg).
  const legs: LegEvent[] = recorded.legs.map((l, i) =>
    i === 0 && r.outcome === 'broken'
      ? {
          ...l,
          outcome: 'failed',
          failure: { reason: r.reason, detail: r.detail },
          durationMs: bc.clock.now() - l.startedAt,
        }
      : l,
  );
  return {
    ...recorded,
    status: ResponseStatus.Failure,
    errors: [...recorded.errors, error],
    resultCount: 0,
    durationMs: bc.clock.now() - recorded.startedAt,
    legs,
  };
}
