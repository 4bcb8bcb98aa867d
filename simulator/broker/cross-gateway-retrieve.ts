/**
 * The broker's ITI-39 Cross Gateway Retrieve: split the DocumentRequests by HomeCommunityId,
 * retrieve from each community in parallel, merge into one response (ITI TF-2 3.39.4.1.3).
 */
import { ErrorCode, Transaction } from '../xca/constants.js';
import { registryError } from '../xca/status.js';
import type {
  DocumentRequest,
  RegistryError,
  RetrieveDocumentSetRequest,
  RetrieveDocumentSetResponse,
} from '../xca/types.js';
import { retrieveFromCommunity } from './community-client.js';
import type { CommunityEndpoint } from './community-directory.js';
import { consolidateRetrieve } from './consolidate.js';
import type { BrokerContext, RequestContext } from './context.js';
import type { RetrieveLeg } from './leg.js';
import { runLegs } from './run-legs.js';
import { resolveTarget } from './targets.js';
import { transactionEvent } from './transaction-record.js';
import type { TransactionEvent } from '../events/transaction-events.js';

interface Group {
  community: CommunityEndpoint;
  documents: DocumentRequest[];
}

/**
 * Answer one RetrieveDocumentSetRequest. DocumentRequests without HomeCommunityId get
 * XDSMissingHomeCommunityId, unknown ones XDSUnknownCommunity; the rest are retrieved. Also
 * returns the transaction's event for the caller to emit.
 */
export async function crossGatewayRetrieve(
  req: RetrieveDocumentSetRequest,
  rc: RequestContext,
  bc: BrokerContext,
): Promise<{ response: RetrieveDocumentSetResponse; event: TransactionEvent }> {
  const startedAt = bc.clock.now();
  const { groups, errors } = split(req.documents, rc, bc);
  const { legs, events } = await runLegs(groups, Transaction.Iti39, rc, bc, (url, signal, g) =>
    retrieveFromCommunity(url, { documents: g.documents }, signal, bc.transport),
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
      transaction: Transaction.Iti39,
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
