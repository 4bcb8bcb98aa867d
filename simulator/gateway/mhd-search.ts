/**
 * A simulated MHD community's reading of an ITI-67 Find Document References search (ITI TF-2
 * 3.67.4.1.2) into the stored query it evaluates over its registry. A search with a patient is
 * read by mhd/find-document-references.ts, exactly as the broker reads one. Beyond what MHD asks
 * of a Document Responder, a search by `identifier` (or `_id`) alone, without patient, is
 * accepted: the broker's MHD legs translate an ITI-39 DocumentRequest (which names no patient)
 * into it (docs/faults.md "MHD communities").
 */
import { StoredQueryId, EntryStatus } from '../xca/constants.js';
import { QueryParam } from '../xca/stored-query-params.js';
import { encodeStringList } from '../xca/slot-value.js';
import type { AdhocQueryRequest } from '../xca/types.js';
import {
  parseFindDocumentReferences,
  type SearchHandling,
  type SearchPatient,
} from '../mhd/find-document-references.js';
import { readIdentifier, readTargets } from '../mhd/find-document-references-filters.js';
import {
  groupOccurrences,
  problem,
  searchPairs,
  type ReadContext,
} from '../mhd/find-document-references-params.js';
import { readStatus } from '../mhd/find-document-references-patient.js';
import { splitOr, tokenText, unescapeValue } from '../mhd/search-parameters-values.js';
import { URI_IDENTIFIER_SYSTEM, type SearchProblem } from '../mhd/search-parameters.js';

/** What the community evaluates. */
export interface MhdSearch {
  /** The stored query (LeafClass), or undefined when the search can match nothing (`noMatch`). */
  request?: AdhocQueryRequest;
  /** Why nothing can match, when `request` is absent. */
  noMatch?: string;
  /** The search's patient; absent for a search by identifier alone. */
  patient?: SearchPatient;
  /** The EntryStatus URNs asked for (GetDocuments does not filter status: the caller does). */
  status: string[];
  /** MHD 4.2.4 Target Communities, when given. */
  targetCommunityIds?: string[];
  /** Warnings for the Bundle's OperationOutcome. */
  warnings: SearchProblem[];
}

/** Parameters a search without patient may carry besides `identifier` / `_id`. */
const WITHOUT_PATIENT = new Set([
  'identifier',
  '_id',
  'status',
  'targetCommunityIdList',
  '_format',
  '_pretty',
]);

/**
 * Read an ITI-67 search.
 * @param input the GET query string or the POST `_search` form body (at most MAX_SEARCH_TEXT characters).
 * @param home this community's homeCommunityId, set as AdhocQuery/@home of a GetDocuments.
 * @returns the search, or every problem (OperationOutcome issues: required, value,
 *   not-supported, too-long), as find-document-references.ts reports them.
 */
export function readMhdSearch(
  input: string,
  handling: SearchHandling,
  home: string,
): { ok: true; search: MhdSearch } | { ok: false; problems: SearchProblem[] } {
  const pairs = searchPairs(input);
  if (!Array.isArray(pairs)) return { ok: false, problems: [pairs] };
  const translated = withIdAsIdentifier(pairs);
  if (!Array.isArray(translated)) return { ok: false, problems: [translated] };
  const names = translated.map(([n]) => n.split(':')[0]!);
  if (!names.includes('patient') && !names.includes('patient.identifier') && names.includes('identifier'))
    return byIdentifierAlone(translated, handling, home);
  const r = parseFindDocumentReferences(new URLSearchParams(translated), handling);
  if (!r.ok) return r;
  const s = r.search;
  if (s.kind === 'no-match')
    return { ok: true, search: { noMatch: s.reason, patient: s.patient, status: [], warnings: r.warnings } };
  const request = s.request.queryId === StoredQueryId.GetDocuments ? { ...s.request, home } : s.request;
  return {
    ok: true,
    search: {
      request,
      patient: s.patient,
      status: s.status,
      ...(s.targetCommunityIds ? { targetCommunityIds: s.targetCommunityIds } : {}),
      warnings: r.warnings,
    },
  };
}

/**
 * `_id` (FHIR R4 Search 3.1.1.4.1, the resource's logical id: here the entryUUID without
 * `urn:uuid:`) as the `identifier` search it stands for. `_id` and `identifier` together are
 * refused (one GetDocuments takes one kind of id).
 */
function withIdAsIdentifier(pairs: [string, string][]): [string, string][] | SearchProblem {
  const ids = pairs.filter(([n]) => n === '_id');
  if (ids.length === 0) return pairs;
  if (ids.length > 1 || pairs.some(([n]) => n === 'identifier'))
    return problem('_id', 'not-supported', '_id may be sent once, and not with identifier');
  const items = splitOr(ids[0]![1]).map((raw) => {
    const id = unescapeValue(raw);
    return tokenText(URI_IDENTIFIER_SYSTEM, id.startsWith('urn:uuid:') ? id : `urn:uuid:${id}`);
  });
  return pairs.map(([n, v]): [string, string] => (n === '_id' ? ['identifier', items.join(',')] : [n, v]));
}

/** A search by identifier without patient -> GetDocuments at this community (`home`). */
function byIdentifierAlone(
  pairs: [string, string][],
  handling: SearchHandling,
  home: string,
): { ok: true; search: MhdSearch } | { ok: false; problems: SearchProblem[] } {
  const ctx: ReadContext = { problems: [], noMatch: undefined };
  for (const [sentName] of pairs) {
    const base = sentName.split(':')[0]!;
    if (!WITHOUT_PATIENT.has(base))
      ctx.problems.push(
        handling === 'strict'
          ? problem(
              sentName,
              'not-supported',
              `${sentName} cannot go with identifier without a patient: such a search is a GetDocuments (ITI TF-2 3.18.4.1.2.3.7.5); send patient or patient.identifier to filter`,
            )
          : problem(
              sentName,
              'not-supported',
              `${sentName} was ignored: a search by identifier without a patient is a GetDocuments, which takes no other filter`,
              'warning',
            ),
      );
  }
  const kept = pairs.filter(([n]) => WITHOUT_PATIENT.has(n.split(':')[0]!));
  const occ = groupOccurrences(kept, handling, ctx.problems);
  if (occ === undefined) return { ok: false, problems: ctx.problems };
  const ids = occ.has('identifier') ? readIdentifier(occ.get('identifier')!, ctx) : undefined;
  const status = occ.has('status') ? readStatus(occ, ctx) : [EntryStatus.Approved, EntryStatus.Deprecated];
  const targetOcc = occ.get('targetCommunityIdList');
  const targets = targetOcc === undefined ? undefined : readTargets(targetOcc, ctx);
  if (ctx.problems.some((p) => p.severity === 'error') || ids === undefined || status === undefined)
    return { ok: false, problems: ctx.problems };
  const name = ids.by === 'entryUUID' ? QueryParam.entryUUID : QueryParam.uniqueId;
  const request: AdhocQueryRequest = {
    queryId: StoredQueryId.GetDocuments,
    returnType: 'LeafClass',
    returnComposedObjects: true,
    home,
    slots: [{ name, values: [encodeStringList(ids.ids)] }],
  };
  const search: MhdSearch = {
    status,
    warnings: ctx.problems,
    ...(targets ? { targetCommunityIds: targets } : {}),
  };
  if (ctx.noMatch !== undefined) search.noMatch = ctx.noMatch;
  else search.request = request;
  return { ok: true, search };
}
