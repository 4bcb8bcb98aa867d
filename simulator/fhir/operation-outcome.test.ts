/** OperationOutcome builders: R4 value sets, element order, bounds, and schema validity. */
import { describe, expect, it } from 'vitest';
import {
  ISSUE_SEVERITIES,
  ISSUE_TYPES,
  MAX_DIAGNOSTICS_CHARS,
  isIssueSeverity,
  isIssueType,
  issue,
  mostSevere,
  operationOutcome,
} from './operation-outcome.js';
import { validateFhirResource } from './schema-validator.js';

describe('OperationOutcome', () => {
  it('builds an outcome of every severity and issue type that validates against the FHIR R4 schema', () => {
    const issues = ISSUE_TYPES.map((code, k) =>
      issue({
        severity: ISSUE_SEVERITIES[k % ISSUE_SEVERITIES.length]!,
        code,
        details: { coding: [{ system: 'urn:example', code: 'X' }] },
        diagnostics: `issue ${code}`,
        expression: ['Bundle.entry[0]'],
      }),
    );
    const o = operationOutcome(issues, 'oo-1');
    expect(validateFhirResource('OperationOutcome', o)).toEqual({ ok: true });
    expect(o.issue).toHaveLength(31);
    expect(o.issue[0]).toEqual({
      severity: 'fatal',
      code: 'invalid',
      details: { coding: [{ system: 'urn:example', code: 'X' }] },
      diagnostics: 'issue invalid',
      expression: ['Bundle.entry[0]'],
    });
  });

  it('refuses an outcome without issues (R4 issue 1..*)', () => {
    expect(() => operationOutcome([])).toThrow(
      new RangeError('an OperationOutcome needs at least one issue (FHIR R4 issue 1..*)'),
    );
  });

  it('cuts diagnostics at the bound and leaves empty lists out', () => {
    const i = issue({
      severity: 'error',
      code: 'exception',
      diagnostics: 'x'.repeat(10_000),
      expression: [],
      location: [],
    });
    expect(i).toEqual({
      severity: 'error',
      code: 'exception',
      diagnostics: `${'x'.repeat(MAX_DIAGNOSTICS_CHARS - 1)}…`,
    });
  });

  it('knows the value sets and which severity is worst', () => {
    expect([
      isIssueSeverity('warning'),
      isIssueSeverity('severe'),
      isIssueType('timeout'),
      isIssueType('late'),
    ]).toEqual([true, false, true, false]);
    expect(mostSevere([{ severity: 'warning' }, { severity: 'error' }, { severity: 'information' }])).toBe(
      'error',
    );
    expect(mostSevere([])).toBe('information');
  });
});
