import { describe, expect, it } from 'vitest';
import { DocumentEntryType, ErrorCode, ErrorSeverity, StoredQueryId } from './constants.js';
import {
  MAX_QUERY_SLOTS,
  MAX_SLOT_VALUES,
  parseStoredQuery,
  storedQueryPatientId,
  type StoredQueryResult,
} from './stored-query.js';
import type { AdhocQueryRequest } from './types.js';
import {
  expectStoredQuery as check,
  type ExpectedStoredQuery as Expected,
} from './test-support/xca-fixtures.js';

const APPROVED = 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved';
const DEPRECATED = 'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated';
const PID = "'9434765919^^^&2.16.840.1.113883.2.1.4.1&ISO'";
const PID_VALUE = '9434765919^^^&2.16.840.1.113883.2.1.4.1&ISO';

function q(queryId: string, ...slots: [string, ...string[]][]): AdhocQueryRequest {
  return {
    returnType: 'LeafClass',
    returnComposedObjects: true,
    queryId,
    slots: slots.map(([name, ...values]) => ({ name, values })),
  };
}
const findDocs = (...extra: [string, ...string[]][]): AdhocQueryRequest =>
  q(
    StoredQueryId.FindDocuments,
    ['$XDSDocumentEntryPatientId', PID],
    ['$XDSDocumentEntryStatus', `('${APPROVED}')`],
    ...extra,
  );

