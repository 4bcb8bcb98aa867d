import { describe, expect, it } from 'vitest';
import { without } from '../../test/helpers/without.js';
import {
  compareDtm,
  evaluateStoredQuery,
  inTimeRange,
  knowsPatient,
  likeMatches,
  matchesCodeFilter,
} from './stored-query.js';
import { DocumentEntryType, EntryStatus } from '../xca/constants.js';
import type { Coded, DocumentEntry } from '../xca/document-entry-model.js';
import type { FindDocumentsFilters, StoredQuery } from '../xca/stored-query-model.js';

const PATIENT = '9434765919^^^&2.16.840.1.113883.2.1.4.1&ISO';
const OTHER = '9999999999^^^&2.16.840.1.113883.2.1.4.1&ISO';
const DCM = '1.2.840.10008.2.16.4';
const SCT = '2.16.840.1.113883.6.96';
const code = (c: string, s: string): Coded => ({ code: c, codingScheme: s, displayName: c });

function entry(id: string, over: Partial<DocumentEntry> = {}): DocumentEntry {
  return {
    entryUUID: `urn:uuid:00000000-0000-5000-8000-00000000000${id}`,
    uniqueId: `1.2.3.${id}`,
    logicalID: `urn:uuid:00000000-0000-5000-8000-00000000000${id}`,
    objectType: DocumentEntryType.Stable,
    availabilityStatus: EntryStatus.Approved,
    patientId: PATIENT,
    sourcePatientId: PATIENT,
    sourcePatientInfo: [],
    title: `doc ${id}`,
    classCode: code('4201000179104', SCT),
    typeCode: code('303653007', SCT),
    formatCode: code('urn:ihe:rad:PDF', '1.3.6.1.4.1.19376.1.2.3'),
    practiceSettingCode: code('394914008', SCT),
    healthcareFacilityTypeCode: code('22232009', SCT),
    confidentialityCode: [code('N', '2.16.840.1.113883.5.25')],
    eventCodeList: [code('CT', DCM)],
    author: [{ authorPerson: '123^Smith^Jane^^^Dr', authorInstitution: ['Trust^^^^^^^^^SIM01'] }],
    creationTime: '20240315120000',
    serviceStartTime: '20240315090000',
    serviceStopTime: '20240315093000',
    languageCode: 'en-GB',
    mimeType: 'application/pdf',
    size: 1,
    hash: '0'.repeat(40),
    repositoryUniqueId: '1.2.3',
    homeCommunityId: 'urn:oid:1.2.3',
    referenceIdList: [`ACC${id}^^^&1.2.3&ISO^urn:ihe:iti:xds:2013:accession`],
    version: '1',
    ...over,
  };
}

const A = entry('1'); // CT, Approved, Stable, 2024-03-15
const B = entry('2', {
  eventCodeList: [code('MR', DCM), code('T-A0100', 'SRT')],
  typeCode: code('816077007', SCT),
  creationTime: '20231231235959',
  serviceStartTime: '20231231230000',
  serviceStopTime: '20231231233000',
  author: [{ authorPerson: '456^Jones^Tom^^^Dr', authorInstitution: [] }],
});
const C = entry('3', { availabilityStatus: EntryStatus.Deprecated });
const D = entry('4', { objectType: DocumentEntryType.OnDemand });
const E = entry('5', { patientId: OTHER });
const F = without(
  entry('6', { author: [{ authorInstitution: ['X'] }] }),
  'serviceStartTime',
  'serviceStopTime',
);
const ALL = [A, B, C, D, E, F];

const find = (f: Partial<FindDocumentsFilters> = {}): StoredQuery => ({
  name: 'FindDocuments',
  patientId: PATIENT,
  status: [EntryStatus.Approved],
  ...f,
});
const ids = (q: StoredQuery): string[] => evaluateStoredQuery(q, ALL).map((e) => e.title.slice(4));

