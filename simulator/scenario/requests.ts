/**
 * The request bodies of scenario steps, built with the project's XCA encoders: an
 * AdhocQueryRequest for ITI-38 (ITI TF-2 3.38.4.1.2; stored-query parameters ITI TF-2
 * 3.18.4.1.2.3.7, value syntax 3.18.4.1.2.3.5) and a RetrieveDocumentSetRequest for ITI-39
 * (ITI TF-2 3.39.4.1.2).
 */
import { encodeAdhocQueryRequest } from '../xca/adhoc-query-request.js';
import { EntryStatus, StoredQueryId } from '../xca/constants.js';
import { encodeRetrieveDocumentSetRequest } from '../xca/retrieve-document-set.js';
import { encodeStringList, quoteString } from '../xca/slot-value.js';
import { QueryParam } from '../xca/stored-query-params.js';
import type { DocumentRequest, QuerySlot } from '../xca/types.js';
import type { EnvironmentCommunity } from './environment.js';
import type { QueryStepSpec } from './scenario-spec.js';

/** What a query step resolved before sending: the patient CX, `@home`, GetDocuments ids. */
export interface QueryInputs {
  patientId?: string;
  home?: string;
  uniqueIds?: string[];
}

/** The query:AdhocQueryRequest element for a query step. */
export function queryRequestXml(step: QueryStepSpec, inputs: QueryInputs): string {
  const slots: QuerySlot[] = [];
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined) slots.push({ name, values: [value] });
  };
  if (step.storedQuery === 'GetDocuments') {
    add(QueryParam.uniqueId, encodeStringList(inputs.uniqueIds ?? []));
  } else {
    add(QueryParam.patientId, inputs.patientId === undefined ? undefined : quoteString(inputs.patientId));
    add(QueryParam.status, encodeStringList(step.status.map((s) => EntryStatus[s])));
    add(QueryParam.creationTimeFrom, step.creationTime?.from);
    add(QueryParam.creationTimeTo, step.creationTime?.to);
    add(QueryParam.serviceStartTimeFrom, step.serviceStartTime?.from);
    add(QueryParam.serviceStartTimeTo, step.serviceStartTime?.to);
    add(QueryParam.classCode, step.classCodes && encodeStringList(step.classCodes));
    add(QueryParam.typeCode, step.typeCodes && encodeStringList(step.typeCodes));
    add(QueryParam.eventCodeList, step.eventCodes && encodeStringList(step.eventCodes));
    add(QueryParam.referenceIdList, step.referenceIds && encodeStringList(step.referenceIds));
  }
  for (const p of step.parameters ?? []) slots.push({ name: p.name, values: p.values });
  return encodeAdhocQueryRequest({
    returnType: step.returnType,
    returnComposedObjects: true,
    queryId: StoredQueryId[step.storedQuery],
    ...(inputs.home !== undefined ? { home: inputs.home } : {}),
    slots,
  });
}

/** The xdsb:RetrieveDocumentSetRequest element. */
export function retrieveRequestXml(documents: DocumentRequest[]): string {
  return encodeRetrieveDocumentSetRequest({ documents });
}

/** A community name or a `urn:oid:` homeCommunityId as a homeCommunityId (unknown names unchanged). */
export function homeCommunityIdOf(ref: string, communities: readonly EnvironmentCommunity[]): string {
  return communities.find((c) => c.name === ref)?.homeCommunityId ?? ref;
}

/** A homeCommunityId as the community's name, or the id itself when it is not in the topology. */
export function communityNameOf(
  homeCommunityId: string,
  communities: readonly EnvironmentCommunity[],
): string {
  return communities.find((c) => c.homeCommunityId === homeCommunityId)?.name ?? homeCommunityId;
}
