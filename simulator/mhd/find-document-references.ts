/**
 * ITI-67 Find Document References search -> the ITI-38 AdhocQueryRequest the broker fans out
 * (IHE MHD 1:33.6.2 "XDS on FHIR": an MHD Document Responder grouped with an XCA Initiating
 * Gateway; ITI TF-2 3.67.4.1.2 -> ITI TF-2 3.18.4.1.2.3.7 FindDocuments,
 * FindDocumentsByReferenceId, GetDocuments). Pure: the HTTP layer hands in the query string or
 * the `_search` form body and turns the problems into an OperationOutcome.
 */
import { StoredQueryId } from '../xca/constants.js';
import { QueryParam } from '../xca/stored-query-params.js';
import { codeValueText, encodeStringList, quoteString } from '../xca/slot-value.js';
import type { CodeFilter, FindDocumentsFilters } from '../xca/stored-query-model.js';
import type { AdhocQueryRequest, QuerySlot } from '../xca/types.js';
import {
  readAuthor,
  readCodes,
  readIdentifier,
  readRelated,
  readTargets,
  type GetDocumentsIds,
} from './find-document-references-filters.js';
import { readCreation, readPeriod } from './find-document-references-dates.js';
import {
  groupOccurrences,
  problem,
  searchPairs,
  type Occurrences,
  type ReadContext,
  type SearchHandling,
} from './find-document-references-params.js';
import { readPatient, readStatus, type SearchPatient } from './find-document-references-patient.js';
import type { SearchProblem } from './search-parameters.js';

export { searchHandling, type SearchHandling } from './find-document-references-params.js';
export type { SearchPatient } from './find-document-references-patient.js';

/** A search the broker runs as ITI-38. */
export interface FindDocumentReferencesQuery {
  kind: 'query';
  /** FindDocuments, FindDocumentsByReferenceId or GetDocuments, LeafClass, composed objects. */
  request: AdhocQueryRequest;
  patient: SearchPatient;
  /**
   * The EntryStatus URNs asked for. For FindDocuments* they are also in `request`; GetDocuments
   * has no status or patient parameter, so the responder keeps only the entries of `patient`
   * with one of these statuses.
   */
  status: string[];
  /** MHD 4.2.4 Target Communities: the only homeCommunityIds to ask; absent = every community. */
  targetCommunityIds?: string[];
}

/** A well-formed search that can match nothing (answered with an empty searchset, no fan-out). */
export interface FindDocumentReferencesNoMatch {
  kind: 'no-match';
  reason: string;
  patient: SearchPatient;
}

/** The outcome: warnings travel with a usable search; any error issue refuses it, all listed. */
export type FindDocumentReferencesResult =
  | {
      ok: true;
      search: FindDocumentReferencesQuery | FindDocumentReferencesNoMatch;
      warnings: SearchProblem[];
    }
  | { ok: false; problems: SearchProblem[] };

/** Code parameters -> the FindDocumentsFilters key and whether the attribute holds several codes. */
type CodeKey =
  | 'classCode'
  | 'typeCode'
  | 'practiceSettingCode'
  | 'healthcareFacilityTypeCode'
  | 'formatCode'
  | 'eventCodeList'
  | 'confidentialityCode';
const CODE_PARAMS: ReadonlyArray<[string, CodeKey, boolean]> = [
  ['category', 'classCode', false],
  ['type', 'typeCode', false],
  ['setting', 'practiceSettingCode', false],
  ['facility', 'healthcareFacilityTypeCode', false],
  ['format', 'formatCode', false],
  ['event', 'eventCodeList', true],
  ['security-label', 'confidentialityCode', true],
];

/** Parameters that filter FindDocuments and so cannot go with `identifier` (GetDocuments). */
const FILTER_PARAMS = [
  'creation',
  'period',
  'author.given',
  'author.family',
  'related',
  ...CODE_PARAMS.map(([n]) => n),
];

/**
 * Parse an ITI-67 search (ITI TF-2 3.67.4.1.2; FHIR R4 "Search").
 * @param input the GET query string (with or without `?`) or the POST `_search` body
 *   (application/x-www-form-urlencoded), as text of at most MAX_SEARCH_TEXT characters, or its
 *   pairs already read.
 * @param handling of unknown parameters (see SearchHandling; from `searchHandling(Prefer)`).
 * @returns the AdhocQueryRequest to fan out with its patient, status and target communities; or
 *   a no-match; or every problem found. Issue codes: `required` (no patient / status),
 *   `value` (malformed token, date or name; invalid NHS number), `not-supported` (unknown
 *   parameter under strict handling, unknown modifier, several patients, a combination XDS cannot
 *   express), `too-long` (over MAX_SEARCH_TEXT / MAX_SEARCH_PARAMS / MAX_VALUE_LENGTH /
 *   MAX_OR_VALUES). Warnings: ignored unknown parameters (lenient) and empty values.
 */
export function parseFindDocumentReferences(
  input: string | URLSearchParams,
  handling: SearchHandling = 'strict',
): FindDocumentReferencesResult {
  const pairs = searchPairs(input);
  if (!Array.isArray(pairs)) return { ok: false, problems: [pairs] };
  const ctx: ReadContext = { problems: [], noMatch: undefined };
  const occ = groupOccurrences(pairs, handling, ctx.problems);
  if (occ === undefined) return { ok: false, problems: ctx.problems };
  const patient = readPatient(occ, ctx);
  const status = readStatus(occ, ctx);
  const body = readBody(occ, ctx);
  const errors = ctx.problems.filter((p) => p.severity === 'error' || p.severity === 'fatal');
  if (errors.length > 0 || patient === undefined || status === undefined || body === undefined) {
    return { ok: false, problems: ctx.problems };
  }
  const warnings = ctx.problems;
  if (ctx.noMatch !== undefined)
    return { ok: true, search: { kind: 'no-match', reason: ctx.noMatch, patient }, warnings };
  const search: FindDocumentReferencesQuery = {
    kind: 'query',
    request: buildRequest(patient, status, body),
    patient,
    status,
  };
  if (body.targets !== undefined) search.targetCommunityIds = body.targets;
  return { ok: true, search, warnings };
}

