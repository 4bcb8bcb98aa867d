/**
 * Comparing what an MHD step got back with its expectation, in lines a tester can read: the HTTP
 * status, the exact OperationOutcome issues as a multiset (severity, IssueType, the IHE errorCode
 * coding, the ihe-HomeCommunityId by community name, an optional diagnostics substring; docs/mhd.md
 * "RegistryError <-> OperationOutcome issue"), DocumentReferences in total and per community, the
 * ITI-68 media type, and the bytes against the DocumentReference's size and SHA-1 hash
 * (FHIR R4 Attachment.hash; ITI TF-3 4.2.3.2 hash).
 */
import { createHash } from 'node:crypto';
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import { HOME_COMMUNITY_ID_EXTENSION } from '../mhd/document-reference.js';
import { XDS_ERROR_CODE_SYSTEM } from '../mhd/registry-errors.js';
import type { EnvironmentCommunity } from './environment.js';
import { compareDocumentCounts, compareResponseTime } from './expectations.js';
import type { FhirOutcome } from './fhir-exchange.js';
import { multisetDifference } from './multiset.js';
import type { FoundDocument } from './picks.js';
import { communityNameOf, homeCommunityIdOf } from './requests.js';
import type { FhirExpectationSpec, IssueExpectationSpec } from './scenario-spec.js';

/** One issue as reports show it: the community by name. */
interface IssueSummary {
  severity: string;
  code: string;
  errorCode?: string;
  community?: string;
  diagnostics?: string;
}

/** An MHD outcome as reports show it. */
export interface FhirActualSummary {
  request: string;
  httpStatus?: number;
  contentType?: string;
  issues: IssueSummary[];
  documents: number;
  documentsPerCommunity: Record<string, number>;
  /** ITI-68: bytes received. */
  bytes?: number;
  durationMs: number;
  problem?: string;
}

const errorCodeOf = (i: OperationOutcomeIssue): string | undefined =>
  i.details?.coding?.find((c) => c.system === XDS_ERROR_CODE_SYSTEM)?.code;
const homeOf = (i: OperationOutcomeIssue): string | undefined =>
  i.extension?.find((e) => e.url === HOME_COMMUNITY_ID_EXTENSION)?.valueOid;

/** Summarise an outcome with community names. */
export function summariseFhir(
  o: FhirOutcome,
  communities: readonly EnvironmentCommunity[],
): FhirActualSummary {
  const perCommunity: Record<string, number> = {};
  for (const r of o.references) {
    const name = r.home === undefined ? '(no home)' : communityNameOf(r.home, communities);
    perCommunity[name] = (perCommunity[name] ?? 0) + 1;
  }
  return {
    request: o.requestLine,
    ...(o.httpStatus !== undefined ? { httpStatus: o.httpStatus } : {}),
    ...(o.contentType !== undefined ? { contentType: o.contentType } : {}),
    issues: o.issues.map((i) => {
      const errorCode = errorCodeOf(i);
      const home = homeOf(i);
      return {
        severity: i.severity,
        code: i.code,
        ...(errorCode !== undefined ? { errorCode } : {}),
        ...(home !== undefined ? { community: communityNameOf(home, communities) } : {}),
        ...(i.diagnostics !== undefined ? { diagnostics: i.diagnostics } : {}),
      };
    }),
    documents: o.references.length,
    documentsPerCommunity: perCommunity,
    ...(o.bytes !== undefined ? { bytes: o.bytes.byteLength } : {}),
    durationMs: o.durationMs,
    ...(o.problem !== undefined ? { problem: o.problem } : {}),
  };
}

/**
 * Every difference between `expect` and the outcome, one line each; empty when the step passes.
 * @param document ITI-68: the document asked for, whose size and hash a 2xx answer must match
 *   (undefined for a document given by its ids only).
 */
