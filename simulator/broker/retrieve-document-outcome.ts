/**
 * A retrieve that returned no document, as the HTTP status and OperationOutcome the broker's MHD
 * face answers (IHE MHD ITI TF-2 3.68.4.2.3: 404 when the document is not available; FHIR R4
 * http.html; RFC 9110 §15.6.3 502 Bad Gateway, §15.6.5 504 Gateway Timeout). Each RegistryError
 * becomes one issue (mhd/registry-errors.ts registryErrorToIssue: the IHE errorCode as a coding,
 * codeContext as diagnostics, the community as ihe-HomeCommunityId). Used by ITI-68 and WADO-RS.
 */
import type { OperationOutcome } from 'fhir/r4.js';
import type { LegEvent } from '../events/transaction-events.js';
import { issue, operationOutcome } from '../fhir/operation-outcome.js';
import { registryErrorToIssue } from '../mhd/registry-errors.js';
import { ErrorCode } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';

/** errorCodes that say the thing asked for does not exist where it was looked for. */
const NOT_FOUND: ReadonlySet<string> = new Set([
  ErrorCode.XDSDocumentUniqueIdError,
  ErrorCode.XDSUnknownRepositoryId,
  ErrorCode.XDSUnknownCommunity,
  ErrorCode.XDSUnknownPatientId,
]);

/** The HTTP answer of a failed retrieve. */
export interface RetrieveFailure {
  /** 404 not found, 502 a community failed or answered an error, 504 a community timed out. */
  status: 404 | 502 | 504;
  outcome: OperationOutcome;
}

/**
 * Why no document came back, as an HTTP answer:
 * - a community that failed (XDSUnavailableCommunity from its leg): 504 when its leg timed out,
 *   else 502, the issue code `timeout` or `transient`;
 * - every error a not-found code (XDSDocumentUniqueIdError, XDSUnknownRepositoryId,
 *   XDSUnknownCommunity, XDSUnknownPatientId), or no error at all: 404;
 * - any other error from a community (XDSRepositoryError, busy, out of resources): 502.
 * @param notFound the diagnostics of the 404 issue when no RegistryError explains it.
 */
export function retrieveFailure(
  errors: readonly RegistryError[],
  legs: readonly LegEvent[],
  notFound: string,
): RetrieveFailure {
  const timedOut = new Set(
    legs
      .filter((l) => l.outcome === 'failed' && l.failure?.reason === 'timeout')
      .map((l) => l.homeCommunityId),
  );
  const issues = errors.map((e) =>
    registryErrorToIssue(e, {
      timedOut: e.errorCode === ErrorCode.XDSUnavailableCommunity && timedOut.has(e.location ?? ''),
    }),
  );
  if (errors.length === 0)
    return {
      status: 404,
      outcome: operationOutcome([issue({ severity: 'error', code: 'not-found', diagnostics: notFound })]),
    };
  const unavailable = errors.filter((e) => e.errorCode === ErrorCode.XDSUnavailableCommunity);
  if (unavailable.length > 0) {
    const anyTimeout = unavailable.some((e) => timedOut.has(e.location ?? ''));
    return { status: anyTimeout ? 504 : 502, outcome: operationOutcome(issues) };
  }
  if (errors.every((e) => NOT_FOUND.has(e.errorCode)))
    return { status: 404, outcome: operationOutcome(issues) };
  return { status: 502, outcome: operationOutcome(issues) };
}

/** RFC 9110 §5.6.2 token characters. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/** `type/subtype` with optional `; name=value` parameters, printable ASCII only (RFC 9110 §8.3.1). */
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(\\s*;\\s*${TOKEN}=(${TOKEN}|"[\\x20-\\x7e]*"))*$`);

/**
 * True when a community's mimeType can be sent as the Content-Type of the answer: a media type of
 * at most 256 characters (a community's value is never written into a header unchecked).
 */
export function isMediaType(v: string): boolean {
  return v.length <= 256 && MEDIA_TYPE.test(v);
}