/** Everything but patient and status, read. */
interface Body {
  getDocuments?: GetDocumentsIds;
  filters: Omit<FindDocumentsFilters, 'patientId' | 'status'>;
  referenceIdList?: string[];
  targets?: string[];
}

function readBody(occ: Occurrences, ctx: ReadContext): Body | undefined {
  const before = ctx.problems.length;
  const body: Body = { filters: {} };
  const identifier = occ.get('identifier');
  if (identifier !== undefined) {
    for (const name of FILTER_PARAMS) {
      const o = occ.get(name)?.[0];
      if (o !== undefined) {
        ctx.problems.push(
          problem(
            o.sentName,
            'not-supported',
            `${o.sentName} cannot go with identifier: a search by identifier is a GetDocuments, which takes no other filter (ITI TF-2 3.18.4.1.2.3.7.5)`,
          ),
        );
      }
    }
    const ids = readIdentifier(identifier, ctx);
    if (ids !== undefined) body.getDocuments = ids;
  }
  for (const [name, key, multi] of CODE_PARAMS) {
    const o = occ.get(name);
    const codes: CodeFilter | undefined = o === undefined ? undefined : readCodes(o, multi, ctx);
    if (codes !== undefined) body.filters[key] = codes;
  }
  const creation = occ.get('creation');
  const creationTime = creation === undefined ? undefined : readCreation(creation, ctx);
  if (creationTime !== undefined) body.filters.creationTime = creationTime;
  const period = occ.get('period');
  if (period !== undefined) Object.assign(body.filters, readPeriod(period, ctx));
  const author = readAuthor(occ.get('author.family'), occ.get('author.given'), ctx);
  if (author !== undefined) body.filters.authorPerson = author;
  const related = occ.get('related');
  if (related !== undefined) {
    const refs = readRelated(related, ctx);
    if (refs !== undefined) body.referenceIdList = refs;
  }
  const targets = occ.get('targetCommunityIdList');
  if (targets !== undefined) {
    const ids = readTargets(targets, ctx);
    if (ids !== undefined) body.targets = ids;
  }
  const failed = ctx.problems.slice(before).some((p) => p.severity === 'error');
  return failed ? undefined : body;
}

/** The AdhocQueryRequest, slots in the order of ITI TF-2 Table 3.18.4.1.2.3.7.1-1. */
function buildRequest(patient: SearchPatient, status: string[], body: Body): AdhocQueryRequest {
  const P = QueryParam;
  const slots: QuerySlot[] = [];
  const base = { returnType: 'LeafClass' as const, returnComposedObjects: true };
  if (body.getDocuments !== undefined) {
    const name = body.getDocuments.by === 'entryUUID' ? P.entryUUID : P.uniqueId;
    slots.push({ name, values: [encodeStringList(body.getDocuments.ids)] });
    // GetDocuments names no patient, so XCA routes it by AdhocQuery/@home (ITI TF-2 3.38.4.1.2.1):
    // set when exactly one target community is given; otherwise the caller asks each community.
    const home = body.targets?.length === 1 ? body.targets[0] : undefined;
    return { ...base, queryId: StoredQueryId.GetDocuments, ...(home === undefined ? {} : { home }), slots };
  }
  const f = body.filters;
  slots.push({ name: P.patientId, values: [quoteString(patient.patientId)] });
  for (const key of ['classCode', 'typeCode', 'practiceSettingCode'] as const)
    pushCodes(slots, P[key], f[key]);
  pushRange(slots, P.creationTimeFrom, P.creationTimeTo, f.creationTime);
  pushRange(slots, P.serviceStartTimeFrom, P.serviceStartTimeTo, f.serviceStartTime);
  pushRange(slots, P.serviceStopTimeFrom, P.serviceStopTimeTo, f.serviceStopTime);
  for (const key of ['healthcareFacilityTypeCode', 'eventCodeList', 'confidentialityCode'] as const) {
    pushCodes(slots, P[key], f[key]);
  }
  if (f.authorPerson !== undefined)
    slots.push({ name: P.authorPerson, values: [encodeStringList(f.authorPerson)] });
  pushCodes(slots, P.formatCode, f.formatCode);
  slots.push({ name: P.status, values: [encodeStringList(status)] });
  if (body.referenceIdList !== undefined) {
    slots.push({ name: P.referenceIdList, values: [encodeStringList(body.referenceIdList)] });
    return { ...base, queryId: StoredQueryId.FindDocumentsByReferenceId, slots };
  }
  return { ...base, queryId: StoredQueryId.FindDocuments, slots };
}

function pushCodes(slots: QuerySlot[], name: string, filter: CodeFilter | undefined): void {
  for (const or of filter ?? []) slots.push({ name, values: [encodeStringList(or.map(codeValueText))] });
}

function pushRange(
  slots: QuerySlot[],
  fromName: string,
  toName: string,
  r: { from?: string; to?: string } | undefined,
): void {
  if (r?.from !== undefined) slots.push({ name: fromName, values: [r.from] });
  if (r?.to !== undefined) slots.push({ name: toName, values: [r.to] });
}
