/**
 * Comparing a step's outcome with its expectation: exact, order-insensitive error lists matched
 * by community name, and one readable line per difference.
 */
import { describe, expect, it } from 'vitest';
import type { EnvironmentCommunity } from './environment.js';
import type { StepOutcome } from './exchange.js';
import { compareErrors, compareOutcome, summarise } from './expectations.js';
import type { ErrorExpectationSpec } from './scenario-spec.js';
import { ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';

const NE = 'urn:oid:1.2.826.0.1.1';
const NW = 'urn:oid:1.2.826.0.1.2';
const communities: EnvironmentCommunity[] = [
  { name: 'north-east', homeCommunityId: NE },
  { name: 'north-west', homeCommunityId: NW },
];

const unavailable = (location: string, ctx = 'did not answer within 1000 ms'): RegistryError => ({
  errorCode: 'XDSUnavailableCommunity',
  codeContext: `community ${location} ${ctx}`,
  severity: ErrorSeverity.Error,
  location,
});

function outcome(o: Partial<StepOutcome>): StepOutcome {
  return { httpStatus: 200, durationMs: 12, errors: [], items: [], sentXml: '<x/>', ...o };
}

describe('compareOutcome', () => {
  it('passes an outcome that matches exactly, whatever the error order', () => {
    const o = outcome({
      status: ResponseStatus.PartialSuccess,
      errors: [unavailable(NW), { ...unavailable(NE), severity: ErrorSeverity.Warning }],
      items: [{ home: NE }, { home: NE }],
    });
    expect(
      compareOutcome(
        {
          status: 'PartialSuccess',
          errors: [
            { errorCode: 'XDSUnavailableCommunity', severity: 'Warning', location: 'north-east', count: 1 },
            {
              errorCode: 'XDSUnavailableCommunity',
              severity: 'Error',
              location: NW,
              contextIncludes: '1000 ms',
              count: 1,
            },
          ],
          documents: 2,
          documentsPerCommunity: { 'north-east': 2 },
          maxResponseMs: 12,
        },
        o,
        communities,
      ),
    ).toEqual([]);
  });

  it('says every difference in one line each', () => {
    const o = outcome({
      durationMs: 2500,
      status: ResponseStatus.Success,
      errors: [
        {
          errorCode: 'XDSRegistryError',
          codeContext: 'no home',
          severity: ErrorSeverity.Warning,
          location: NE,
        },
      ],
      items: [{ home: NE }, { home: NW }, { home: 'urn:oid:9.9' }],
    });
    expect(
      compareOutcome(
        {
          status: 'PartialSuccess',
          errors: [
            {
              errorCode: 'XDSUnavailableCommunity',
              severity: 'Error',
              location: 'north-west',
              contextIncludes: 'refused',
              count: 1,
            },
          ],
          documents: 2,
          documentsPerCommunity: { 'north-east': 1, 'north-west': 0 },
          httpStatus: 200,
          maxResponseMs: 2000,
        },
        o,
        communities,
      ),
    ).toEqual([
      'status: expected PartialSuccess, got Success',
      'errors: missing XDSUnavailableCommunity (Error) at north-west with codeContext including "refused"',
      'errors: unexpected XDSRegistryError (Warning) at north-east: "no home"',
      'documents: expected 2, got 3',
      'documentsPerCommunity.north-west: expected 0, got 1',
      'documentsPerCommunity.urn:oid:9.9: expected 0, got 1',
      'response time: 2500 ms, over the ceiling of 2000 ms (maxResponseMs)',
    ]);
  });

  it('treats omitted errors as none', () => {
    const o = outcome({ status: ResponseStatus.Success, errors: [unavailable(NE)] });
    expect(compareOutcome({ status: 'Success' }, o, communities)).toEqual([
      'errors: unexpected XDSUnavailableCommunity (Error) at north-east: "community urn:oid:1.2.826.0.1.1 did not answer within 1000 ms"',
    ]);
  });

  it('compares SOAP Faults and their HTTP status (Sender 400, others 500)', () => {
    const fault = outcome({ httpStatus: 500, soapFault: { code: 'Receiver', reason: 'internal error' } });
    expect(compareOutcome({ soapFault: 'Receiver' }, fault, communities)).toEqual([]);
    expect(compareOutcome({ soapFault: 'Sender' }, fault, communities)).toEqual([
      'httpStatus: expected 400, got 500',
      'soapFault: expected Sender, got Receiver (internal error)',
    ]);
    expect(compareOutcome({ status: 'Success' }, fault, communities)).toEqual([
      'httpStatus: expected 200, got 500',
      'soapFault: expected none, got Receiver (internal error)',
    ]);
    const response = outcome({ status: ResponseStatus.Failure });
    expect(compareOutcome({ soapFault: 'Sender' }, response, communities)).toEqual([
      'httpStatus: expected 400, got 200',
      'soapFault: expected Sender, got no SOAP Fault (a response with status Failure)',
    ]);
  });

  it('reports an answer that could not be read, or none at all', () => {
    const none = {
      durationMs: 3,
      errors: [],
      items: [],
      sentXml: '<x/>',
      problem: 'no answer from the broker at http://x: ECONNREFUSED',
    };
    expect(compareOutcome({ status: 'Success' }, none, communities)).toEqual([
      'answer: no answer from the broker at http://x: ECONNREFUSED',
    ]);
  });
});

describe('compareErrors', () => {
  it('matches so that a loose expectation does not take the error a stricter one needs', () => {
    const actual = [unavailable(NE, 'refused the connection'), unavailable(NE, 'did not answer')];
    const loose: ErrorExpectationSpec = {
      errorCode: 'XDSUnavailableCommunity',
      severity: 'Error',
      location: 'north-east',
      count: 1,
    };
    const strict: ErrorExpectationSpec = { ...loose, contextIncludes: 'refused' };
    expect(compareErrors([loose, strict], actual, communities)).toEqual([]);
    expect(compareErrors([strict, strict], actual, communities)).toEqual([
      'errors: missing XDSUnavailableCommunity (Error) at north-east with codeContext including "refused"',
      'errors: unexpected XDSUnavailableCommunity (Error) at north-east: "community urn:oid:1.2.826.0.1.1 did not answer"',
    ]);
  });

  it('lets one entry stand for several errors with count, and says how many are missing', () => {
    const actual = [unavailable(NE), unavailable(NE), unavailable(NW)];
    const ne: ErrorExpectationSpec = {
      errorCode: 'XDSUnavailableCommunity',
      severity: 'Error',
      location: 'north-east',
      count: 2,
    };
    expect(compareErrors([ne, { ...ne, location: 'north-west', count: 1 }], actual, communities)).toEqual([]);
    expect(compareErrors([{ ...ne, count: 4 }], actual, communities)).toEqual([
      'errors: missing XDSUnavailableCommunity (Error) at north-east (2 times)',
      'errors: unexpected XDSUnavailableCommunity (Error) at north-west: "community urn:oid:1.2.826.0.1.2 did not answer within 1000 ms"',
    ]);
  });

  it("matches location 'none' only to errors without a location", () => {
    const brokers: RegistryError = {
      errorCode: 'XDSUnknownCommunity',
      codeContext: 'x',
      severity: ErrorSeverity.Error,
    };
    const want: ErrorExpectationSpec = {
      count: 1,
      errorCode: 'XDSUnknownCommunity',
      severity: 'Error',
      location: 'none',
    };
    expect(compareErrors([want], [brokers], communities)).toEqual([]);
    expect(compareErrors([want], [{ ...brokers, location: NE }], communities)).toEqual([
      'errors: missing XDSUnknownCommunity (Error) at none',
      'errors: unexpected XDSUnknownCommunity (Error) at north-east: "x"',
    ]);
  });
});

describe('summarise', () => {
  it('shows statuses, severities and locations in short form with community names', () => {
    const o = outcome({
      status: ResponseStatus.PartialSuccess,
      errors: [unavailable(NW)],
      items: [{ home: NE }, {}],
    });
    expect(summarise(o, communities)).toEqual({
      httpStatus: 200,
      status: 'PartialSuccess',
      errors: [
        {
          errorCode: 'XDSUnavailableCommunity',
          severity: 'Error',
          location: 'north-west',
          codeContext: 'community urn:oid:1.2.826.0.1.2 did not answer within 1000 ms',
        },
      ],
      documents: 2,
      documentsPerCommunity: { 'north-east': 1, '(no home)': 1 },
      durationMs: 12,
    });
  });
});
