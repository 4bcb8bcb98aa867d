/**
 * The federated stored query, for both consumer faces (ITI-38; MHD ITI-67 mapped to the same
 * stored query): validate, pick the communities, fan out through each community's codec,
 * consolidate (ITI TF-2 3.38.4.1.3; NIR functional capabilities: all communities or a subset,
 * exclusions; MHD 4.2.4 Target Communities).
 */
import { MhdTransaction } from '../shared/fhir-endpoints.js';
import { ErrorCode, Transaction } from '../xca/constants.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import { registryError, registryWarning } from '../xca/status.js';
import { parseStoredQuery } from '../xca/stored-query.js';
import type { AdhocQueryRequest, RegistryError } from '../xca/types.js';
import type { CommunityEndpoint } from './community-directory.js';
import { consolidateQuery } from './consolidate.js';
import type { BrokerContext, RequestContext } from './context.js';
import type { FederatedQueryResponse } from './federated-object.js';
import { runLegs } from './run-legs.js';
import { resolveTarget } from './targets.js';
import { transactionEvent } from './transaction-record.js';
import type { BrokerTransaction, TransactionEvent } from '../events/transaction-events.js';

/**
 * Most distinct homeCommunityIds one query may name as target communities: far above any real
 * network (NIR federates a few tens of regional networks), so a longer list is a broken request,
 * not a wide one. A face may check it first and answer its own 4xx.
 */
export const MAX_TARGET_COMMUNITIES = 256;

/** How a consumer face asks the federation core (defaults: the ITI-38 face). */
export interface CrossGatewayQueryOptions {
  /** The consumer's transaction, as the TransactionEvent names it: ITI-38 (default) or ITI-67. */
  transaction?: BrokerTransaction;
  /**
   * MHD Target Communities option (IHE MHD 4.2.4): ask only these homeCommunityIds (duplicates
   * ignored) instead of every community in the consumer's scope. Each one unknown or excluded
   * for the consumer gets an XDSUnknownCommunity Error located at it; the others are still
   * asked. More than MAX_TARGET_COMMUNITIES distinct ids: Failure, one XDSRegistryError, no leg.
   * Ignored when the query names its community (AdhocQuery/@home).
   */
  targetCommunityIds?: readonly string[];
  /**
   * For a query with neither patient id nor AdhocQuery/@home (GetDocuments by uniqueId, which
   * ITI-67's `identifier` search maps to): send it to every target community, each leg with
   * AdhocQuery/@home set to that community, instead of refusing it with
   * XDSMissingHomeCommunityId (the ITI-38 rule, ITI TF-2 3.38.4.1.2.1). No effect otherwise.
   */
  perLegHome?: boolean;
}

/**
 * Answer one stored query whose patient id the face read (`patientId`, the value of
 * storedQueryPatientId, read once per request): the one federation entry point of both consumer
 * faces (ITI-38, MHD ITI-67). Never throws for protocol problems: they are RegistryErrors in the
 * returned FederatedQueryResponse (the XCA face answers HTTP 200 with them). Also returns the
 * transaction's event (legs, timings, patient) for the caller to complete with the encoded answer
 * and record.
 * @throws SoapFaultError Receiver / wsa:EndpointUnavailable when the request has no time left to
 *   start its legs (run-legs.ts).
 */
export async function crossGatewayQuery(
  req: AdhocQueryRequest,
  patientId: string | undefined,
  rc: RequestContext,
  bc: BrokerContext,
  opts: CrossGatewayQueryOptions = {},
): Promise<{ response: FederatedQueryResponse; event: TransactionEvent }> {
  const startedAt = bc.clock.now();
  const transaction = opts.transaction ?? Transaction.Iti38;
  const plan = planQuery(req, patientId, rc, bc, opts);
  const about = {
    ...(plan.patient !== undefined ? { patient: plan.patient } : {}),
    ...(patientId !== undefined ? { patientId } : {}),
  };
  const outcome = { transaction, startedAt, about };
  if ('errors' in plan) {
    const response = consolidateQuery([], plan.errors);
    return {
      response,
      event: transactionEvent({ ...outcome, response, resultCount: 0, legs: [] }, rc, bc.clock),
    };
  }
  const targets = plan.targets.map((community) => ({ community }));
  const perLeg = plan.perLegHome;
  const { legs, events } = await runLegs(
    targets,
    transaction,
    rc,
    bc,
    (codec, { community }, signal) =>
      codec.query(
        community,
        perLeg ? { ...req, home: community.homeCommunityId } : req,
        signal,
        bc.transport,
        // The MHD face maps every DocumentEntry to a DocumentReference (document-references.ts).
        { documentEntries: transaction === MhdTransaction.Iti67 },
      ),
    'query',
  );
  const response = consolidateQuery(legs, plan.brokerErrors);
  const event = transactionEvent(
    { ...outcome, response, resultCount: response.objects.length, legs: events },
    rc,
    bc.clock,
  );
  return { response, event };
}

