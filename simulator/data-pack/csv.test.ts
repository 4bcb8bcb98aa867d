import { describe, expect, it } from 'vitest';
import { PATIENTS_CSV_HEADER, formatCsvField, formatPatientsCsv, parseCsv, parsePatientsCsv } from './csv.js';
import type { PatientRow } from './pack-format.js';

const row = (over: Partial<PatientRow> = {}): PatientRow => ({
  nhsNumber: '9434765919',
  givenName: 'Ada',
  familyName: "O'Neill",
  birthDate: '1970-01-02',
  gender: 'female',
  postcode: 'NE1 4ST',
  homeCommunityIds: ['urn:oid:1.2.3.1', 'urn:oid:1.2.3.2'],
  documentCount: 5,
  ...over,
});

describe('RFC 4180 fields', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['', ''],
  ])('%j -> %j', (value, field) => {
    expect(formatCsvField(value)).toBe(field);
  });

  it('parses quoted fields, doubled quotes, embedded line breaks, CRLF and LF', () => {
    expect(parseCsv('a,"b,c","d ""e"""\r\n"x\r\ny",,z\nlast')).toEqual([
      ['a', 'b,c', 'd "e"'],
      ['x\r\ny', '', 'z'],
      ['last'],
    ]);
  });

  it('rejects an unterminated quote and a quote inside an unquoted field', () => {
    expect(() => parseCsv('"abc')).toThrow(/unterminated/);
    expect(() => parseCsv('ab"c"')).toThrow(/quote inside/);
  });
});

describe('patients.csv', () => {
  it('writes the exact header and CRLF records', () => {
    const text = formatPatientsCsv([row()]);
    expect(text.split('\r\n')[0]).toBe(
      'nhs_number,given_name,family_name,birth_date,gender,postcode,home_community_ids,document_count',
    );
    expect(text).toBe(
      `${PATIENTS_CSV_HEADER.join(',')}\r\n9434765919,Ada,O'Neill,1970-01-02,female,NE1 4ST,urn:oid:1.2.3.1;urn:oid:1.2.3.2,5\r\n`,
    );
  });

  it('round-trips rows, including names that need quoting and patients in no community', () => {
    const rows = [
      row(),
      row({ nhsNumber: '9999999999', familyName: 'Smith, "Jr"', homeCommunityIds: [], documentCount: 0 }),
    ];
    expect(parsePatientsCsv(formatPatientsCsv(rows))).toEqual({ rows, problems: [] });
  });

  it('reports a wrong header', () => {
    expect(parsePatientsCsv('nhs,given\r\n1,2\r\n').problems).toEqual([
      `patients.csv: header must be exactly ${PATIENTS_CSV_HEADER.join(',')}`,
    ]);
  });

  it('reports every bad line', () => {
    const text = `${PATIENTS_CSV_HEADER.join(',')}\r\n9434765919,A,B,1970-1-2,man,P,,x\r\n1,2\r\n`;
    expect(parsePatientsCsv(text).problems).toEqual([
      'patients.csv line 2: gender must be one of male/female/other',
      'patients.csv line 2: birth_date must be YYYY-MM-DD',
      'patients.csv line 2: document_count must be a whole number',
      'patients.csv line 3: expected 8 fields, found 2',
    ]);
  });
});
