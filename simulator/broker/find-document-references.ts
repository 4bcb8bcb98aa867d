/**
 * The broker's ITI-67 Find Document References (IHE MHD 4.2.x, ITI TF-2 3.67), served by an ITI-38
 * Cross Gateway Query as IHE's MHD Document Responder grouped with an XCA Initiating Gateway does
 * (MHD 1:33.6.2 "XDS on FHIR"): the search is parsed into a stored query (mhd/find-document-references.ts),
 * asked through the one federation entry point (`crossGatewayQuery`, with the consumer's
 * transaction ITI-67, the Target Communities option's ids, and a home per leg for a GetDocuments
 * that names no community) and its consolidated answer written as a searchset Bundle
 * (document-references.ts, search-outcome.ts). No HTTP here: fhir-app.ts reads the request and
 * writes what this returns.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, FhirResource, OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import type { TransactionEvent } from '../events/transaction-events.js';
import { searchsetBundle } from '../fhir/bundle.js';
import { issue, operationOutcome } from '../fhir/operation-outcome.js';
import {
  parseFindDocumentReferences,
  type FindDocumentReferencesQuery,
  type SearchHandling,
  type SearchPatient,
} from '../mhd/find-document-references.js';
import type { SearchProblem } from '../mhd/search-parameters.js';
import { FhirPath, MhdTransaction } from '../shared/fhir-endpoints.js';
import { ResponseStatus, StoredQueryId } from '../xca/constants.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import type { BrokerContext, RequestContext } from './context.js';
import { crossGatewayQuery } from './cross-gateway-query.js';
import { documentReferences, type DocumentMatch } from './document-references.js';
import type { FhirAdmission } from './iua-enforcement.js';
import { searchOutcome } from './search-outcome.js';

/** One ITI-67 request, as the HTTP layer read it. */
export interface Iti67Request {
  /** The query string (GET, without `?`) or the `_search` form body (POST). */
  text: string;
  /** From `Prefer` (mhd searchHandling). */
  handling: SearchHandling;
  /** `http(s)://host[:port]` the consumer called: the base of the attachment URLs and the `self` link. */
  origin: string;
  admission: FhirAdmission;
}

/** What to answer: an HTTP status and a FHIR resource, and what to record. */
export type Iti67Answer =
  | {
      kind: 'answer';
      /** 200 (a searchset Bundle), 502 / 504 (an OperationOutcome: every community failed). */
      httpStatus: 200 | 502 | 504;
      body: Bundle<FhirResource> | OperationOutcome;
      /** The TransactionEvent without the MHD fields (fhir-record.ts adds them). */
      event: TransactionEvent;
      searchParameters: [string, string][];
    }
  | {
      /** Refused before any community was asked (400 bad search; 403 token for another patient). */
      kind: 'refused';
      httpStatus: 400 | 403;
      body: OperationOutcome;
      /** The first error issue's code and diagnostics (FaultEvent code and reason). */
      code: string;
      diagnostics: string;
    };

const problemIssue = (p: SearchProblem): OperationOutcomeIssue =>
  issue({ severity: p.severity, code: p.code, diagnostics: p.diagnostics, expression: p.expression });

/**
 * Answer one ITI-67 search.
 * @throws FhirRefusal (iua-enforcement.ts) when the token's patient is not the search's; whatever
 *   the federation core throws otherwise (a bug: fhir-app.ts answers 500).
 */
