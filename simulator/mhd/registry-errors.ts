/**
 * RegistryError <-> OperationOutcome issue (IHE MHD 4.2.x ITI-67 partial answers: warnings and
 * errors in an OperationOutcome, FHIR R4 search 3.1.1.5.1; XCA RegistryError, ITI TF-3 4.2.4.1,
 * Table 4.2.4.1-2). docs/mhd.md has the tables.
 *
 * An issue carries: severity (Error -> error, Warning -> warning), an IssueType chosen by
 * errorCode, the errorCode as a Coding in `details` (system {@link XDS_ERROR_CODE_SYSTEM}, also as
 * `details.text` for readers that look only there), codeContext as `diagnostics`, and the
 * community the error is about (RegistryError `location`, a homeCommunityId) as MHD's
 * ihe-HomeCommunityId extension on the issue: machine-readable, the canonical MHD already uses for
 * "the community where this resides"; `issue.location` is an XPath and deprecated in R4, and
 * `expression` names elements of the request, not communities.
 */
import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import { issue, type IssueType } from '../fhir/operation-outcome.js';
import { ErrorCode, ErrorSeverity } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';
import { HOME_COMMUNITY_ID_EXTENSION } from './document-reference.js';
import type { Unmapped } from './document-reference-values.js';

/**
 * The code system of XDS/XCA errorCodes in `details`: the table that defines them (IHE ITI TF-3
 * Table 4.2.4.1-2). IHE publishes no FHIR CodeSystem for them; this URL names the definition.
 */
export const XDS_ERROR_CODE_SYSTEM = 'https://profiles.ihe.net/ITI/TF/Volume3/ch-4.2.html#4.2.4.1';

/** errorCode -> IssueType (FHIR R4 valueset-issue-type); any other code -> `processing`. */
const ISSUE_TYPE: Record<string, IssueType> = {
  [ErrorCode.XDSUnknownPatientId]: 'not-found',
  [ErrorCode.XDSUnknownCommunity]: 'not-found',
  [ErrorCode.XDSDocumentUniqueIdError]: 'not-found',
  [ErrorCode.XDSUnknownRepositoryId]: 'not-found',
  [ErrorCode.XDSUnavailableCommunity]: 'transient',
  [ErrorCode.XDSRegistryBusy]: 'transient',
  [ErrorCode.XDSRepositoryBusy]: 'transient',
  [ErrorCode.XDSRegistryOutOfResources]: 'transient',
  [ErrorCode.XDSRepositoryOutOfResources]: 'transient',
  [ErrorCode.XDSMissingHomeCommunityId]: 'required',
  [ErrorCode.XDSStoredQueryMissingParam]: 'required',
  [ErrorCode.XDSStoredQueryParamNumber]: 'invalid',
  [ErrorCode.XDSUnknownStoredQuery]: 'not-supported',
  [ErrorCode.XDSResultNotSinglePatient]: 'business-rule',
  [ErrorCode.XDSTooManyResults]: 'too-costly',
  [ErrorCode.XDSRegistryError]: 'exception',
  [ErrorCode.XDSRepositoryError]: 'exception',
};

/** IssueType -> errorCode, for an MHD community's issue that carries no XDS errorCode. */
const ERROR_CODE: Partial<Record<string, string>> = {
  'not-found': ErrorCode.XDSUnknownPatientId,
  transient: ErrorCode.XDSRegistryBusy,
  timeout: ErrorCode.XDSRegistryBusy,
  throttled: ErrorCode.XDSRegistryBusy,
  'lock-error': ErrorCode.XDSRegistryBusy,
  'too-costly': ErrorCode.XDSTooManyResults,
  required: ErrorCode.XDSStoredQueryMissingParam,
};

/**
 * One RegistryError as one OperationOutcome issue.
 * @param o.timedOut the error stands for a community that did not answer before its deadline
 *   (the broker knows; a RegistryError does not say): IssueType `timeout` instead of `transient`.
 */
export function registryErrorToIssue(
  e: RegistryError,
  o: { timedOut?: boolean } = {},
): OperationOutcomeIssue {
  return issue({
    severity: e.severity === ErrorSeverity.Warning ? 'warning' : 'error',
    code: o.timedOut ? 'timeout' : (ISSUE_TYPE[e.errorCode] ?? 'processing'),
    details: { coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: e.errorCode }], text: e.errorCode },
    diagnostics: e.codeContext,
    ...(e.location !== undefined
      ? { extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: e.location }] }
      : {}),
  });
}

/**
 * An MHD community's OperationOutcome as RegistryErrors located at that community (`location` =
 * `homeCommunityId`, whatever the issue claims). fatal and error -> Error, warning -> Warning;
 * `information` issues are not errors and are reported, not turned into RegistryErrors. The
 * errorCode is the issue's XDS coding when it has one, else chosen by its IssueType
 * (docs/mhd.md); codeContext is `diagnostics`, else `details.text`, else the IssueType.
 * Expects an outcome that passed the FHIR R4 schema (fhir/schema-validator.ts, or a Bundle read
 * by fhir/bundle.ts).
 */
export function operationOutcomeToRegistryErrors(
  outcome: OperationOutcome,
  homeCommunityId: string,
): { errors: RegistryError[]; unmapped: Unmapped[] } {
  const errors: RegistryError[] = [];
  const unmapped: Unmapped[] = [];
  outcome.issue.forEach((i, k) => {
    if (i.severity === 'information') {
      unmapped.push({
        element: `OperationOutcome.issue[${k}]`,
        reason: 'an information issue is not a RegistryError',
      });
      return;
    }
    const xds = i.details?.coding?.find((c) => c.system === XDS_ERROR_CODE_SYSTEM)?.code;
    errors.push({
      errorCode: xds ?? ERROR_CODE[i.code] ?? ErrorCode.XDSRegistryError,
      codeContext:
        i.diagnostics ??
        i.details?.text ??
        `the community answered with an OperationOutcome issue '${i.code}'`,
      severity: i.severity === 'warning' ? ErrorSeverity.Warning : ErrorSeverity.Error,
      location: homeCommunityId,
    });
  });
  return { errors, unmapped };
}