const E = ErrorCode;
const cases: [string, AdhocQueryRequest, Expected][] = [
  [
    'FindDocuments with every filter',
    findDocs(
      ['$XDSDocumentEntryClassCode', "('IMAGES^^1.3.6.1.4.1.19376.1.2.6.1')"],
      ['$XDSDocumentEntryTypeCode', "('18748-4^^2.16.840.1.113883.6.1')"],
      ['$XDSDocumentEntryPracticeSettingCode', "('394914008^^2.16.840.1.113883.6.96')"],
      ['$XDSDocumentEntryHealthcareFacilityTypeCode', "('22232009^^2.16.840.1.113883.6.96')"],
      ['$XDSDocumentEntryFormatCode', "('1.2.840.10008.5.1.4.1.1.88.59^^1.2.840.10008.2.6.1')"],
      ['$XDSDocumentEntryEventCodeList', "('CT^^DCM','MR^^DCM')"],
      ['$XDSDocumentEntryEventCodeList', "('T-D1100^^SRT')"],
      [
        '$XDSDocumentEntryConfidentialityCode',
        "('N^^2.16.840.1.113883.5.25')",
        "('R^^2.16.840.1.113883.5.25')",
      ],
      ['$XDSDocumentEntryCreationTimeFrom', '20240101'],
      ['$XDSDocumentEntryCreationTimeTo', '202402011200'],
      ['$XDSDocumentEntryServiceStartTimeFrom', '2023'],
      ['$XDSDocumentEntryServiceStopTimeTo', '20250101000000'],
      ['$XDSDocumentEntryAuthorPerson', "('%Jones%', '%O''Brien%')"],
      ['$XDSDocumentEntryType', `('${DocumentEntryType.Stable}','${DocumentEntryType.OnDemand}')`],
      ['$MetadataLevel', '1'],
      ['$SomethingUnknown', 'ignored'],
    ),
    {
      query: {
        name: 'FindDocuments',
        patientId: PID_VALUE,
        status: [APPROVED],
        classCode: [[{ code: 'IMAGES', codingScheme: '1.3.6.1.4.1.19376.1.2.6.1' }]],
        typeCode: [[{ code: '18748-4', codingScheme: '2.16.840.1.113883.6.1' }]],
        practiceSettingCode: [[{ code: '394914008', codingScheme: '2.16.840.1.113883.6.96' }]],
        healthcareFacilityTypeCode: [[{ code: '22232009', codingScheme: '2.16.840.1.113883.6.96' }]],
        formatCode: [[{ code: '1.2.840.10008.5.1.4.1.1.88.59', codingScheme: '1.2.840.10008.2.6.1' }]],
        eventCodeList: [
          [
            { code: 'CT', codingScheme: 'DCM' },
            { code: 'MR', codingScheme: 'DCM' },
          ],
          [{ code: 'T-D1100', codingScheme: 'SRT' }],
        ],
        confidentialityCode: [
          [
            { code: 'N', codingScheme: '2.16.840.1.113883.5.25' },
            { code: 'R', codingScheme: '2.16.840.1.113883.5.25' },
          ],
        ],
        creationTime: { from: '20240101', to: '202402011200' },
        serviceStartTime: { from: '2023' },
        serviceStopTime: { to: '20250101000000' },
        authorPerson: ['%Jones%', "%O'Brien%"],
        objectType: [DocumentEntryType.Stable, DocumentEntryType.OnDemand],
      },
    },
  ],
  [
    'an upper-case query id',
    { ...findDocs(), queryId: StoredQueryId.FindDocuments.toUpperCase() },
    { query: { name: 'FindDocuments', patientId: PID_VALUE, status: [APPROVED] } },
  ],
  [
    'FindDocumentsByReferenceId over several Values',
    q(
      StoredQueryId.FindDocumentsByReferenceId,
      ['$XDSDocumentEntryPatientId', PID],
      ['$XDSDocumentEntryStatus', `('${APPROVED}', '${DEPRECATED}')`],
      [
        '$XDSDocumentEntryReferenceIdList',
        "('A1^^^&1.2&ISO^urn:ihe:iti:xds:2013:accession')",
        "('S1^^^^urn:ihe:iti:xds:2016:studyInstanceUID')",
      ],
    ),
    {
      query: {
        name: 'FindDocumentsByReferenceId',
        patientId: PID_VALUE,
        status: [APPROVED, DEPRECATED],
        referenceIdList: [
          'A1^^^&1.2&ISO^urn:ihe:iti:xds:2013:accession',
          'S1^^^^urn:ihe:iti:xds:2016:studyInstanceUID',
        ],
      },
    },
  ],
  [
    'FindDocumentsByReferenceId without the reference list',
    { ...findDocs(), queryId: StoredQueryId.FindDocumentsByReferenceId },
    {
      error: E.XDSStoredQueryMissingParam,
      context:
        /^FindDocumentsByReferenceId: required parameter \$XDSDocumentEntryReferenceIdList is missing$/,
    },
  ],
  [
    'GetDocuments by entryUUID',
    q(StoredQueryId.GetDocuments, ['$XDSDocumentEntryEntryUUID', "('urn:uuid:a', 'urn:uuid:b')"]),
    { query: { name: 'GetDocuments', by: 'entryUUID', ids: ['urn:uuid:a', 'urn:uuid:b'] } },
  ],
  [
    'GetDocuments by uniqueId',
    q(StoredQueryId.GetDocuments, ['$XDSDocumentEntryUniqueId', "('1.2.3')", "('1.2.4')"]),
    { query: { name: 'GetDocuments', by: 'uniqueId', ids: ['1.2.3', '1.2.4'] } },
  ],
  [
    'GetDocuments with both id parameters',
    q(
      StoredQueryId.GetDocuments,
      ['$XDSDocumentEntryUniqueId', "('1.2.3')"],
      ['$XDSDocumentEntryEntryUUID', "('urn:uuid:a')"],
    ),
    {
      error: E.XDSStoredQueryParamNumber,
      context: /both \$XDSDocumentEntryEntryUUID and \$XDSDocumentEntryUniqueId/,
    },
  ],
  [
    'GetDocuments with neither id parameter',
    q(StoredQueryId.GetDocuments),
    {
      error: E.XDSStoredQueryParamNumber,
      context: /neither \$XDSDocumentEntryEntryUUID nor \$XDSDocumentEntryUniqueId/,
    },
  ],
  [
    'GetDocuments with an unquoted id',
    q(StoredQueryId.GetDocuments, ['$XDSDocumentEntryUniqueId', '(1.2.3)']),
    {
      error: E.XDSRegistryError,
      context:
        /^Parameter \$XDSDocumentEntryUniqueId: value \(1\.2\.3\): item 1\.2\.3 is not a quoted string/,
    },
  ],
  [
    'no patient id',
    q(StoredQueryId.FindDocuments, ['$XDSDocumentEntryStatus', `('${APPROVED}')`]),
    {
      error: E.XDSStoredQueryMissingParam,
      context: /^FindDocuments: required parameter \$XDSDocumentEntryPatientId is missing$/,
    },
  ],
  [
    'two patient id Values',
    q(
      StoredQueryId.FindDocuments,
      ['$XDSDocumentEntryPatientId', PID, PID],
      ['$XDSDocumentEntryStatus', `('${APPROVED}')`],
    ),
    {
      error: E.XDSStoredQueryParamNumber,
      context: /\$XDSDocumentEntryPatientId takes one value but has 2 Value elements/,
    },
  ],
  [
    'a patient id list of two',
    q(
      StoredQueryId.FindDocuments,
      ['$XDSDocumentEntryPatientId', `(${PID},${PID})`],
      ['$XDSDocumentEntryStatus', `('${APPROVED}')`],
    ),
    { error: E.XDSStoredQueryParamNumber, context: /takes one value but is given a list of 2/ },
  ],
  [
    'a patient id list of one',
    q(
      StoredQueryId.FindDocuments,
      ['$XDSDocumentEntryPatientId', `(${PID})`],
      ['$XDSDocumentEntryStatus', `('${APPROVED}')`],
    ),
    {
      error: E.XDSRegistryError,
      context: /\$XDSDocumentEntryPatientId: value .* is a list; the parameter takes a single quoted string/,
    },
  ],
  [
    'two patient id Slots',
    findDocs(['$XDSDocumentEntryPatientId', PID]),
    { error: E.XDSStoredQueryParamNumber, context: /\$XDSDocumentEntryPatientId is given in 2 Slots/ },
  ],
  [
    'an empty patient id',
    q(
      StoredQueryId.FindDocuments,
      ['$XDSDocumentEntryPatientId', "''"],
      ['$XDSDocumentEntryStatus', `('${APPROVED}')`],
    ),
    { error: E.XDSRegistryError, context: /empty patient id/ },
  ],
  [
    'a status Slot without Value',
    q(StoredQueryId.FindDocuments, ['$XDSDocumentEntryPatientId', PID], ['$XDSDocumentEntryStatus']),
    { error: E.XDSStoredQueryParamNumber, context: /\$XDSDocumentEntryStatus has a Slot without any Value/ },
  ],
  [
    'a ResponseStatusType in place of a StatusType',
    q(
      StoredQueryId.FindDocuments,
      ['$XDSDocumentEntryPatientId', PID],
      ['$XDSDocumentEntryStatus', "('urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Approved')"],
    ),
    { error: E.XDSRegistryError, context: /is not a StatusType URN/ },
  ],
  [
    'a repeated ClassCode Slot (no AND for classCode)',
    findDocs(['$XDSDocumentEntryClassCode', "('a^^b')"], ['$XDSDocumentEntryClassCode', "('c^^d')"]),
    {
      error: E.XDSStoredQueryParamNumber,
      context:
        /\$XDSDocumentEntryClassCode is given in 2 Slots; only \$XDSDocumentEntryEventCodeList and \$XDSDocumentEntryConfidentialityCode may repeat/,
    },
  ],
  [
    'a coded value without ^^',
    findDocs(['$XDSDocumentEntryTypeCode', "('18748-4')"]),
    {
      error: E.XDSRegistryError,
      context:
        /\$XDSDocumentEntryTypeCode: value '18748-4' is not a coded value 'code\^\^codingScheme' \(no \^\^\)/,
    },
  ],
  [
    'a quoted time',
    findDocs(['$XDSDocumentEntryCreationTimeFrom', "'20240101'"]),
    {
      error: E.XDSRegistryError,
      context: /\$XDSDocumentEntryCreationTimeFrom: value '20240101' is not an unquoted number/,
    },
  ],
  [
    'a time of odd length',
    findDocs(['$XDSDocumentEntryServiceStopTimeTo', '202401011']),
    { error: E.XDSRegistryError, context: /is not an unquoted DTM time/ },
  ],
  [
    'an unknown objectType',
    findDocs(['$XDSDocumentEntryType', "('urn:uuid:0')"]),
    {
      error: E.XDSRegistryError,
      context: /\$XDSDocumentEntryType: value 'urn:uuid:0' is not a DocumentEntry objectType UUID/,
    },
  ],
  [
    'an authorPerson without list syntax',
    findDocs(['$XDSDocumentEntryAuthorPerson', "'%Jones%'"]),
    {
      error: E.XDSRegistryError,
      context: /\$XDSDocumentEntryAuthorPerson: value '%Jones%' is not a list in parentheses/,
    },
  ],
  [
    'an unknown query id',
    q('urn:uuid:00000000-0000-0000-0000-000000000000'),
    {
      error: E.XDSUnknownStoredQuery,
      context: /Unknown stored query id urn:uuid:00000000-0000-0000-0000-000000000000/,
    },
  ],
  [
    'FindDocumentsForMultiplePatients (ITI-51, not XCA)',
    q('urn:uuid:3d1bdb10-39a2-11de-89c2-2f44d94eaa9f'),
    { error: E.XDSUnknownStoredQuery, context: /Unknown stored query id/ },
  ],
  [
    'FindSubmissionSets',
    q(
      StoredQueryId.FindSubmissionSets,
      ['$XDSSubmissionSetPatientId', PID],
      ['$XDSSubmissionSetStatus', `('${APPROVED}')`],
    ),
    { query: { name: 'NoDocumentEntries', queryId: StoredQueryId.FindSubmissionSets, patientId: PID_VALUE } },
  ],
  [
    'GetAll',
    q(StoredQueryId.GetAll, ['$patientId', PID]),
    { query: { name: 'NoDocumentEntries', queryId: StoredQueryId.GetAll, patientId: PID_VALUE } },
  ],
  [
    'GetFolders',
    q(StoredQueryId.GetFolders, ['$XDSFolderEntryUUID', "('urn:uuid:f')"]),
    { query: { name: 'NoDocumentEntries', queryId: StoredQueryId.GetFolders } },
  ],
];

