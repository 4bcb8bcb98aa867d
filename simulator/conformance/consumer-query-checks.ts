/**
 * Consumer-mode checks of what the request asks for: the patient as an NHS-number CX (assigning
 * authority 2.16.840.1.113883.2.1.4.1, ITI TF-3 4.2.3.1.7), stored-query parameter syntax (ITI
 * TF-2 3.18.4.1.2.3.5, values quoted '...'), and `home` where XCA requires it: on an ITI-38
 * query by id (AdhocQuery/@home, ITI TF-2 3.38.4.1.2.1) and on every ITI-39 / RAD-75
 * DocumentRequest (HomeCommunityId, ITI TF-2 3.39.4.1.2; RAD TF-3 4.75.4.1.2).
 */
import { isOid } from '../shared/ids.js';
import { NHS_NUMBER_OID, StoredQueryId } from '../xca/constants.js';
import { nhsNumberFromPatientId, patientIdProblemText } from '../xca/patient-id.js';
import { parseStoredQuery } from '../xca/stored-query.js';
import { imagingDocumentRequests } from '../xca/retrieve-imaging-document-set.js';
import type { DocumentRequest } from '../xca/types.js';
import type { ConsumerCheck } from './consumer-check.js';
import { queryPatient } from './consumer-patient.js';
import type { ConsumerRequest } from './consumer-request.js';
import { refusalNote, verdict, withoutEnvelope } from './consumer-verdict.js';

const ID = { patient: 'CON-PATIENT-CX', syntax: 'CON-SQ-SYNTAX', home: 'CON-HOME' } as const;

/** Stored queries that name a patient (FindDocuments and the like) rather than objects by id. */
const PATIENT_QUERIES: ReadonlySet<string> = new Set([
  StoredQueryId.FindDocuments,
  StoredQueryId.FindDocumentsByReferenceId,
  StoredQueryId.FindSubmissionSets,
  StoredQueryId.FindFolders,
  StoredQueryId.GetAll,
]);

/** A request that is not an ITI-38 whose body was read: the check's skip verdict. */
function notQuery(id: string, r: ConsumerRequest): ReturnType<typeof verdict> | undefined {
  const none = withoutEnvelope(id, r);
  if (none) return none;
  if (r.body?.kind === 'unreadable')
    return verdict(id, 'skipped', 'the request body could not be read (see CON-SOAP-MESSAGE)');
  if (r.body?.kind !== 'query') return verdict(id, 'skipped', `${r.transaction} has no stored query`);
  return undefined;
}

const patientCx: ConsumerCheck = {
  definition: {
    id: ID.patient,
    area: 'consumer',
    title: 'The patient is an NHS number as a CX with the NHS number OID',
    given: "a consumer querying a patient's imaging history (ITI-38 FindDocuments)",
    when: 'the broker reads the patient-id parameter',
    then: `it is <nhs>^^^&${NHS_NUMBER_OID}&ISO with a ten-digit NHS number that passes the Modulus 11 check`,
    source:
      'IHE ITI TF-3 4.2.3.1.7 (CX), 4.2.3.2.16; ITI TF-2 3.18.4.1.2.3.7.1; NHS Data Dictionary (NHS number, Modulus 11); NIR XCA spec',
    items: ['UAT-01'],
  },
  evaluate(r) {
    const skip = notQuery(ID.patient, r);
    if (skip) return skip;
    const p = queryPatient(r);
    if (!p) {
      if (r.body?.kind === 'query' && PATIENT_QUERIES.has(r.body.request.queryId))
        return verdict(
          ID.patient,
          'failed',
          'the query names no patient ($XDSDocumentEntryPatientId missing)',
        );
      return verdict(ID.patient, 'skipped', 'the query names objects by id, not a patient');
    }
    const nhs = nhsNumberFromPatientId(p.value);
    if (!nhs.ok)
      return verdict(ID.patient, 'failed', `${p.parameter} ${p.value}: ${patientIdProblemText[nhs.reason]}`);
    return verdict(ID.patient, 'passed', `${p.parameter} names NHS number ${nhs.nhsNumber} (${p.value})`);
  },
};

