/**
 * The federation core's streamed retrieve of one document, for the broker's ITI-68 (IHE MHD ITI TF-2
 * 3.68; MHD 1:33.6.2 groups it with an XCA Initiating Gateway): one leg to the document's
 * community through its codec's `retrieveStream` (community-codec.ts: ITI-39 to an XCA community,
 * ITI-67 + ITI-68 to an MHD one), run by run-legs.ts with the per-community deadline, consolidated
 * with the ITI-39 rules (consolidate.ts consolidateRetrieve: errors located at the community, a
 * DocumentResponse naming another home dropped), recorded as crossGatewayRetrieve records. The
 * deadline covers the answer's description only; the bytes stream afterwards (iti68-relay.ts).
 */
import type { BrokerTransaction, TransactionEvent } from '../events/transaction-events.js';
import { deriveStatus } from '../xca/status.js';
import type { DocumentRequest, RetrieveDocumentSetResponse } from '../xca/types.js';
import type { DocumentStream } from './community-codec.js';
import type { CommunityEndpoint } from './community-directory.js';
import { consolidateRetrieve } from './consolidate.js';
import type { BrokerContext, RequestContext } from './context.js';
import type { RetrieveLeg } from './leg.js';
import { runLegs } from './run-legs.js';
import { transactionEvent } from './transaction-record.js';

/** A streamed retrieve's consolidated answer. */
export interface StreamedRetrieve {
  /** The consolidated response; its one document (when any) has empty `content`: the bytes are `stream.body`. */
  response: RetrieveDocumentSetResponse;
  /** The document's bytes still on the wire, when the response holds it; the caller reads or destroys `body`. */
  stream?: DocumentStream;
  event: TransactionEvent;
}

/**
 * Retrieve `doc` (at `community`, already resolved by the caller) streamed. Resolves when the leg
 * has its answer's description (or failed); a stream whose document consolidation dropped is
 * destroyed here.
 * @throws SoapFaultError Receiver / wsa:EndpointUnavailable when no time is left to start the leg.
 */
export async function crossGatewayRetrieveStream(
  doc: DocumentRequest,
  community: CommunityEndpoint,
  rc: RequestContext,
  bc: BrokerContext,
  opts: { transaction: BrokerTransaction; idleTimeoutMs: number },
): Promise<StreamedRetrieve> {
  const startedAt = bc.clock.now();
  const { legs, events } = await runLegs(
    [{ community, document: doc }],
    opts.transaction,
    rc,
    bc,
    (codec, g, signal) =>
      codec.retrieveStream(g.community, g.document, signal, bc.transport, {
        idleTimeoutMs: opts.idleTimeoutMs,
        clock: bc.clock,
      }),
    'retrieve',
  );
  const leg = legs[0]!;
  const stream = leg.outcome === 'answered' ? leg.response.stream : undefined;
  const retrieveLeg: RetrieveLeg =
    leg.outcome === 'answered'
      ? {
          community: leg.community,
          outcome: 'answered',
          response: {
            status: deriveStatus(leg.response.errors, stream !== undefined),
            errors: leg.response.errors,
            documents: stream ? [stream.document] : [],
          },
          requestedDocumentIds: [doc.documentUniqueId],
        }
      : { ...leg, requestedDocumentIds: [doc.documentUniqueId] };
  const response = consolidateRetrieve([retrieveLeg]);
  const kept = response.documents.some((d) => d.documentUniqueId === doc.documentUniqueId);
  if (stream && !kept) stream.body.destroy();
  const event = transactionEvent(
    {
      transaction: opts.transaction,
      response,
      resultCount: response.documents.length,
      legs: events,
      startedAt,
      about: {
        documents: [
          {
            ...(doc.homeCommunityId !== undefined ? { homeCommunityId: doc.homeCommunityId } : {}),
            repositoryUniqueId: doc.repositoryUniqueId,
            documentUniqueId: doc.documentUniqueId,
          },
        ],
      },
    },
    rc,
    bc.clock,
  );
  return { response, ...(stream && kept ? { stream } : {}), event };
}