describe('parseStoredQuery', () => {
  it.each(cases)('%s', (_name, req, expected) => {
    check(parseStoredQuery(req), expected);
  });

  it('covers every association / folder / submission-set query id', () => {
    const others = Object.entries(StoredQueryId).filter(
      ([n]) => !['FindDocuments', 'FindDocumentsByReferenceId', 'GetDocuments'].includes(n),
    );
    for (const [, id] of others)
      expect(parseStoredQuery(q(id))).toEqual({
        ok: true,
        query: { name: 'NoDocumentEntries', queryId: id },
      });
  });
});

describe('storedQueryPatientId', () => {
  it.each<[string, AdhocQueryRequest, string | undefined]>([
    ['FindDocuments', findDocs(), PID_VALUE],
    [
      'FindSubmissionSets',
      q(StoredQueryId.FindSubmissionSets, ['$XDSSubmissionSetPatientId', PID]),
      PID_VALUE,
    ],
    ['FindFolders', q(StoredQueryId.FindFolders, ['$XDSFolderPatientId', PID]), PID_VALUE],
    ['GetAll', q(StoredQueryId.GetAll, ['$patientId', "'x''y'"]), "x'y"],
    ['GetDocuments', q(StoredQueryId.GetDocuments, ['$XDSDocumentEntryUniqueId', "('1.2')"]), undefined],
    [
      'an unquoted patient id',
      q(StoredQueryId.FindDocuments, ['$XDSDocumentEntryPatientId', 'abc']),
      undefined,
    ],
  ])('%s', (_name, req, expected) => {
    expect(storedQueryPatientId(req)).toBe(expected);
  });
});

