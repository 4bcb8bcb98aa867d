/** searchset Bundle build and the bounded, validated read of one received from elsewhere. */
import type { DocumentReference, OperationOutcome } from 'fhir/r4.js';
import { describe, expect, it } from 'vitest';
import { FhirReadError, readSearchsetBundle, searchsetBundle } from './bundle.js';
import { issue, operationOutcome } from './operation-outcome.js';
import { validateFhirResource } from './schema-validator.js';

const doc = (id: string): DocumentReference => ({
  resourceType: 'DocumentReference',
  id,
  status: 'current',
  content: [{ attachment: { contentType: 'application/pdf' } }],
});
const warning: OperationOutcome = operationOutcome([
  issue({ severity: 'warning', code: 'timeout', diagnostics: 'community 2 did not answer in time' }),
]);

/** The issues a read refused with. */
function refusal(body: string | Uint8Array, limits?: Parameters<typeof readSearchsetBundle>[1]): unknown {
  try {
    readSearchsetBundle(body, limits);
  } catch (err) {
    if (err instanceof FhirReadError) return err.issues;
    throw err;
  }
  throw new Error('the read did not refuse');
}

describe('searchsetBundle', () => {
  it('counts the matches only, links self, puts the outcome first, and validates', () => {
    const b = searchsetBundle({
      self: 'https://nir.example/fhir/DocumentReference?patient.identifier=x',
      matches: [
        { fullUrl: 'https://nir.example/fhir/DocumentReference/a', resource: doc('a') },
        { fullUrl: 'https://nir.example/fhir/DocumentReference/b', resource: doc('b') },
      ],
      outcome: { fullUrl: 'urn:uuid:6c1f3f4e-0000-4000-8000-000000000001', resource: warning },
      timestamp: '2026-12-03T08:00:00Z',
    });
    expect(validateFhirResource('Bundle', b)).toEqual({ ok: true });
    expect(b).toEqual({
      resourceType: 'Bundle',
      type: 'searchset',
      timestamp: '2026-12-03T08:00:00Z',
      total: 2,
      link: [{ relation: 'self', url: 'https://nir.example/fhir/DocumentReference?patient.identifier=x' }],
      entry: [
        {
          fullUrl: 'urn:uuid:6c1f3f4e-0000-4000-8000-000000000001',
          resource: warning,
          search: { mode: 'outcome' },
        },
        {
          fullUrl: 'https://nir.example/fhir/DocumentReference/a',
          resource: doc('a'),
          search: { mode: 'match' },
        },
        {
          fullUrl: 'https://nir.example/fhir/DocumentReference/b',
          resource: doc('b'),
          search: { mode: 'match' },
        },
      ],
    });
  });

  it('an empty answer has total 0 and no entry element', () => {
    const b = searchsetBundle({ self: 'https://nir.example/fhir/DocumentReference', matches: [] });
    expect(b).toEqual({
      resourceType: 'Bundle',
      type: 'searchset',
      total: 0,
      link: [{ relation: 'self', url: 'https://nir.example/fhir/DocumentReference' }],
    });
    expect(validateFhirResource('Bundle', b)).toEqual({ ok: true });
  });
});

describe('readSearchsetBundle', () => {
  const built = searchsetBundle({
    self: 'https://c2.example/fhir/DocumentReference',
    matches: [{ fullUrl: 'https://c2.example/fhir/DocumentReference/a', resource: doc('a') }],
    outcome: { fullUrl: 'urn:uuid:6c1f3f4e-0000-4000-8000-000000000002', resource: warning },
  });

  it('reads back what searchsetBundle built: matches, outcomes, no next page', () => {
    const r = readSearchsetBundle(Buffer.from(JSON.stringify(built)));
    expect(r).toEqual({ bundle: built, matches: [doc('a')], outcomes: [warning] });
    const paged = {
      ...built,
      link: [...built.link!, { relation: 'next', url: 'https://c2.example/fhir/p2' }],
    };
    expect(readSearchsetBundle(JSON.stringify(paged)).next).toBe('https://c2.example/fhir/p2');
  });

  it('refuses what is not a searchset Bundle, saying what is wrong', () => {
    expect(refusal('{"resourceType":"Bundle",')).toEqual([
      {
        severity: 'error',
        code: 'structure',
        diagnostics: expect.stringMatching(/^the body is not JSON: /) as unknown,
      },
    ]);
    expect(refusal(new Uint8Array([0x7b, 0xff, 0x7d]))).toEqual([
      {
        severity: 'error',
        code: 'structure',
        diagnostics: 'the body is not UTF-8 (FHIR JSON is UTF-8, RFC 8259 section 8.1)',
      },
    ]);
    expect(refusal('[1]')).toEqual([
      {
        severity: 'error',
        code: 'structure',
        diagnostics: 'the body is not a JSON object (a FHIR resource)',
      },
    ]);
    expect(refusal(JSON.stringify(warning))).toEqual([
      {
        severity: 'error',
        code: 'invalid',
        diagnostics: 'the body is a OperationOutcome, not a Bundle',
        expression: ['Bundle.resourceType'],
      },
    ]);
    expect(refusal(JSON.stringify({ ...built, type: 'collection' }))).toEqual([
      {
        severity: 'error',
        code: 'invalid',
        diagnostics: 'the Bundle\'s type is "collection", not "searchset" (a search answer)',
        expression: ['Bundle.type'],
      },
    ]);
    expect(refusal(JSON.stringify({ ...built, total: 'two', colour: 'red' }))).toEqual([
      {
        severity: 'error',
        code: 'structure',
        diagnostics: "unknown element 'colour'",
        expression: ['Bundle'],
      },
      {
        severity: 'error',
        code: 'structure',
        diagnostics: 'must be number',
        expression: ['Bundle.total'],
      },
      // The official schema's unsignedInt pattern, as published (its alternation is unanchored).
      {
        severity: 'error',
        code: 'structure',
        diagnostics: 'must match pattern "^[0]|([1-9][0-9]*)$"',
        expression: ['Bundle.total'],
      },
    ]);
    const wrongOutcome = {
      ...built,
      entry: [{ fullUrl: 'urn:uuid:x', resource: doc('z'), search: { mode: 'outcome' } }],
    };
    expect(refusal(JSON.stringify(wrongOutcome))).toEqual([
      {
        severity: 'error',
        code: 'invalid',
        diagnostics: 'an entry with search.mode outcome is a DocumentReference, not an OperationOutcome',
        expression: ['Bundle.entry[0].resource'],
      },
    ]);
  });

  it('bounds bytes, nesting and entries before it validates', () => {
    const text = JSON.stringify(built);
    const limits = { maxBytes: 10_000, maxEntries: 1, maxDepth: 8 };
    expect(refusal('x'.repeat(10_001), limits)).toEqual([
      {
        severity: 'error',
        code: 'too-long',
        diagnostics: 'the Bundle is 10001 bytes, more than the 10000 accepted',
      },
    ]);
    expect(refusal(text, limits)).toEqual([
      {
        severity: 'error',
        code: 'too-costly',
        diagnostics: 'the Bundle has 2 entries, more than the 1 accepted',
        expression: ['Bundle.entry'],
      },
    ]);
    let deep: unknown = 1;
    for (let k = 0; k < 10; k++) deep = { url: 'x', extension: [deep] };
    expect(
      refusal(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', extension: [deep] }), limits),
    ).toEqual([
      { severity: 'error', code: 'too-long', diagnostics: 'the Bundle nests deeper than 8 levels' },
    ]);
  });
});
