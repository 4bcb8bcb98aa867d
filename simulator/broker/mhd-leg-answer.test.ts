import { describe, expect, it } from 'vitest';
import { XDS_ERROR_CODE_SYSTEM } from '../mhd/registry-errors.js';
import { ErrorSeverity } from '../xca/constants.js';
import { readSearchAnswer } from './mhd-leg-answer.js';
import type { FhirGetAnswer } from './mhd-leg-http.js';
import { MhdLegError } from './mhd-leg-errors.js';

const HOME = 'urn:oid:2.25.7';
const answer = (status: number, body: unknown): FhirGetAnswer => ({
  requestLine: 'GET http://127.0.0.1/fhir/DocumentReference?patient=x',
  status,
  contentType: 'application/fhir+json',
  body: Buffer.from(JSON.stringify(body)),
});
const outcome = {
  resourceType: 'OperationOutcome',
  issue: [
    {
      severity: 'error',
      code: 'exception',
      details: { coding: [{ system: XDS_ERROR_CODE_SYSTEM, code: 'XDSRegistryBusy' }] },
      diagnostics: 'the registry is busy',
    },
    { severity: 'warning', code: 'incomplete', diagnostics: 'one document left out' },
  ],
};

describe('readSearchAnswer: an MHD community answering ITI-67 with a success status', () => {
  it("an OperationOutcome in place of the Bundle: the 200 is not trusted, the outcome's issues are the answer", () => {
    expect(readSearchAnswer(answer(200, outcome), HOME)).toEqual({
      kind: 'refused',
      errors: [
        {
          errorCode: 'XDSRegistryBusy',
          codeContext: 'the registry is busy',
          severity: ErrorSeverity.Error,
          location: HOME,
        },
        {
          errorCode: 'XDSRegistryError',
          codeContext: 'one document left out',
          severity: ErrorSeverity.Warning,
          location: HOME,
        },
      ],
    });
  });

  it('another resource, or an OperationOutcome without an error issue, is still `invalid-response`', () => {
    for (const body of [
      { resourceType: 'Patient', id: 'x' },
      { resourceType: 'OperationOutcome', issue: [] },
      { resourceType: 'OperationOutcome', issue: [outcome.issue[1]] },
    ]) {
      let thrown: unknown;
      try {
        readSearchAnswer(answer(200, body), HOME);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(MhdLegError);
      expect(thrown).toMatchObject({
        httpStatus: 200,
        failure: {
          reason: 'invalid-response',
          detail: `the searchset Bundle is not usable: Bundle.resourceType: the body is a ${body.resourceType}, not a Bundle`,
        },
      });
    }
  });
});
