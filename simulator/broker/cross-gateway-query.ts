/**
 * The broker's ITI-38 Cross Gateway Query: validate, pick the communities, fan out, consolidate
 * (ITI TF-2 3.38.4.1.3; NIR functional capabilities: all communities or a subset, exclusions).
 */
import { ErrorCode, Transaction } from '../xca/constants.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import { registryError, registryWarning } from '../xca/status.js';
import { parseStoredQuery } from '../xca/stored-query.js';
import type { AdhocQueryRequest, AdhocQueryResponse, RegistryError } from '../xca/types.js';
import { queryCommunity } from './community-client.js';
import type { CommunityEndpoint } from './community-directory.js';
import { consolidateQuery } from './consolidate.js';
import type { BrokerContext, RequestContext } from './context.js';
import { runLegs } from './run-legs.js';
import { resolveTarget } from './targets.js';
import { transactionEvent } from './transaction-record.js';
import type { TransactionEvent } from '../events/transaction-events.js';

/**
 * Answer one AdhocQueryRequest whose patient id the endpoint read (`patientId`, the value of
 * storedQueryPatientId, read once per request). Never throws for protocol problems: they are
 * RegistryErrors in the returned AdhocQueryResponse (HTTP 200). Also returns the transaction's
 * event (legs, timings, patient) for the caller to complete with the encoded answer and record.
 */
export async function crossGatewayQuery(
  req: AdhocQueryRequest,
  patientId: string | undefined,
  rc: RequestContext,
  bc: BrokerContext,
): Promise<{ response: AdhocQueryResponse; event: TransactionEvent }> {
  const startedAt = bc.clock.now();
  const plan = planQuery(req, patientId, rc, bc);
  const about = {
    ...(plan.patient !== undefined ? { patient: plan.patient } : {}),
    ...(patientId !== undefined ? { patientId } : {}),
  };
  const outcome = { transaction: Transaction.Iti38, startedAt, about };
  if ('errors' in plan) {
    const response = consolidateQuery([], plan.errors);
    return {
      response,
      event: transactionEvent({ ...outcome, response, resultCount: 0, legs: [] }, rc, bc.clock),
    };
  }
  const targets = plan.targets.map((community) => ({ community }));
  const { legs, events } = await runLegs(targets, Transaction.Iti38, rc, bc, (url, signal) =>
    queryCommunity(url, req, signal, bc.transport),
  );
  const response = consolidateQuery(legs, plan.warnings);
  const event = transactionEvent(
    { ...outcome, response, resultCount: response.objects.length, legs: events },
    rc,
    bc.clock,
  );
  return { response, event };
}

/** The communities to ask, or the errors that stop the query; `patient` once a valid NHS number is read. */
type Plan = ({ targets: CommunityEndpoint[]; warnings: RegistryError[] } | { errors: RegistryError[] }) & {
  patient?: string;
};

function planQuery(
  req: AdhocQueryRequest,
  patientId: string | undefined,
  rc: RequestContext,
  bc: BrokerContext,
): Plan {
  let patient: string | undefined;
  const withPatient = (p: Plan): Plan => (patient === undefined ? p : { ...p, patient });
  const parsed = parseStoredQuery(req);
  if (!parsed.ok) return { errors: [parsed.error] };
  if (patientId === undefined) {
    if (req.home === undefined || req.home === '') {
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
    return withPatient('error' in t ? { errors: [t.error] } : { targets: [t.community], warnings: [] });
  }
  const targets = bc.directory.inScope(rc.consumerId);
  const warnings =
    targets.length === 0
      ? [
          registryWarning(
            ErrorCode.XDSUnknownCommunity,
            `no community is in scope for consumer '${rc.consumerId ?? ''}'`,
          ),
        ]
      : [];
  return withPatient({ targets, warnings });
}
