/** RegistryError <-> OperationOutcome issue: every XCA errorCode both ways, schema-valid, and a foreign outcome. */
import { describe, expect, it } from 'vitest';
import { operationOutcome } from '../fhir/operation-outcome.js';
import { validateFhirResource } from '../fhir/schema-validator.js';
import { ErrorCode, ErrorSeverity } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';
import { HOME_COMMUNITY_ID_EXTENSION } from './document-reference.js';
import {
  operationOutcomeToRegistryErrors,
  registryErrorToIssue,
  XDS_ERROR_CODE_SYSTEM,
} from './registry-errors.js';

const home = 'urn:oid:2.25.143717819127266221728204988935439350416.1.2';

describe('RegistryError -> OperationOutcome issue -> RegistryError', () => {
  it('keeps errorCode, codeContext, severity and the community for every XCA errorCode', () => {
    const errors: RegistryError[] = Object.values(ErrorCode).map((code, k) => ({
      errorCode: code,
      codeContext: `context of ${code}`,
      severity: k % 2 === 0 ? ErrorSeverity.Error : ErrorSeverity.Warning,
      location: home,
    }));
    const outcome = operationOutcome(errors.map((e) => registryErrorToIssue(e)));
    expect(validateFhirResource('OperationOutcome', outcome)).toEqual({ ok: true });
    expect(operationOutcomeToRegistryErrors(outcome, home)).toEqual({ errors, unmapped: [] });
  });

  it('a community that did not answer: the whole issue', () => {
    const e: RegistryError = {
      errorCode: ErrorCode.XDSUnavailableCommunity,
      codeContext: 'community north-east did not answer within 3000 ms',
      severity: ErrorSeverity.Error,
      location: home,
    };
    expect(registryErrorToIssue(e, { timedOut: true })).toEqual({
      severity: 'error',
      code: 'timeout',
      extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: home }],
      details: {
        coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: 'XDSUnavailableCommunity' }],
        text: 'XDSUnavailableCommunity',
      },
      diagnostics: 'community north-east did not answer within 3000 ms',
    });
    expect(registryErrorToIssue(e).code).toBe('transient');
    expect(
      registryErrorToIssue({
        errorCode: 'XDSSomethingNew',
        codeContext: e.codeContext,
        severity: e.severity,
      }),
    ).toEqual({
      severity: 'error',
      code: 'processing',
      details: {
        coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: 'XDSSomethingNew' }],
        text: 'XDSSomethingNew',
      },
      diagnostics: 'community north-east did not answer within 3000 ms',
    });
  });
});

describe('an MHD community OperationOutcome -> RegistryErrors located at that community', () => {
  it('uses the issue type when there is no XDS coding, and reports information issues', () => {
    const outcome = operationOutcome([
      { severity: 'fatal', code: 'exception' },
      {
        severity: 'error',
        code: 'not-found',
        diagnostics: 'no such patient',
        extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: 'urn:oid:9.9' }],
      },
      { severity: 'warning', code: 'throttled', details: { text: 'slow down' } },
      { severity: 'information', code: 'informational', diagnostics: 'all fine' },
    ]);
    expect(operationOutcomeToRegistryErrors(outcome, home)).toEqual({
      errors: [
        {
          errorCode: 'XDSRegistryError',
          codeContext: "the community answered with an OperationOutcome issue 'exception'",
          severity: ErrorSeverity.Error,
          location: home,
        },
        {
          errorCode: 'XDSUnknownPatientId',
          codeContext: 'no such patient',
          severity: ErrorSeverity.Error,
          location: home,
        },
        {
          errorCode: 'XDSRegistryBusy',
          codeContext: 'slow down',
          severity: ErrorSeverity.Warning,
          location: home,
        },
      ],
      unmapped: [
        { element: 'OperationOutcome.issue[3]', reason: 'an information issue is not a RegistryError' },
      ],
    });
  });
});