describe('FindDocuments', () => {
  it.each<[string, Partial<FindDocumentsFilters>, string[]]>([
    ['patient + Approved, Stable by default', {}, ['1', '2', '6']],
    ['status OR', { status: [EntryStatus.Approved, EntryStatus.Deprecated] }, ['1', '2', '3', '6']],
    ['Deprecated only', { status: [EntryStatus.Deprecated] }, ['3']],
    ['objectType On-Demand', { objectType: [DocumentEntryType.OnDemand] }, ['4']],
    [
      'objectType both',
      { objectType: [DocumentEntryType.Stable, DocumentEntryType.OnDemand] },
      ['1', '2', '4', '6'],
    ],
    ['other patient', { patientId: OTHER }, ['5']],
    ['unknown patient', { patientId: '9000000009^^^&2.16.840.1.113883.2.1.4.1&ISO' }, []],
    ['patient id is an exact match', { patientId: '9434765919' }, []],
    [
      'typeCode OR',
      {
        typeCode: [
          [
            { code: '816077007', codingScheme: SCT },
            { code: 'nope', codingScheme: SCT },
          ],
        ],
      },
      ['2'],
    ],
    ['typeCode needs the scheme too', { typeCode: [[{ code: '816077007', codingScheme: 'other' }]] }, []],
    ['classCode', { classCode: [[{ code: '4201000179104', codingScheme: SCT }]] }, ['1', '2', '6']],
    ['eventCodeList single', { eventCodeList: [[{ code: 'CT', codingScheme: DCM }]] }, ['1', '6']],
    [
      'eventCodeList OR',
      {
        eventCodeList: [
          [
            { code: 'CT', codingScheme: DCM },
            { code: 'MR', codingScheme: DCM },
          ],
        ],
      },
      ['1', '2', '6'],
    ],
    [
      'eventCodeList AND of ORs, both present',
      { eventCodeList: [[{ code: 'MR', codingScheme: DCM }], [{ code: 'T-A0100', codingScheme: 'SRT' }]] },
      ['2'],
    ],
    [
      'eventCodeList AND of ORs, one absent',
      { eventCodeList: [[{ code: 'CT', codingScheme: DCM }], [{ code: 'T-A0100', codingScheme: 'SRT' }]] },
      [],
    ],
    [
      'eventCodeList AND of ORs, OR inside each',
      {
        eventCodeList: [
          [
            { code: 'CT', codingScheme: DCM },
            { code: 'MR', codingScheme: DCM },
          ],
          [
            { code: 'T-A0100', codingScheme: 'SRT' },
            { code: 'x', codingScheme: 'y' },
          ],
        ],
      },
      ['2'],
    ],
    [
      'confidentialityCode',
      { confidentialityCode: [[{ code: 'N', codingScheme: '2.16.840.1.113883.5.25' }]] },
      ['1', '2', '6'],
    ],
    ['empty OR list matches nothing', { eventCodeList: [[]] }, []],
    ['creationTime From inclusive (exact instant)', { creationTime: { from: '20240315120000' } }, ['1', '6']],
    ['creationTime From one second later', { creationTime: { from: '20240315120001' } }, []],
    ['creationTime To exclusive (exact instant)', { creationTime: { to: '20240315120000' } }, ['2']],
    ['creationTime To one second later', { creationTime: { to: '20240315120001' } }, ['1', '2', '6']],
    ['creationTime year prefix From', { creationTime: { from: '2024' } }, ['1', '6']],
    ['creationTime year prefix To', { creationTime: { to: '2024' } }, ['2']],
    ['creationTime day range', { creationTime: { from: '20240315', to: '20240316' } }, ['1', '6']],
    ['creationTime same-day To excludes the day', { creationTime: { from: '20240315', to: '20240315' } }, []],
    ['serviceStartTime excludes entries without it', { serviceStartTime: { from: '2000' } }, ['1', '2']],
    ['serviceStartTime To', { serviceStartTime: { to: '202401' } }, ['2']],
    ['serviceStopTime hour precision', { serviceStopTime: { from: '2024031509', to: '2024031510' } }, ['1']],
    ['empty time range is no filter', { serviceStartTime: {} }, ['1', '2', '6']],
    ['authorPerson %', { authorPerson: ['%Smith%'] }, ['1']],
    ['authorPerson _', { authorPerson: ['45_^Jones%'] }, ['2']],
    ['authorPerson OR', { authorPerson: ['%Smith%', '%Jones%'] }, ['1', '2']],
    ['authorPerson is case-sensitive and whole-value', { authorPerson: ['smith', 'Smith'] }, []],
    [
      'all filters AND',
      {
        typeCode: [[{ code: '303653007', codingScheme: SCT }]],
        creationTime: { from: '2024' },
        authorPerson: ['%Smith%'],
      },
      ['1'],
    ],
  ])('%s', (_name, filters, expected) => {
    expect(ids(find(filters))).toEqual(expected);
  });
});

