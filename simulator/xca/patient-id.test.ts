import { describe, expect, it } from 'vitest';
import { nhsNumberFromPatientId, nhsNumberToCx, parseCx, patientIdProblemText } from './patient-id.js';

const NHS_OID = '2.16.840.1.113883.2.1.4.1';

describe('nhsNumberToCx', () => {
  it('builds the affinity-domain CX', () => {
    expect(nhsNumberToCx('9434765919')).toBe(`9434765919^^^&${NHS_OID}&ISO`);
    expect(nhsNumberToCx('943 476 5919')).toBe(`9434765919^^^&${NHS_OID}&ISO`);
  });
  it('throws RangeError when not ten digits', () => {
    expect(() => nhsNumberToCx('12345')).toThrow(RangeError);
  });
});

describe('parseCx', () => {
  it.each([
    [
      `9434765919^^^&${NHS_OID}&ISO`,
      { id: '9434765919', assigningAuthorityOid: NHS_OID, assigningAuthorityType: 'ISO' },
    ],
    ['abc^^^NS&1.2.3&ISO^MR', { id: 'abc', assigningAuthorityOid: '1.2.3', assigningAuthorityType: 'ISO' }],
    ['9434765919', { id: '9434765919' }],
    ['9434765919^^^', { id: '9434765919' }],
    ['9434765919^^^&1.2.3', { id: '9434765919', assigningAuthorityOid: '1.2.3' }],
  ])('%j', (cx, parsed) => {
    expect(parseCx(cx)).toEqual(parsed);
  });

  it.each([
    '',
    '^^^&1.2.3&ISO',
    ' 9434765919^^^&1.2&ISO',
    '9434765919^^^&1.2&ISO\n',
    'a~b',
    'x^^^a&b&c&d',
    'a&b^^^&1.2&ISO',
  ])('returns undefined for %j', (cx) => {
    expect(parseCx(cx)).toBeUndefined();
  });
});

describe('nhsNumberFromPatientId', () => {
  it.each([
    [`9434765919^^^&${NHS_OID}&ISO`, { ok: true, nhsNumber: '9434765919' }],
    [`9999999999^^^&${NHS_OID}&ISO`, { ok: true, nhsNumber: '9999999999' }],
    ['', { ok: false, reason: 'not-cx' }],
    [`  9434765919^^^&${NHS_OID}&ISO`, { ok: false, reason: 'not-cx' }],
    ['9434765919', { ok: false, reason: 'wrong-authority' }],
    ['9434765919^^^&1.2.3.4&ISO', { ok: false, reason: 'wrong-authority' }],
    [`9434765919^^^&${NHS_OID}&DNS`, { ok: false, reason: 'wrong-authority' }],
    [`943476591^^^&${NHS_OID}&ISO`, { ok: false, reason: 'bad-format' }],
    [`943 476 5919^^^&${NHS_OID}&ISO`, { ok: false, reason: 'bad-format' }],
    [`abcdefghij^^^&${NHS_OID}&ISO`, { ok: false, reason: 'bad-format' }],
    [`9999999991^^^&${NHS_OID}&ISO`, { ok: false, reason: 'bad-check-digit' }],
    [`9990000000^^^&${NHS_OID}&ISO`, { ok: false, reason: 'bad-check-digit' }],
  ])('%j', (cx, result) => {
    expect(nhsNumberFromPatientId(cx)).toEqual(result);
  });

  it('has an explanation for every reason', () => {
    expect(Object.keys(patientIdProblemText).sort()).toEqual([
      'bad-check-digit',
      'bad-format',
      'not-cx',
      'wrong-authority',
    ]);
  });
});
