import { describe, expect, it } from 'vitest';
import { readDoc } from '../../test/helpers/docs.js';
import { SEARCH_PARAMETERS } from './search-parameters.js';
import {
  parseDateValue,
  splitOr,
  parseToken,
  SearchValueError,
  fhirDateFromDtm,
} from './search-parameters-values.js';

describe('docs/mhd.md "ITI-67 search parameters"', () => {
  it('has one row per served parameter, in the order of the table in the code', () => {
    const text = readDoc('docs/mhd.md');
    const marker = '<!-- nir-sim:table iti67-search-parameters -->';
    const at = text.indexOf(marker);
    expect(at).toBeGreaterThan(0);
    const lines = text
      .slice(at + marker.length)
      .trimStart()
      .split('\n');
    const table = lines.slice(
      0,
      lines.findIndex((l) => !l.startsWith('|')),
    );
    const rows = table.slice(2);
    expect(rows.map((r) => /^\| `([^`]+)` \|/.exec(r)?.[1])).toEqual(SEARCH_PARAMETERS.map((p) => p.name));
    for (const [i, p] of SEARCH_PARAMETERS.entries()) {
      const xds = /\$XDSDocumentEntry\w+/.exec(p.xds)?.[0];
      if (xds !== undefined) expect(rows[i], p.name).toContain(xds);
    }
  });
});

describe('FHIR search value syntax', () => {
  it('splits OR values at unescaped commas and tokens at the first unescaped bar', () => {
    expect(splitOr('a,b\\,c,d')).toEqual(['a', 'b\\,c', 'd']);
    expect(parseToken('s\\|x|c\\,1')).toEqual({ system: 's|x', code: 'c,1' });
    expect(parseToken('|c')).toEqual({ system: '', code: 'c' });
    expect(parseToken('c')).toEqual({ system: undefined, code: 'c' });
    expect(() => parseToken('s|')).toThrow(new SearchValueError("token 's|' has a system but no code"));
    expect(() => parseToken('c\\')).toThrow(
      new SearchValueError("value 'c\\' ends with a lone escape character \\"),
    );
  });

  it.each([
    ['2024', { prefix: 'eq', start: '2024', end: '2025' }],
    ['le2024-02', { prefix: 'le', start: '202402', end: '202403' }],
    ['2024-02-29', { prefix: 'eq', start: '20240229', end: '20240301' }],
    ['gt2024-12-31T23:59Z', { prefix: 'gt', start: '202412312359', end: '202501010000' }],
    ['2024-01-01T00:30:00-01:30', { prefix: 'eq', start: '20240101020000', end: '20240101020001' }],
    ['9999', { prefix: 'eq', start: '9999', end: undefined }],
    ['9999-12-31', { prefix: 'eq', start: '99991231', end: undefined }],
  ])('date %s is the DTM range %j', (text, expected) => {
    expect(parseDateValue(text)).toEqual(expected);
  });

  it.each([
    ['2023-02-29', "value '2023-02-29': 2023-02-29 is not a calendar date"],
    ['2024-01-01T24:00Z', "value '2024-01-01T24:00Z': time 24:00 is out of range"],
    ['2024-01-01T10:00+15:00', "value '2024-01-01T10:00+15:00': offset +15:00 is beyond ±14:00"],
    ['0000', "value '0000': year 0000 does not exist"],
    ['0099-01-01', "value '0099-01-01': years before 0100 are not accepted with a day"],
    [
      '9999-12-31T23:00-05:00',
      "value '9999-12-31T23:00-05:00' is outside the years 0100-9999 once turned to UTC",
    ],
    ['20240101', "value '20240101' is not a FHIR date [prefix]YYYY[-MM[-DD[Thh:mm[:ss[.s]][Z|(+|-)hh:mm]]]]"],
  ])('date %s is refused', (text, message) => {
    expect(() => parseDateValue(text)).toThrow(new SearchValueError(message));
  });

  it('writes a DTM as the FHIR date of the same precision', () => {
    expect(
      ['2024', '202405', '20240501', '2024050110', '202405011020', '20240501102030'].map(fhirDateFromDtm),
    ).toEqual([
      '2024',
      '2024-05',
      '2024-05-01',
      '2024-05-01T10:00Z',
      '2024-05-01T10:20Z',
      '2024-05-01T10:20:30Z',
    ]);
  });
});
