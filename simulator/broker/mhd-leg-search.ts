/**
 * The ITI-67 search (IHE MHD 4.2.x, ITI TF-2 3.67.4.1.2.1) a leg sends an MHD community for the
 * core's XDS stored query (ITI TF-2 3.18.4.1.2.3.7), with mhd/find-document-references-reverse.ts
 * `searchFromStoredQuery`. What the search cannot say becomes RegistryErrors located at the
 * community, and no HTTP call is made (docs/mhd.md "MHD communities"):
 * - a stored query that is not a parseable ITI-18 query: the parse's own RegistryError
 *   (XDSUnknownStoredQuery, XDSStoredQueryMissingParam, ...), as an XCA community would answer;
 * - a SubmissionSet / Folder query (no DocumentReference search): XDSUnknownStoredQuery;
 * - a parameter with no ITI-67 form (an authorPerson pattern, a referenceId type...):
 *   XDSRegistryError naming the parameter (the query is known; one of its values cannot travel);
 * - a warning of the translation (an On-Demand objectType dropped): a Warning, XDSRegistryError.
 * GetDocuments carries no patient: it is sent as an `identifier` search without `patient`, which
 * goes beyond ITI-67 (patient is required there); docs/mhd.md states it as a requirement on an
 * MHD responder that joins nir-sim.
 */
import { searchFromStoredQuery } from '../mhd/find-document-references-reverse.js';
import { URI_IDENTIFIER_SYSTEM, type SearchProblem } from '../mhd/search-parameters.js';
import { tokenText } from '../mhd/search-parameters-values.js';
import { ErrorCode } from '../xca/constants.js';
import { registryError, registryWarning } from '../xca/status.js';
import { parseStoredQuery } from '../xca/stored-query.js';
import type { AdhocQueryRequest, RegistryError } from '../xca/types.js';

/** The search to send (query string without `?`) and its warnings, or the errors instead of it. */
export type Iti67Search =
  { ok: true; search: string; warnings: RegistryError[] } | { ok: false; errors: RegistryError[] };

/**
 * Most identifiers in one ITI-67 `identifier` search: the comma-separated OR values a responder
 * accepts in one parameter (nir-sim's own parser takes 100, docs/mhd.md "Problems").
 */
export const MAX_IDENTIFIERS_PER_SEARCH = 100;

/** `status=current,superseded&identifier=...` for document uniqueIds (`urn:oid:`) or entryUUIDs. */
export function identifierSearch(ids: readonly string[], by: 'uniqueId' | 'entryUUID'): string {
  const out = new URLSearchParams();
  out.append('status', 'current,superseded');
  out.append(
    'identifier',
    ids
      .map((id) =>
        tokenText(URI_IDENTIFIER_SYSTEM, by === 'entryUUID' || id.startsWith('urn:') ? id : `urn:oid:${id}`),
      )
      .join(','),
  );
  return out.toString();
}

/**
 * The ITI-67 search of `req` for the community `homeCommunityId` (every RegistryError located
 * there).
 */
export function iti67SearchFor(req: AdhocQueryRequest, homeCommunityId: string): Iti67Search {
  const parsed = parseStoredQuery(req);
  if (!parsed.ok) return { ok: false, errors: [{ ...parsed.error, location: homeCommunityId }] };
  const query = parsed.query;
  if (query.name === 'GetDocuments') {
    if (query.ids.length > MAX_IDENTIFIERS_PER_SEARCH)
      return {
        ok: false,
        errors: [
          registryError(
            ErrorCode.XDSStoredQueryParamNumber,
            `GetDocuments asks ${query.ids.length} documents; an ITI-67 identifier search to an MHD community carries at most ${MAX_IDENTIFIERS_PER_SEARCH}`,
            homeCommunityId,
          ),
        ],
      };
    return { ok: true, search: identifierSearch(query.ids, query.by), warnings: [] };
  }
  const r = searchFromStoredQuery(query);
  if (!r.ok) {
    return {
      ok: false,
      errors: r.problems.map((p) =>
        registryError(
          query.name === 'NoDocumentEntries' ? ErrorCode.XDSUnknownStoredQuery : errorCodeOf(p),
          `the MHD community cannot be asked this stored query: ${describe(p)}`,
          homeCommunityId,
        ),
      ),
    };
  }
  return {
    ok: true,
    search: r.search,
    warnings: r.warnings.map((p) =>
      registryWarning(
        ErrorCode.XDSRegistryError,
        `ITI-67 search to the MHD community: ${describe(p)}`,
        homeCommunityId,
      ),
    ),
  };
}

function errorCodeOf(p: SearchProblem): string {
  return p.code === 'required' ? ErrorCode.XDSStoredQueryMissingParam : ErrorCode.XDSRegistryError;
}

function describe(p: SearchProblem): string {
  return p.expression && p.expression.length > 0
    ? `${p.expression.join(', ')}: ${p.diagnostics}`
    : p.diagnostics;
}