describe('parseStoredQuery: limits on Slots and values', () => {
  const paramNumber = (codeContext: string): StoredQueryResult => ({
    ok: false,
    error: { errorCode: E.XDSStoredQueryParamNumber, codeContext, severity: ErrorSeverity.Error },
  });
  const unknownSlots = (n: number): [string, string][] =>
    Array.from({ length: n }, (_, i): [string, string] => [`$Unknown${i}`, "'x'"]);
  const codes = (n: number): string[] => Array.from({ length: n }, (_, i) => `'c${i}^^s'`);

  it(`accepts ${MAX_QUERY_SLOTS} Slots and answers one more with XDSStoredQueryParamNumber`, () => {
    expect(MAX_QUERY_SLOTS).toBe(100);
    expect(parseStoredQuery(findDocs(...unknownSlots(MAX_QUERY_SLOTS - 2))).ok).toBe(true);
    expect(parseStoredQuery(findDocs(...unknownSlots(MAX_QUERY_SLOTS - 1)))).toEqual(
      paramNumber('AdhocQuery has 101 Slots; at most 100 are accepted (MAX_QUERY_SLOTS)'),
    );
  });

  // 80,000 repeated ClassCode Slots froze the process for a minute (quadratic grouping).
  it('answers 80,000 repeated ClassCode Slots with the Slot limit', () => {
    const req = findDocs();
    for (let i = 0; i < 80_000; i++)
      req.slots.push({ name: '$XDSDocumentEntryClassCode', values: ["('a^^b')"] });
    expect(parseStoredQuery(req)).toEqual(
      paramNumber('AdhocQuery has 80002 Slots; at most 100 are accepted (MAX_QUERY_SLOTS)'),
    );
  });

  it('keeps every repetition of an AND parameter, in order, up to the Slot limit', () => {
    const slots = Array.from({ length: 98 }, (_, i): [string, string] => [
      '$XDSDocumentEntryEventCodeList',
      `('e${i}^^s')`,
    ]);
    const r = parseStoredQuery(findDocs(...slots));
    expect(r.ok && r.query.name === 'FindDocuments' && r.query.eventCodeList).toEqual(
      Array.from({ length: 98 }, (_, i) => [{ code: `e${i}`, codingScheme: 's' }]),
    );
  });

  it(`accepts ${MAX_SLOT_VALUES} rim:Value elements in a Slot and answers one more naming the parameter`, () => {
    expect(MAX_SLOT_VALUES).toBe(1_000);
    const ok = parseStoredQuery(
      findDocs(['$XDSDocumentEntryClassCode', ...codes(MAX_SLOT_VALUES).map((c) => `(${c})`)]),
    );
    expect(ok.ok && ok.query.name === 'FindDocuments' && ok.query.classCode?.[0]).toHaveLength(1_000);
    expect(
      parseStoredQuery(
        findDocs(['$XDSDocumentEntryClassCode', ...codes(MAX_SLOT_VALUES + 1).map((c) => `(${c})`)]),
      ),
    ).toEqual(
      paramNumber(
        'Parameter $XDSDocumentEntryClassCode has 1001 Value elements; at most 1000 are accepted (MAX_SLOT_VALUES)',
      ),
    );
  });

  it.each([
    ['a code list', '$XDSDocumentEntryClassCode'],
    ['a string list', '$XDSDocumentEntryAuthorPerson'],
  ])('answers %s of more than MAX_SLOT_VALUES items in one rim:Value naming the parameter', (_n, name) => {
    expect(parseStoredQuery(findDocs([name, `(${codes(MAX_SLOT_VALUES).join(',')})`])).ok).toBe(true);
    expect(parseStoredQuery(findDocs([name, `(${codes(5_000).join(',')})`]))).toEqual(
      paramNumber(`Parameter ${name} has 5000 list items; at most 1000 are accepted (MAX_SLOT_VALUES)`),
    );
  });

  it('answers GetDocuments asking for more than MAX_SLOT_VALUES documents', () => {
    const ids = Array.from({ length: 1_001 }, (_, i) => `'urn:uuid:${i}'`).join(',');
    expect(
      parseStoredQuery(q(StoredQueryId.GetDocuments, ['$XDSDocumentEntryEntryUUID', `(${ids})`])),
    ).toEqual(
      paramNumber(
        'Parameter $XDSDocumentEntryEntryUUID has 1001 list items; at most 1000 are accepted (MAX_SLOT_VALUES)',
      ),
    );
  });
});
