/**
 * The ITI-67 answer's HTTP status and OperationOutcome issues from the consolidated XCA answer
 * (docs/mhd.md "The broker's FHIR face"): 200 with every RegistryError as an issue (a timed-out
 * community as `timeout`), 504 when every community timed out, 502 when every community failed
 * otherwise, 200 when no community could be asked.
 */
import { describe, expect, it } from 'vitest';
import { HOME_COMMUNITY_ID_EXTENSION } from '../mhd/document-reference.js';
import { XDS_ERROR_CODE_SYSTEM } from '../mhd/registry-errors.js';
import { ErrorCode, ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';
import { searchOutcome } from './search-outcome.js';

const A = 'urn:oid:1.1';
const B = 'urn:oid:1.2';
const down = (at: string): RegistryError => ({
  errorCode: ErrorCode.XDSUnavailableCommunity,
  codeContext: `community ${at} did not answer within 1000 ms`,
  severity: ErrorSeverity.Error,
  location: at,
});
const refused = (at: string): RegistryError => ({
  ...down(at),
  codeContext: `community ${at} refused the connection`,
});
const issueOf = (e: RegistryError, code: string) => ({
  severity: 'error',
  code,
  extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: e.location }],
  details: { coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: e.errorCode }], text: e.errorCode },
  diagnostics: e.codeContext,
});
const timeout = { reason: 'timeout', detail: 'did not answer within 1000 ms' };
const refusedLeg = { reason: 'refused', detail: 'ECONNREFUSED' };

describe('searchOutcome', () => {
  it('one community timed out, the other answered: 200, the timeout an issue of code timeout', () => {
    expect(
      searchOutcome({
        status: ResponseStatus.PartialSuccess,
        errors: [down(A)],
        legs: [
          { homeCommunityId: A, outcome: 'failed', failure: timeout },
          { homeCommunityId: B, outcome: 'answered' },
        ],
      }),
    ).toEqual({ httpStatus: 200, issues: [issueOf(down(A), 'timeout')] });
  });

  it('every community timed out: 504 with one timeout issue each', () => {
    expect(
      searchOutcome({
        status: ResponseStatus.Failure,
        errors: [down(A), down(B)],
        legs: [
          { homeCommunityId: A, outcome: 'failed', failure: timeout },
          { homeCommunityId: B, outcome: 'failed', failure: timeout },
        ],
      }),
    ).toEqual({ httpStatus: 504, issues: [issueOf(down(A), 'timeout'), issueOf(down(B), 'timeout')] });
  });

  it('every community failed, one not by timing out: 502, the refusal transient', () => {
    expect(
      searchOutcome({
        status: ResponseStatus.Failure,
        errors: [down(A), refused(B)],
        legs: [
          { homeCommunityId: A, outcome: 'failed', failure: timeout },
          { homeCommunityId: B, outcome: 'failed', failure: refusedLeg },
        ],
      }),
    ).toEqual({ httpStatus: 502, issues: [issueOf(down(A), 'timeout'), issueOf(refused(B), 'transient')] });
  });

  it('every community answered with an Error: 502', () => {
    const e: RegistryError = {
      errorCode: ErrorCode.XDSRegistryError,
      codeContext: 'registry down',
      severity: ErrorSeverity.Error,
      location: A,
    };
    expect(
      searchOutcome({
        status: ResponseStatus.Failure,
        errors: [e],
        legs: [{ homeCommunityId: A, outcome: 'answered' }],
      }),
    ).toEqual({ httpStatus: 502, issues: [issueOf(e, 'exception')] });
  });

  it('no community could be asked (every target unknown): 200, the search warnings first, object issues last', () => {
    const unknown: RegistryError = {
      errorCode: ErrorCode.XDSUnknownCommunity,
      codeContext: 'urn:oid:9.9 is not a community of this network',
      severity: ErrorSeverity.Error,
      location: 'urn:oid:9.9',
    };
    const before = { severity: 'warning' as const, code: 'not-supported' as const, diagnostics: 'x ignored' };
    const after = { severity: 'warning' as const, code: 'structure' as const, diagnostics: 'y left out' };
    expect(
      searchOutcome({ status: ResponseStatus.Failure, errors: [unknown], legs: [] }, [before], [after]),
    ).toEqual({
      httpStatus: 200,
      issues: [before, issueOf(unknown, 'not-found'), after],
    });
  });

  it('success: 200 and no issue', () => {
    expect(
      searchOutcome({
        status: ResponseStatus.Success,
        errors: [],
        legs: [{ homeCommunityId: A, outcome: 'answered' }],
      }),
    ).toEqual({ httpStatus: 200, issues: [] });
  });
});
