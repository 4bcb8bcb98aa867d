/**
 * A simulated MHD community's ITI-68 Retrieve Document (ITI TF-2 3.68) over its repository:
 * `GET /fhir/document?homeCommunityId=..&repositoryUniqueId=..&uniqueId=..` (the document's own
 * identifiers, shared/fhir-endpoints.ts), answered with the bytes and their mimeType, or an
 * OperationOutcome with the status ITI TF-2 3.68.4.2 names: 400 bad request, 404 unknown, 410
 * deprecated, 406 an Accept that excludes the document's type. Pure but for the repository read.
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import { issue } from '../fhir/operation-outcome.js';
import { registryErrorToIssue } from '../mhd/registry-errors.js';
import { EntryStatus, ErrorCode } from '../xca/constants.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { registryError } from '../xca/status.js';
import type { RegistryError } from '../xca/types.js';
import type { CommunityStore } from './community-store.js';

/** The parameters of an ITI-68 URL, each required once. */
const PARAMS = ['homeCommunityId', 'repositoryUniqueId', 'uniqueId'] as const;
/** Longest value of one parameter, characters (an OID is at most 64; a urn:oid: 72). */
const MAX_PARAM_CHARS = 256;

/** The document asked for. */
export interface DocumentRequestParams {
  homeCommunityId: string;
  repositoryUniqueId: string;
  uniqueId: string;
}

/** Refused before looking: 400 with these issues. */
export type ParamsResult =
  { ok: true; params: DocumentRequestParams } | { ok: false; issues: OperationOutcomeIssue[] };

/**
 * Read the ITI-68 query (`pairs` of the URL's query string). Each parameter exactly once,
 * non-empty, at most MAX_PARAM_CHARS; `_format` is accepted and ignored (FHIR R4 HTTP); any
 * other parameter is refused (`not-supported`), a missing one is `required`, a bad one `value`.
 */
export function readDocumentRequest(pairs: readonly [string, string][]): ParamsResult {
  const issues: OperationOutcomeIssue[] = [];
  const got: Partial<Record<(typeof PARAMS)[number], string>> = {};
  for (const [name, value] of pairs) {
    if (name === '_format') continue;
    const shown = name.length > 64 ? `${name.slice(0, 64)}...` : name;
    if (!(PARAMS as readonly string[]).includes(name)) {
      issues.push(
        issue({
          severity: 'error',
          code: 'not-supported',
          diagnostics: `unknown parameter '${shown}'; ITI-68 takes homeCommunityId, repositoryUniqueId and uniqueId`,
          expression: [`http.${shown}`],
        }),
      );
      continue;
    }
    const p = name as (typeof PARAMS)[number];
    if (got[p] !== undefined) {
      issues.push(
        issue({
          severity: 'error',
          code: 'value',
          diagnostics: `${p} is repeated; send it once`,
          expression: [`http.${p}`],
        }),
      );
      continue;
    }
    if (value === '' || value.length > MAX_PARAM_CHARS) {
      issues.push(
        issue({
          severity: 'error',
          code: value === '' ? 'required' : 'too-long',
          diagnostics:
            value === '' ? `${p} is empty` : `${p} is ${value.length} characters; at most ${MAX_PARAM_CHARS}`,
          expression: [`http.${p}`],
        }),
      );
      continue;
    }
    got[p] = value;
  }
  for (const p of PARAMS)
    if (got[p] === undefined && !issues.some((i) => i.expression?.[0] === `http.${p}`))
      issues.push(
        issue({
          severity: 'error',
          code: 'required',
          diagnostics: `${p} is required: GET /fhir/document?homeCommunityId=urn:oid:..&repositoryUniqueId=..&uniqueId=.. (the DocumentReference's content.attachment.url)`,
          expression: [`http.${p}`],
        }),
      );
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, params: got as DocumentRequestParams };
}

/** A document found (its entry and bytes), or the RegistryError / the 410 that answers instead. */
export type DocumentLookup =
  | { ok: true; entry: DocumentEntry; content: Buffer }
  | { ok: false; error: RegistryError }
  | { ok: false; deprecated: DocumentEntry };

/**
 * Find the document: an unknown community, repository or document is a RegistryError
 * (XDSUnknownCommunity, XDSUnknownRepositoryId, XDSDocumentUniqueIdError) located here, as ITI-39
 * would say it (cross-gateway-retrieve.ts); a Deprecated entry is `deprecated` (410).
 */
export async function lookUpDocument(p: DocumentRequestParams, c: CommunityStore): Promise<DocumentLookup> {
  const own = c.homeCommunityId;
  if (p.homeCommunityId !== own)
    return {
      ok: false,
      error: registryError(
        ErrorCode.XDSUnknownCommunity,
        `this MHD Document Responder serves ${own}, not ${p.homeCommunityId}`,
        own,
      ),
    };
  if (p.repositoryUniqueId !== c.repositoryUniqueId)
    return {
      ok: false,
      error: registryError(
        ErrorCode.XDSUnknownRepositoryId,
        `repository ${p.repositoryUniqueId} is not in ${own}; this community's repository is ${c.repositoryUniqueId}`,
        own,
      ),
    };
  const entry = c.entries.find((e) => e.uniqueId === p.uniqueId);
  const content = entry === undefined ? undefined : await c.readDocument(p.uniqueId);
  if (entry === undefined || content === undefined)
    return {
      ok: false,
      error: registryError(
        ErrorCode.XDSDocumentUniqueIdError,
        `document ${p.uniqueId} is not in repository ${c.repositoryUniqueId}`,
        own,
      ),
    };
  if (entry.availabilityStatus === EntryStatus.Deprecated) return { ok: false, deprecated: entry };
  return { ok: true, entry, content };
}

/** The 410 issue for a deprecated document (ITI TF-2 3.68.4.2.3). */
export function deprecatedIssue(entry: DocumentEntry): OperationOutcomeIssue {
  return issue({
    severity: 'error',
    code: 'deleted',
    diagnostics: `document ${entry.uniqueId} is deprecated (DocumentReference.status superseded); find its replacement with ITI-67`,
  });
}

/**
 * The HTTP status of an answer made only of RegistryErrors (MHD: an OperationOutcome):
 * by the first Error's IssueType (mhd/registry-errors.ts), `not-found` 404, `transient` 503,
 * `required` / `invalid` / `not-supported` 400, anything else 500.
 */
export function statusOfErrors(errors: readonly RegistryError[]): number {
  const first = errors.find((e) => e.severity.endsWith('Error')) ?? errors[0];
  if (first === undefined) return 500;
  const code = registryErrorToIssue(first).code;
  if (code === 'not-found') return 404;
  if (code === 'transient') return 503;
  if (code === 'required' || code === 'invalid' || code === 'not-supported') return 400;
  return 500;
}
