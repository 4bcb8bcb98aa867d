/**
 * Reading an ITI-68 Retrieve Document request on the broker (IHE MHD ITI TF-2 3.68.4.1): `GET
 * {FhirPath.iti68}?homeCommunityId=urn:oid:..&repositoryUniqueId=..&uniqueId=..`, the URL every
 * DocumentReference the broker serves carries as `content.attachment.url`
 * (shared/fhir-endpoints.ts). The three values are the XCA DocumentRequest of ITI-39 (ITI TF-2
 * 3.39.4.1.2), so the broker keeps no state between ITI-67 and ITI-68. Pure.
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import { issue } from '../fhir/operation-outcome.js';
import { isHomeCommunityId, isOid } from '../shared/ids.js';

/** The document an ITI-68 request names (the ITI-39 DocumentRequest). */
export interface RetrieveDocumentTarget {
  /** `urn:oid:<oid>` (ITI TF-2 3.38.4.1.2.1). */
  homeCommunityId: string;
  /** An OID (ITI TF-3 4.2.3.2.18). */
  repositoryUniqueId: string;
  /** An OID, or OID^extension (ITI TF-3 4.2.3.2.26: at most 128 characters, extension at most 16). */
  uniqueId: string;
}

/** The parameters, in the order the attachment.url writes them. */
export const RetrieveDocumentParam = {
  homeCommunityId: 'homeCommunityId',
  repositoryUniqueId: 'repositoryUniqueId',
  uniqueId: 'uniqueId',
} as const;
type ParamName = (typeof RetrieveDocumentParam)[keyof typeof RetrieveDocumentParam];
const PARAMS: readonly ParamName[] = Object.values(RetrieveDocumentParam);

/** Most query parameters read (the rest is not looked at: the request is refused). */
const MAX_PARAMS = 16;

/** `OID` or `OID^extension` (ITI TF-3 4.2.3.2.26). */
function isDocumentUniqueId(v: string): boolean {
  const [oid = '', ext, more] = v.split('^');
  if (more !== undefined || !isOid(oid)) return false;
  return ext === undefined || /^[A-Za-z0-9.-]{1,16}$/.test(ext);
}

const CHECK: Record<ParamName, { ok: (v: string) => boolean; expected: string }> = {
  homeCommunityId: {
    ok: isHomeCommunityId,
    expected: 'urn:oid:<OID>, at most 64 characters (the ihe-HomeCommunityId of the DocumentReference)',
  },
  repositoryUniqueId: { ok: isOid, expected: 'an OID (dotted digits), at most 64 characters' },
  uniqueId: {
    ok: isDocumentUniqueId,
    expected: "the document's uniqueId: an OID, or OID^extension (ITI TF-3 4.2.3.2.26)",
  },
};

/**
 * The target of an ITI-68 request, or the issues that refuse it (400, one issue per problem, each
 * naming its parameter in `expression`): `required` for a missing parameter, `invalid` for a
 * repeated or malformed one, `not-supported` for an unknown one (FHIR R4 http.html: a server
 * refuses what it does not understand rather than guessing), `too-long` past MAX_PARAMS.
 * @param query the URL's query string, with or without `?`.
 */
export function readRetrieveDocumentRequest(
  query: string,
): { ok: true; target: RetrieveDocumentTarget } | { ok: false; issues: OperationOutcomeIssue[] } {
  const params = new URLSearchParams(query);
  const issues: OperationOutcomeIssue[] = [];
  const values = new Map<ParamName, string[]>();
  let n = 0;
  for (const [name, value] of params) {
    if (++n > MAX_PARAMS) {
      issues.push(
        issue({
          severity: 'error',
          code: 'too-long',
          diagnostics: `more than ${MAX_PARAMS} query parameters: ITI-68 takes ${PARAMS.join(', ')}`,
        }),
      );
      return { ok: false, issues };
    }
    if ((PARAMS as readonly string[]).includes(name)) {
      const list = values.get(name as ParamName) ?? [];
      list.push(value);
      values.set(name as ParamName, list);
    } else {
      issues.push(
        issue({
          severity: 'error',
          code: 'not-supported',
          diagnostics: `unknown parameter '${name.slice(0, 64)}': ITI-68 on the broker takes ${PARAMS.join(', ')} (the DocumentReference's attachment.url)`,
          expression: [name.slice(0, 64)],
        }),
      );
    }
  }
  const target: Partial<RetrieveDocumentTarget> = {};
  for (const p of PARAMS) {
    const list = values.get(p) ?? [];
    const v = list[0]?.trim() ?? '';
    if (list.length > 1) {
      issues.push(
        issue({
          severity: 'error',
          code: 'invalid',
          diagnostics: `${p} is given ${list.length} times: ITI-68 retrieves one document, send it once`,
          expression: [p],
        }),
      );
    } else if (v === '') {
      issues.push(
        issue({
          severity: 'error',
          code: 'required',
          diagnostics: `${p} is required: ${CHECK[p].expected}`,
          expression: [p],
        }),
      );
    } else if (!CHECK[p].ok(v)) {
      issues.push(
        issue({
          severity: 'error',
          code: 'invalid',
          diagnostics: `${p} '${v.slice(0, 130)}' is not valid: expected ${CHECK[p].expected}`,
          expression: [p],
        }),
      );
    } else {
      target[p] = v;
    }
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, target: target as RetrieveDocumentTarget };
}
