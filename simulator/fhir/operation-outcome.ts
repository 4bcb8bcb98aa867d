/**
 * FHIR R4 OperationOutcome (http://hl7.org/fhir/R4/operationoutcome.html) builders and the two
 * value sets an issue is made of: IssueSeverity (http://hl7.org/fhir/R4/valueset-issue-severity.html,
 * required binding) and IssueType (http://hl7.org/fhir/R4/valueset-issue-type.html, required
 * binding). Pure data: nothing here knows HTTP or XCA; the MHD codec (`mhd/registry-errors.ts`)
 * and the FHIR endpoints build on it.
 */
import type { CodeableConcept, Extension, OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';

/** IssueSeverity, most severe first. */
export const ISSUE_SEVERITIES = ['fatal', 'error', 'warning', 'information'] as const;
/** One of {@link ISSUE_SEVERITIES}. */
export type IssueSeverity = (typeof ISSUE_SEVERITIES)[number];

/** IssueType, every code of the R4 value set (hierarchy flattened). */
export const ISSUE_TYPES = [
  'invalid',
  'structure',
  'required',
  'value',
  'invariant',
  'security',
  'login',
  'unknown',
  'expired',
  'forbidden',
  'suppressed',
  'processing',
  'not-supported',
  'duplicate',
  'multiple-matches',
  'not-found',
  'deleted',
  'too-long',
  'code-invalid',
  'extension',
  'too-costly',
  'business-rule',
  'conflict',
  'transient',
  'lock-error',
  'no-store',
  'exception',
  'timeout',
  'incomplete',
  'throttled',
  'informational',
] as const;
/** One of {@link ISSUE_TYPES}. */
export type IssueType = (typeof ISSUE_TYPES)[number];

/** Longest `diagnostics` an issue built here carries, characters; longer text is cut with `…`. */
export const MAX_DIAGNOSTICS_CHARS = 4096;

/** What one issue says (OperationOutcome.issue, R4). */
export interface IssueSpec {
  severity: IssueSeverity;
  code: IssueType;
  /** Coded detail (e.g. an IHE errorCode as a Coding). */
  details?: CodeableConcept;
  /** Free text for a person; cut at {@link MAX_DIAGNOSTICS_CHARS}. */
  diagnostics?: string;
  /** FHIRPath expressions of the elements at fault. */
  expression?: string[];
  /** Deprecated in R4 (XPath), kept for readers that use it: prefer `expression`. */
  location?: string[];
  extension?: Extension[];
}

/** True when `v` is an R4 IssueSeverity code. */
export function isIssueSeverity(v: unknown): v is IssueSeverity {
  return typeof v === 'string' && (ISSUE_SEVERITIES as readonly string[]).includes(v);
}

/** True when `v` is an R4 IssueType code. */
export function isIssueType(v: unknown): v is IssueType {
  return typeof v === 'string' && (ISSUE_TYPES as readonly string[]).includes(v);
}

/** One OperationOutcome.issue, elements in the R4 order, empty lists left out. */
export function issue(spec: IssueSpec): OperationOutcomeIssue {
  const out: OperationOutcomeIssue = { severity: spec.severity, code: spec.code };
  if (spec.extension && spec.extension.length > 0) out.extension = spec.extension;
  if (spec.details) out.details = spec.details;
  if (spec.diagnostics !== undefined) out.diagnostics = cut(spec.diagnostics);
  if (spec.location && spec.location.length > 0) out.location = spec.location;
  if (spec.expression && spec.expression.length > 0) out.expression = spec.expression;
  return out;
}

/**
 * An OperationOutcome of `issues` (R4: at least one issue, `issue` 1..*).
 * @param id the resource id, when the outcome is stored or referenced (a Bundle entry's fullUrl
 *   may be a `urn:uuid:` instead).
 * @throws RangeError when `issues` is empty.
 */
export function operationOutcome(issues: readonly OperationOutcomeIssue[], id?: string): OperationOutcome {
  if (issues.length === 0)
    throw new RangeError('an OperationOutcome needs at least one issue (FHIR R4 issue 1..*)');
  return { resourceType: 'OperationOutcome', ...(id !== undefined ? { id } : {}), issue: [...issues] };
}

/** The most severe severity among `issues` (`information` for none). */
export function mostSevere(issues: readonly Pick<OperationOutcomeIssue, 'severity'>[]): IssueSeverity {
  let best = ISSUE_SEVERITIES.length - 1;
  for (const i of issues) {
    const k = ISSUE_SEVERITIES.indexOf(i.severity);
    if (k >= 0 && k < best) best = k;
  }
  return ISSUE_SEVERITIES[best]!;
}

function cut(text: string): string {
  return text.length <= MAX_DIAGNOSTICS_CHARS ? text : `${text.slice(0, MAX_DIAGNOSTICS_CHARS - 1)}…`;
}