export async function findDocumentReferences(
  r: Iti67Request,
  rc: RequestContext,
  bc: BrokerContext,
): Promise<Iti67Answer> {
  const startedAt = bc.clock.now();
  const parsed = parseFindDocumentReferences(r.text, r.handling);
  if (!parsed.ok) {
    const issues = parsed.problems.map(problemIssue);
    const first = parsed.problems.find((p) => p.severity === 'error' || p.severity === 'fatal')!;
    return {
      kind: 'refused',
      httpStatus: 400,
      body: operationOutcome(issues),
      code: first.code,
      diagnostics: first.diagnostics,
    };
  }
  const { search } = parsed;
  r.admission.checkPatient(search.patient.patientId);
  const searchParameters = [...new URLSearchParams(r.text)];
  const self = `${r.origin}${FhirPath.documentReference}${r.text === '' ? '' : `?${r.text}`}`;
  const warnings = parsed.warnings.map(problemIssue);
  if (search.kind === 'no-match') {
    const bundle = bundleOf(self, [], warnings, bc);
    return {
      kind: 'answer',
      httpStatus: 200,
      body: bundle,
      event: noLegEvent(search.patient, startedAt, rc, bc),
      searchParameters,
    };
  }
  const { response, event } = await crossGatewayQuery(
    search.request,
    search.request.queryId === StoredQueryId.GetDocuments ? undefined : search.patient.patientId,
    rc,
    // With forwarding on, every leg carries the broker-signed assertion for this patient.
    r.admission.contextFor(search.patient.patientId),
    {
      transaction: MhdTransaction.Iti67,
      ...(search.targetCommunityIds !== undefined ? { targetCommunityIds: search.targetCommunityIds } : {}),
      ...(search.request.home === undefined ? { perLegHome: true } : {}),
    },
  );
  const docs = documentReferences(response.objects, r.origin);
  const matches = ofSearch(docs.matches, search);
  const outcome = searchOutcome(
    { status: response.status, errors: response.errors, legs: event.legs },
    warnings,
    docs.issues,
  );
  const recorded: TransactionEvent = {
    ...event,
    patient: search.patient.nhsNumber,
    patientId: search.patient.patientId,
    resultCount: outcome.httpStatus === 200 ? matches.length : 0,
  };
  return {
    kind: 'answer',
    httpStatus: outcome.httpStatus,
    body:
      outcome.httpStatus === 200
        ? bundleOf(self, matches, outcome.issues, bc)
        : operationOutcome(outcome.issues),
    event: recorded,
    searchParameters,
  };
}

/**
 * The matches the search asked for. FindDocuments* carries patient and status to the communities;
 * GetDocuments carries neither (ITI TF-2 3.18.4.1.2.3.7.5), so the responder keeps only the
 * entries of the searched patient with an asked status: another patient's entry is never shown.
 */
function ofSearch(matches: DocumentMatch[], search: FindDocumentReferencesQuery): DocumentMatch[] {
  if (search.request.queryId !== StoredQueryId.GetDocuments) return matches;
  return matches.filter(
    (m) =>
      nhsOf(m.entry.patientId) === search.patient.nhsNumber &&
      search.status.includes(m.entry.availabilityStatus),
  );
}

/** The NHS number of a CX, or undefined when it names none. */
function nhsOf(cx: string): string | undefined {
  const r = nhsNumberFromPatientId(cx);
  return r.ok ? r.nhsNumber : undefined;
}

function bundleOf(
  self: string,
  matches: readonly DocumentMatch[],
  issues: OperationOutcomeIssue[],
  bc: BrokerContext,
): Bundle<FhirResource> {
  return searchsetBundle({
    id: randomUUID(),
    timestamp: new Date(bc.clock.now()).toISOString(),
    self,
    matches: matches.map((m) => ({ fullUrl: m.fullUrl, resource: m.resource })),
    ...(issues.length > 0
      ? { outcome: { fullUrl: `urn:uuid:${randomUUID()}`, resource: operationOutcome(issues) } }
      : {}),
  });
}

/** The event of a search answered without asking any community (a no-match). */
function noLegEvent(
  patient: SearchPatient,
  startedAt: number,
  rc: RequestContext,
  bc: BrokerContext,
): TransactionEvent {
  return {
    id: randomUUID(),
    transaction: MhdTransaction.Iti67,
    ...(rc.consumerId !== undefined ? { consumerId: rc.consumerId } : {}),
    patient: patient.nhsNumber,
    patientId: patient.patientId,
    startedAt,
    durationMs: bc.clock.now() - startedAt,
    status: ResponseStatus.Success,
    errors: [],
    resultCount: 0,
    legs: [],
    ...(rc.requester !== undefined ? { requester: rc.requester } : {}),
  };
}