const syntax: ConsumerCheck = {
  definition: {
    id: ID.syntax,
    area: 'consumer',
    title: 'Stored-query parameters follow the XDS value syntax',
    given: 'a consumer sending an ITI-38 stored query',
    when: 'the broker reads its parameters',
    then: "the query id is a known stored query, required parameters are present, strings are quoted ('...'), lists in parentheses, times unquoted DTM, codes 'code^^scheme'",
    source: 'IHE ITI TF-2 3.18.4.1.2.3.5, 3.18.4.1.2.3.6, 3.18.4.1.2.3.7; ITI TF-2 3.38.4.1.2',
    items: ['UAT-01'],
  },
  evaluate(r) {
    const skip = notQuery(ID.syntax, r);
    if (skip) return skip;
    if (r.body?.kind !== 'query') return verdict(ID.syntax, 'skipped', 'no stored query');
    const parsed = parseStoredQuery(r.body.request);
    if (!parsed.ok)
      return verdict(
        ID.syntax,
        'failed',
        `${parsed.error.errorCode}: ${parsed.error.codeContext ?? ''}${refusalNote(r)}`.trim(),
      );
    return verdict(ID.syntax, 'passed', `stored query ${parsed.query.name}: every parameter well formed`);
  },
};

/** `home` is a homeCommunityId: `urn:oid:` and an OID (ITI TF-2 3.38.4.1.2.1). */
const isHome = (h: string): boolean => h.startsWith('urn:oid:') && isOid(h.slice('urn:oid:'.length));

/** Problems with HomeCommunityId across DocumentRequests (each one named by its DocumentUniqueId). */
function documentHomeProblems(docs: readonly DocumentRequest[]): string[] {
  const out: string[] = [];
  for (const d of docs) {
    if (d.homeCommunityId === undefined)
      out.push(`DocumentRequest ${d.documentUniqueId} has no HomeCommunityId`);
    else if (!isHome(d.homeCommunityId))
      out.push(
        `DocumentRequest ${d.documentUniqueId} HomeCommunityId ${d.homeCommunityId} is not urn:oid:<oid>`,
      );
  }
  return out;
}

/** At most this many problems are listed in one message (the rest counted). */
const LISTED = 3;

const home: ConsumerCheck = {
  definition: {
    id: ID.home,
    area: 'consumer',
    title: 'home / HomeCommunityId names the community on queries by id and on retrieves',
    given: 'a consumer retrieving what an earlier query found (ITI-38 GetDocuments, ITI-39, RAD-75)',
    when: 'the broker routes the request by homeCommunityId',
    then: "AdhocQuery/@home (a query by id) or each DocumentRequest's HomeCommunityId is present and a urn:oid: homeCommunityId",
    source: 'IHE ITI TF-2 3.38.4.1.2.1 (home), 3.39.4.1.2 (HomeCommunityId); RAD TF-3 4.75.4.1.2',
    items: ['UAT-01'],
  },
  evaluate(r) {
    const none = withoutEnvelope(ID.home, r);
    if (none) return none;
    const b = r.body;
    if (!b || b.kind === 'unreadable')
      return verdict(ID.home, 'skipped', 'the request body could not be read (see CON-SOAP-MESSAGE)');
    if (b.kind === 'query') {
      if (PATIENT_QUERIES.has(b.request.queryId) || queryPatient(r))
        return verdict(
          ID.home,
          'skipped',
          'a query by patient goes to every community; home is not required',
        );
      const h = b.request.home;
      if (h === undefined)
        return verdict(
          ID.home,
          'failed',
          `the query by id (${b.request.queryId}) has no AdhocQuery/@home; send the homeCommunityId the object came from${refusalNote(r)}`,
        );
      if (!isHome(h)) return verdict(ID.home, 'failed', `AdhocQuery/@home ${h} is not urn:oid:<oid>`);
      return verdict(ID.home, 'passed', `AdhocQuery/@home ${h}`);
    }
    const docs =
      b.kind === 'retrieve' ? b.request.documents : imagingDocumentRequests(b.request).map((d) => d.document);
    const problems = documentHomeProblems(docs);
    if (problems.length > 0) {
      const more = problems.length > LISTED ? ` (and ${problems.length - LISTED} more)` : '';
      return verdict(ID.home, 'failed', `${problems.slice(0, LISTED).join('; ')}${more}${refusalNote(r)}`);
    }
    return verdict(ID.home, 'passed', `HomeCommunityId on each of ${docs.length} DocumentRequest(s)`);
  },
};

/** The request-content checks, in report order. */
export const consumerQueryChecks: readonly ConsumerCheck[] = [patientCx, syntax, home];