/**
 * The communities to ask (and the broker's own RegistryErrors to add to their answers), or the
 * errors that stop the query; `patient` once a valid NHS number is read.
 */
type Plan = (
  | { targets: CommunityEndpoint[]; brokerErrors: RegistryError[]; perLegHome: boolean }
  | { errors: RegistryError[] }
) & {
  patient?: string;
};

function planQuery(
  req: AdhocQueryRequest,
  patientId: string | undefined,
  rc: RequestContext,
  bc: BrokerContext,
  opts: CrossGatewayQueryOptions,
): Plan {
  let patient: string | undefined;
  const withPatient = (p: Plan): Plan => (patient === undefined ? p : { ...p, patient });
  const parsed = parseStoredQuery(req);
  if (!parsed.ok) return { errors: [parsed.error] };
  const noHome = req.home === undefined || req.home === '';
  const perLegHome = patientId === undefined && noHome && opts.perLegHome === true;
  if (patientId === undefined) {
    if (noHome && !perLegHome) {
      return {
        errors: [
          registryError(
            ErrorCode.XDSMissingHomeCommunityId,
            'AdhocQuery/@home is required for a query without a patient id: set it to the homeCommunityId returned with the object',
          ),
        ],
      };
    }
  } else {
    const nhs = nhsNumberFromPatientId(patientId);
    if (nhs.ok) patient = nhs.nhsNumber;
    if (!nhs.ok) {
      return {
        errors: [
          registryError(
            ErrorCode.XDSUnknownPatientId,
            `patient id '${patientId}' is not an NHS number (${nhs.reason}): expected <10 digits>^^^&2.16.840.1.113883.2.1.4.1&ISO with a valid Modulus 11 check digit`,
          ),
        ],
      };
    }
  }
  if (req.home !== undefined && req.home !== '') {
    const t = resolveTarget(bc.directory, rc.consumerId, req.home);
    return withPatient(
      'error' in t ? { errors: [t.error] } : { targets: [t.community], brokerErrors: [], perLegHome },
    );
  }
  if (opts.targetCommunityIds !== undefined) {
    const ids = new Set(opts.targetCommunityIds);
    if (ids.size > MAX_TARGET_COMMUNITIES)
      return withPatient({
        errors: [
          registryError(
            ErrorCode.XDSRegistryError,
            `${ids.size} target communities named: at most ${MAX_TARGET_COMMUNITIES} per query`,
          ),
        ],
      });
    return withPatient({ ...targetCommunities([...ids], rc, bc), perLegHome });
  }
  const targets = bc.directory.inScope(rc.consumerId);
  const brokerErrors =
    targets.length === 0
      ? [
          registryWarning(
            ErrorCode.XDSUnknownCommunity,
            `no community is in scope for consumer '${rc.consumerId ?? ''}'`,
          ),
        ]
      : [];
  return withPatient({ targets, brokerErrors, perLegHome });
}

/**
 * The communities a Target Communities query names (MHD 4.2.4; `ids` distinct), in the order
 * named, and an XDSUnknownCommunity Error located at each one unknown or excluded for the consumer.
 */
function targetCommunities(
  ids: readonly string[],
  rc: RequestContext,
  bc: BrokerContext,
): { targets: CommunityEndpoint[]; brokerErrors: RegistryError[] } {
  const targets: CommunityEndpoint[] = [];
  const brokerErrors: RegistryError[] = [];
  for (const id of ids) {
    const t = resolveTarget(bc.directory, rc.consumerId, id);
    if ('error' in t) brokerErrors.push({ ...t.error, location: id });
    else targets.push(t.community);
  }
  if (ids.length === 0)
    brokerErrors.push(registryWarning(ErrorCode.XDSUnknownCommunity, 'the query names no target community'));
  return { targets, brokerErrors };
}