describe('FindDocumentsByReferenceId', () => {
  it.each<[string, string[], Partial<FindDocumentsFilters>, string[]]>([
    ['one reference', ['ACC1^^^&1.2.3&ISO^urn:ihe:iti:xds:2013:accession'], {}, ['1']],
    [
      'OR of references',
      [
        'ACC1^^^&1.2.3&ISO^urn:ihe:iti:xds:2013:accession',
        'ACC2^^^&1.2.3&ISO^urn:ihe:iti:xds:2013:accession',
      ],
      {},
      ['1', '2'],
    ],
    ['FindDocuments filters still apply', ['ACC3^^^&1.2.3&ISO^urn:ihe:iti:xds:2013:accession'], {}, []],
    [
      'with status Deprecated',
      ['ACC3^^^&1.2.3&ISO^urn:ihe:iti:xds:2013:accession'],
      { status: [EntryStatus.Deprecated] },
      ['3'],
    ],
    ['exact value match only', ['ACC1'], {}, []],
  ])('%s', (_name, referenceIdList, filters, expected) => {
    expect(
      ids({ ...find(filters), name: 'FindDocumentsByReferenceId', referenceIdList } as StoredQuery),
    ).toEqual(expected);
  });
});

describe('GetDocuments', () => {
  it.each<[string, StoredQuery, string[]]>([
    ['by entryUUID', { name: 'GetDocuments', by: 'entryUUID', ids: [B.entryUUID, D.entryUUID] }, ['2', '4']],
    [
      'by uniqueId, any status or patient',
      { name: 'GetDocuments', by: 'uniqueId', ids: ['1.2.3.3', '1.2.3.5', '9.9'] },
      ['3', '5'],
    ],
    ['uniqueId is not an entryUUID', { name: 'GetDocuments', by: 'entryUUID', ids: ['1.2.3.1'] }, []],
  ])('%s', (_name, q, expected) => {
    expect(ids(q)).toEqual(expected);
  });
});

describe('NoDocumentEntries', () => {
  it('returns nothing', () => {
    expect(
      evaluateStoredQuery({ name: 'NoDocumentEntries', queryId: 'urn:uuid:x', patientId: PATIENT }, ALL),
    ).toEqual([]);
  });
});

describe('building blocks', () => {
  it.each([
    ['20240315120000', '2024', 0],
    ['20240315120000', '2025', -1],
    ['2024', '20231231235959', 1],
    ['202403', '202403', 0],
  ])('compareDtm(%s, %s) = %i', (a, b, sign) => {
    expect(Math.sign(compareDtm(a, b))).toBe(sign);
  });

  it.each<[string | undefined, { from?: string; to?: string }, boolean]>([
    ['20240315120000', { from: '2024', to: '202404' }, true],
    ['20240401000000', { from: '2024', to: '202404' }, false],
    ['20231231235959', { from: '2024' }, false],
    [undefined, { from: '2024' }, false],
    [undefined, {}, true],
  ])('inTimeRange(%s, %j) = %s', (v, r, ok) => {
    expect(inTimeRange(v, r)).toBe(ok);
  });

  it.each([
    ['abc', 'abc', true],
    ['abc', 'a%', true],
    ['abc', '%c', true],
    ['abc', 'a_c', true],
    ['abc', 'a_', false],
    ['a.c', 'a.c', true],
    ['abc', 'a.c', false],
    ['a(b)c', 'a(b)%', true],
    ['', '%', true],
  ])('likeMatches(%j, %j) = %s', (v, p, ok) => {
    expect(likeMatches(v, p)).toBe(ok);
  });

  it('matchesCodeFilter: AND across slots, OR within', () => {
    const codes = [code('a', 's'), code('b', 's')];
    expect(
      matchesCodeFilter(codes, [[{ code: 'a', codingScheme: 's' }], [{ code: 'b', codingScheme: 's' }]]),
    ).toBe(true);
    expect(
      matchesCodeFilter(codes, [[{ code: 'a', codingScheme: 's' }], [{ code: 'c', codingScheme: 's' }]]),
    ).toBe(false);
    expect(matchesCodeFilter(codes, [])).toBe(true);
  });

  it('knowsPatient matches the patientId CX exactly', () => {
    expect(knowsPatient(ALL, OTHER)).toBe(true);
    expect(knowsPatient(ALL, '9000000009^^^&2.16.840.1.113883.2.1.4.1&ISO')).toBe(false);
    expect(knowsPatient(ALL, '9434765919')).toBe(false);
    expect(knowsPatient([], PATIENT)).toBe(false);
  });
});