export function compareFhirOutcome(
  expect: FhirExpectationSpec,
  o: FhirOutcome,
  communities: readonly EnvironmentCommunity[],
  document?: FoundDocument,
): string[] {
  const out: string[] = [];
  const actual = summariseFhir(o, communities);
  if (o.problem !== undefined) out.push(`answer: ${o.problem}`);
  if (o.httpStatus !== undefined && o.httpStatus !== expect.httpStatus)
    out.push(`httpStatus: expected ${expect.httpStatus}, got ${o.httpStatus}${firstIssue(actual)}`);
  if (o.httpStatus !== undefined && o.problem === undefined)
    out.push(...compareIssues(expect.issues ?? [], o.issues, communities));
  out.push(...compareDocumentCounts(expect, actual));
  if (expect.contentType !== undefined && o.httpStatus !== undefined && o.contentType !== expect.contentType)
    out.push(`contentType: expected ${expect.contentType}, got ${o.contentType ?? '(none)'}`);
  if (o.bytes !== undefined && document !== undefined) out.push(...compareBytes(o.bytes, document));
  out.push(...compareResponseTime(expect, o.durationMs));
  return out;
}

/** The first issue's diagnostics, to say why a status differs. */
function firstIssue(a: FhirActualSummary): string {
  const i = a.issues[0];
  return i === undefined ? '' : ` (${i.severity} ${i.code}: ${i.diagnostics ?? ''})`;
}

/** The bytes against the DocumentReference's size and SHA-1 (hex in XDS, base64 in FHIR). */
function compareBytes(bytes: Buffer, d: FoundDocument): string[] {
  const out: string[] = [];
  if (d.sha1Hex === undefined) out.push('hash: the document has no SHA-1 hash to check the bytes against');
  else {
    const got = createHash('sha1').update(bytes).digest('hex');
    if (got !== d.sha1Hex) out.push(`hash: the bytes hash to SHA-1 ${got}, the document says ${d.sha1Hex}`);
  }
  if (d.size !== undefined && bytes.byteLength !== d.size)
    out.push(`size: ${bytes.byteLength} bytes arrived, the document says ${d.size}`);
  return out;
}

/** Does one returned issue satisfy one expected entry? Elements left out of the entry must be absent. */
function matchesIssue(
  want: IssueExpectationSpec,
  got: OperationOutcomeIssue,
  communities: readonly EnvironmentCommunity[],
): boolean {
  if (got.severity !== want.severity || got.code !== want.code) return false;
  if (errorCodeOf(got) !== want.errorCode) return false;
  const home = want.community === undefined ? undefined : homeCommunityIdOf(want.community, communities);
  if (homeOf(got) !== home) return false;
  return want.diagnosticsIncludes === undefined || (got.diagnostics ?? '').includes(want.diagnosticsIncludes);
}

/** The exact issue list, order-insensitive (multiset.ts), one line per difference. */
export function compareIssues(
  wanted: readonly IssueExpectationSpec[],
  actual: readonly OperationOutcomeIssue[],
  communities: readonly EnvironmentCommunity[],
): string[] {
  const d = multisetDifference(
    wanted,
    actual,
    (w) => w.count,
    (w, a) => matchesIssue(w, a, communities),
  );
  const out: string[] = [];
  for (const { entry: w, times } of d.missing) {
    const parts = [
      w.errorCode !== undefined ? ` ${w.errorCode}` : '',
      w.community !== undefined ? ` at ${w.community}` : '',
      w.diagnosticsIncludes !== undefined ? ` with diagnostics including "${w.diagnosticsIncludes}"` : '',
    ].join('');
    out.push(`issues: missing ${w.severity} ${w.code}${parts}${times > 1 ? ` (${times} times)` : ''}`);
  }
  for (const i of d.unexpected) {
    const errorCode = errorCodeOf(i);
    const home = homeOf(i);
    out.push(
      `issues: unexpected ${i.severity} ${i.code}${errorCode !== undefined ? ` ${errorCode}` : ''}${home !== undefined ? ` at ${communityNameOf(home, communities)}` : ''}: "${i.diagnostics ?? ''}"`,
    );
  }
  return out;
}
