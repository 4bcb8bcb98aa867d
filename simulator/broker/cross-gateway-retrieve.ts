/**
 * The federated document retrieve, for both consumer faces (ITI-39; MHD ITI-68 mapped to one
 * DocumentRequest): split the DocumentRequests by HomeCommunityId, retrieve from each community in
 * parallel through its codec (ITI-39 or ITI-68 legs), merge into one response (ITI TF-2 3.39.4.1.3).
 */
import { ErrorCode, Transaction } from '../xca/constants.js';
import { registryError } from '../xca/status.js';
import type {
  DocumentRequest,
  RegistryError,
  RetrieveDocumentSetRequest,
  RetrieveDocumentSetResponse,
} from '../xca/types.js';
import type { CommunityEndpoint } from './community-directory.js';
import { consolidateRetrieve } from './consolidate.js';
import type { BrokerContext, RequestContext } from './context.js';
import type { RetrieveLeg } from './leg.js';
import { runLegs } from './run-legs.js';
import { resolveTarget } from './targets.js';
import { transactionEvent } from './transaction-record.js';
import type { BrokerTransaction, TransactionEvent } from '../events/transaction-events.js';

interface Group {
  community: CommunityEndpoint;
  documents: DocumentRequest[];
}

/**
 * Answer one RetrieveDocumentSetRequest. DocumentRequests without HomeCommunityId get
 * XDSMissingHomeCommunityId, unknown or excluded ones XDSUnknownCommunity; the rest are
 * retrieved, one leg per community. Also returns the transaction's event for the caller to emit;
 * `opts.transaction` names the consumer's transaction in it (default ITI-39; the MHD face: ITI-68).
 * @throws SoapFaultError Receiver / wsa:EndpointUnavailable when no time is left to start the legs.
 */
export async function crossGatewayRetrieve(
  req: RetrieveDocumentSetRequest,
  rc: RequestContext,
  bc: BrokerContext,
  opts: { transaction?: BrokerTransaction } = {},
): Promise<{ response: RetrieveDocumentSetResponse; event: TransactionEvent }> {
  const startedAt = bc.clock.now();
  const transaction = opts.transaction ?? Transaction.Iti39;
  const { groups, errors } = split(req.documents, rc, bc);
  const { legs, events } = await runLegs(
    groups,
    transaction,
    rc,
    bc,
    (codec, g, signal) => codec.retrieve(g.community, { documents: g.documents }, signal, bc.transport),
    'retrieve',
  );
  const retrieveLegs: RetrieveLeg[] = legs.map((l) => ({
    ...l,
    requestedDocumentIds: l.target.documents.map((d) => d.documentUniqueId),
  }));
  const response = consolidateRetrieve(retrieveLegs, errors);
  const documents = req.documents.map((d) => ({
    ...(d.homeCommunityId !== undefined ? { homeCommunityId: d.homeCommunityId } : {}),
    repositoryUniqueId: d.repositoryUniqueId,
    documentUniqueId: d.documentUniqueId,
  }));
  const event = transactionEvent(
    {
      transaction,
      response,
      resultCount: response.documents.length,
      legs: events,
      startedAt,
      about: { documents },
    },
    rc,
    bc.clock,
  );
  return { response, event };
}

function split(
  documents: readonly DocumentRequest[],
  rc: RequestContext,
  bc: BrokerContext,
): { groups: Group[]; errors: RegistryError[] } {
  const groups = new Map<string, Group>();
  const errors: RegistryError[] = [];
  for (const d of documents) {
    const hcid = d.homeCommunityId?.trim() ?? '';
    if (hcid === '') {
      errors.push(
        registryError(
          ErrorCode.XDSMissingHomeCommunityId,
          `DocumentRequest for document ${d.documentUniqueId} has no HomeCommunityId: ITI-39 requires the home returned by the query`,
        ),
      );
      continue;
    }
    const t = resolveTarget(bc.directory, rc.consumerId, hcid);
    if ('error' in t) {
      errors.push({ ...t.error, codeContext: `${t.error.codeContext} (document ${d.documentUniqueId})` });
      continue;
    }
    const g = groups.get(hcid) ?? { community: t.community, documents: [] };
    g.documents.push(d);
    groups.set(hcid, g);
  }
  return { groups: [...groups.values()], errors };
}
