import { describe, expect, it } from 'vitest';
import { decodeAdhocQueryRequest, encodeAdhocQueryRequest } from '../xca/adhoc-query-request.js';
import { DocumentEntryType, EntryStatus, StoredQueryId } from '../xca/constants.js';
import { parseStoredQuery } from '../xca/stored-query.js';
import type { StoredQuery } from '../xca/stored-query-model.js';
import type { AdhocQueryRequest } from '../xca/types.js';
import { describeRef, itRef } from '../../test/helpers/reference-tests.js';
import { expectSchemaValid } from '../../test/helpers/xsd.js';
import { exampleElement, rootOf } from '../xca/test-support/xca-fixtures.js';
import {
  parseFindDocumentReferences,
  searchHandling,
  type FindDocumentReferencesResult,
} from './find-document-references.js';
import { searchFromStoredQuery } from './find-document-references-reverse.js';
import { MAX_OR_VALUES, MAX_SEARCH_PARAMS, MAX_SEARCH_TEXT, MAX_VALUE_LENGTH } from './search-parameters.js';

const NHS = '9434765919';
const CX = `${NHS}^^^&2.16.840.1.113883.2.1.4.1&ISO`;
const PATIENT = `patient.identifier=https://fhir.nhs.uk/Id/nhs-number|${NHS}`;
const BASE = `${PATIENT}&status=current`;
const APPROVED = EntryStatus.Approved;
const DEPRECATED = EntryStatus.Deprecated;
const SCT = '2.16.840.1.113883.6.96';
const DCM = '1.2.840.10008.2.16.4';

/** The AdhocQueryRequest of `result`, after a trip through XML as ITI-38 carries it. */
function overTheWire(result: FindDocumentReferencesResult): AdhocQueryRequest {
  if (!result.ok) throw new Error(`search refused: ${JSON.stringify(result.problems)}`);
  if (result.search.kind !== 'query') throw new Error(`no-match: ${result.search.reason}`);
  return decodeAdhocQueryRequest(rootOf(encodeAdhocQueryRequest(result.search.request)));
}

/** The StoredQuery a search becomes once the ITI-38 request is decoded and parsed. */
function storedQueryOf(search: string): StoredQuery {
  const parsed = parseStoredQuery(overTheWire(parseFindDocumentReferences(search)));
  if (!parsed.ok) throw new Error(parsed.error.codeContext);
  return parsed.query;
}

const findDocuments = (extra: Partial<StoredQuery & { name: 'FindDocuments' }> = {}): StoredQuery => ({
  name: 'FindDocuments',
  patientId: CX,
  status: [APPROVED],
  ...extra,
});

/** [parameter, ITI-67 search, the StoredQuery the ITI-38 fan-out carries]. */
const ROUND_TRIPS: [string, string, StoredQuery][] = [
  ['patient.identifier + status', BASE, findDocuments()],
  [
    'patient:identifier (NHS draft imaging spec form)',
    `patient:identifier=https://fhir.nhs.uk/Id/nhs-number|${NHS}&status=current`,
    findDocuments(),
  ],
  [
    'patient.identifier by the NHS number OID',
    `patient.identifier=urn:oid:2.16.840.1.113883.2.1.4.1|${NHS}&status=current`,
    findDocuments(),
  ],
  ['patient reference Patient/<nhs>', `patient=Patient/${NHS}&status=current`, findDocuments()],
  [
    'status current,superseded',
    `${PATIENT}&status=current,superseded`,
    findDocuments({ status: [APPROVED, DEPRECATED] }),
  ],
  [
    'status with its system',
    `${PATIENT}&status=http://hl7.org/fhir/document-reference-status|superseded`,
    findDocuments({ status: [DEPRECATED] }),
  ],
  [
    'category (SNOMED, NHS draft imaging spec) OR-ed',
    `${BASE}&category=http://snomed.info/sct|4201000179104,http://snomed.info/sct|721981007`,
    findDocuments({
      classCode: [
        [
          { code: '4201000179104', codingScheme: SCT },
          { code: '721981007', codingScheme: SCT },
        ],
      ],
    }),
  ],
  [
    'category repeated: AND of single-code attribute keeps the common codes',
    `${BASE}&category=http://snomed.info/sct|1,http://snomed.info/sct|2&category=http://snomed.info/sct|2,http://snomed.info/sct|3`,
    findDocuments({ classCode: [[{ code: '2', codingScheme: SCT }]] }),
  ],
  [
    'type with urn:oid system',
    `${BASE}&type=urn:oid:1.2.3|T1`,
    findDocuments({ typeCode: [[{ code: 'T1', codingScheme: '1.2.3' }]] }),
  ],
  [
    'setting',
    `${BASE}&setting=urn:oid:1.2.4|S`,
    findDocuments({ practiceSettingCode: [[{ code: 'S', codingScheme: '1.2.4' }]] }),
  ],
  [
    'facility',
    `${BASE}&facility=urn:oid:1.2.5|F`,
    findDocuments({ healthcareFacilityTypeCode: [[{ code: 'F', codingScheme: '1.2.5' }]] }),
  ],
  [
    'event repeated: one Slot each (AND of ORs)',
    `${BASE}&event=http://dicom.nema.org/resources/ontology/DCM|CT,http://dicom.nema.org/resources/ontology/DCM|MR&event=http://snomed.info/sct|T-D1100`,
    findDocuments({
      eventCodeList: [
        [
          { code: 'CT', codingScheme: DCM },
          { code: 'MR', codingScheme: DCM },
        ],
        [{ code: 'T-D1100', codingScheme: SCT }],
      ],
    }),
  ],
  [
    'security-label',
    `${BASE}&security-label=http://terminology.hl7.org/CodeSystem/v3-Confidentiality|N`,
    findDocuments({ confidentialityCode: [[{ code: 'N', codingScheme: '2.16.840.1.113883.5.25' }]] }),
  ],
  [
    'format with an escaped comma and bar in the code',
    `${BASE}&format=urn:oid:1.3.6.1.4.1.19376.1.2.3|a\\,b\\|c`,
    findDocuments({ formatCode: [[{ code: 'a,b|c', codingScheme: '1.3.6.1.4.1.19376.1.2.3' }]] }),
  ],
  [
    'creation ge/le at day precision',
    `${BASE}&creation=ge2024-05-01&creation=le2024-05-31`,
    findDocuments({ creationTime: { from: '20240501', to: '20240601' } }),
  ],
  [
    'creation gt/lt at month precision',
    `${BASE}&creation=gt2024-01&creation=lt2024-12`,
    findDocuments({ creationTime: { from: '202402', to: '202412' } }),
  ],
  [
    'creation eq year (no prefix)',
    `${BASE}&creation=2023`,
    findDocuments({ creationTime: { from: '2023', to: '2024' } }),
  ],
  [
    'creation eq December rolls the year',
    `${BASE}&creation=eq2023-12`,
    findDocuments({ creationTime: { from: '202312', to: '202401' } }),
  ],
  [
    'creation with an offset turned to UTC (+ sent as %2B)',
    `${BASE}&creation=ge2024-05-01T00:30%2B01:00`,
    findDocuments({ creationTime: { from: '202404302330' } }),
  ],
  [
    'creation with an unencoded + (read as a space)',
    `${BASE}&creation=ge2024-05-01T00:30:15+01:00`,
    findDocuments({ creationTime: { from: '20240430233015' } }),
  ],
  [
    'creation with fractional seconds widens to the second',
    `${BASE}&creation=eq2024-05-01T10:00:00.250Z`,
    findDocuments({ creationTime: { from: '20240501100000', to: '20240501100001' } }),
  ],
  [
    'creation repeats AND-ed to the narrowest bounds',
    `${BASE}&creation=ge2024&creation=ge2024-06-01&creation=lt2025&creation=lt2024-07`,
    findDocuments({ creationTime: { from: '20240601', to: '202407' } }),
  ],
  [
    'period ge -> ServiceStopTimeFrom',
    `${BASE}&period=ge2024-05-01`,
    findDocuments({ serviceStopTime: { from: '20240501' } }),
  ],
  [
    'period gt -> ServiceStopTimeFrom at the end',
    `${BASE}&period=gt2024-05-01`,
    findDocuments({ serviceStopTime: { from: '20240502' } }),
  ],
  [
    'period le -> ServiceStartTimeTo at the end',
    `${BASE}&period=le2024-05`,
    findDocuments({ serviceStartTime: { to: '202406' } }),
  ],
  [
    'period lt -> ServiceStartTimeTo',
    `${BASE}&period=lt2024-05`,
    findDocuments({ serviceStartTime: { to: '202405' } }),
  ],
  [
    'period eq -> the period inside the range',
    `${BASE}&period=2024-05-01`,
    findDocuments({ serviceStartTime: { from: '20240501' }, serviceStopTime: { to: '20240502' } }),
  ],
  ['author.family', `${BASE}&author.family=Smi`, findDocuments({ authorPerson: ['%^Smi%'] })],
  [
    'author.family:exact',
    `${BASE}&author.family:exact=Smith`,
    findDocuments({ authorPerson: ['%^Smith^%'] }),
  ],
  [
    'author.given OR-ed',
    `${BASE}&author.given=Jo,Ann`,
    findDocuments({ authorPerson: ['%^%^Jo%', '%^%^Ann%'] }),
  ],
  [
    "author.family and author.given (with a quote, O'Brien)",
    `${BASE}&author.family=O'Brien&author.given=Pat`,
    findDocuments({ authorPerson: ["%^O'Brien%^Pat%"] }),
  ],
  [
    'related: Study Instance UID -> FindDocumentsByReferenceId',
    `${BASE}&related=urn:dicom:uid|urn:oid:1.2.826.0.1.3680043.10.1.1`,
    {
      name: 'FindDocumentsByReferenceId',
      patientId: CX,
      status: [APPROVED],
      referenceIdList: ['1.2.826.0.1.3680043.10.1.1^^^^urn:ihe:iti:xds:2016:studyInstanceUID'],
    },
  ],
  [
    'related:identifier accession number with issuer, OR-ed with a study',
    `${BASE}&related:identifier=urn:oid:1.2.826.0.1.3680043.10.100|ACC123,urn:dicom:uid|urn:oid:1.2.3`,
    {
      name: 'FindDocumentsByReferenceId',
      patientId: CX,
      status: [APPROVED],
      referenceIdList: [
        'ACC123^^^&1.2.826.0.1.3680043.10.100&ISO^urn:ihe:iti:xds:2013:accession',
        '1.2.3^^^^urn:ihe:iti:xds:2016:studyInstanceUID',
      ],
    },
  ],
  [
    'identifier uniqueId -> GetDocuments',
    `${BASE}&identifier=urn:ietf:rfc:3986|urn:oid:1.2.3.4,urn:ietf:rfc:3986|urn:oid:1.2.3.5`,
    { name: 'GetDocuments', by: 'uniqueId', ids: ['1.2.3.4', '1.2.3.5'] },
  ],
  [
    'identifier entryUUID -> GetDocuments',
    `${BASE}&identifier=urn:ietf:rfc:3986|urn:uuid:a6e06ca8-0c75-4064-9e5c-88b9045a96f6`,
    { name: 'GetDocuments', by: 'entryUUID', ids: ['urn:uuid:a6e06ca8-0c75-4064-9e5c-88b9045a96f6'] },
  ],
];

describe('ITI-67 search -> ITI-38 AdhocQueryRequest -> StoredQuery', () => {
  it.each(ROUND_TRIPS)('%s', (_name, search, expected) => {
    expect(storedQueryOf(search)).toEqual(expected);
  });

  it('reads a POST _search body as URLSearchParams the same as the query string', () => {
    const body = new URLSearchParams([
      ['patient.identifier', `https://fhir.nhs.uk/Id/nhs-number|${NHS}`],
      ['status', 'current'],
      ['category', 'http://snomed.info/sct|4201000179104'],
    ]);
    const fromBody = parseFindDocumentReferences(body);
    const fromText = parseFindDocumentReferences(`?${body.toString()}`);
    expect(fromBody).toEqual(fromText);
    expect(overTheWire(fromBody).slots).toEqual([
      { name: '$XDSDocumentEntryPatientId', values: [`'${CX}'`] },
      { name: '$XDSDocumentEntryClassCode', values: [`('4201000179104^^${SCT}')`] },
      { name: '$XDSDocumentEntryStatus', values: [`('${APPROVED}')`] },
    ]);
  });

  it('gives the whole search: LeafClass, patient, status, target communities', () => {
    const r = parseFindDocumentReferences(
      `${BASE}&targetCommunityIdList=urn:oid:1.2.3,urn:oid:1.2.4&targetCommunityIdList=urn:oid:1.2.4&_format=json`,
    );
    expect(r).toEqual({
      ok: true,
      warnings: [],
      search: {
        kind: 'query',
        request: {
          returnType: 'LeafClass',
          returnComposedObjects: true,
          queryId: StoredQueryId.FindDocuments,
          slots: [
            { name: '$XDSDocumentEntryPatientId', values: [`'${CX}'`] },
            { name: '$XDSDocumentEntryStatus', values: [`('${APPROVED}')`] },
          ],
        },
        patient: { nhsNumber: NHS, patientId: CX },
        status: [APPROVED],
        targetCommunityIds: ['urn:oid:1.2.4'],
      },
    });
  });

  it('GetDocuments keeps the patient and status the responder must check on what comes back', () => {
    const r = parseFindDocumentReferences(`${PATIENT}&status=superseded&identifier=urn:oid:1.2.3`);
    expect(r.ok && r.search).toEqual({
      kind: 'query',
      request: {
        returnType: 'LeafClass',
        returnComposedObjects: true,
        queryId: StoredQueryId.GetDocuments,
        slots: [{ name: '$XDSDocumentEntryUniqueId', values: ["('1.2.3')"] }],
      },
      patient: { nhsNumber: NHS, patientId: CX },
      status: [DEPRECATED],
    });
  });

  it('GetDocuments with one target community is routed by AdhocQuery/@home, as XCA routes it', () => {
    const one = parseFindDocumentReferences(
      `${BASE}&identifier=urn:oid:1.2.3&targetCommunityIdList=urn:oid:1.9`,
    );
    expect(overTheWire(one)).toEqual({
      returnType: 'LeafClass',
      returnComposedObjects: true,
      queryId: StoredQueryId.GetDocuments,
      home: 'urn:oid:1.9',
      slots: [{ name: '$XDSDocumentEntryUniqueId', values: ["('1.2.3')"] }],
    });
    const two = parseFindDocumentReferences(
      `${BASE}&identifier=urn:oid:1.2.3&targetCommunityIdList=urn:oid:1.9,urn:oid:1.8`,
    );
    expect(two.ok && two.search.kind === 'query' && two.search.request.home).toBeUndefined();
    const findDocs = parseFindDocumentReferences(`${BASE}&targetCommunityIdList=urn:oid:1.9`);
    expect(findDocs.ok && findDocs.search.kind === 'query' && findDocs.search.request.home).toBeUndefined();
  });

  itRef(
    'every request it emits is schema-valid ebRS query:AdhocQueryRequest in a SOAP 1.2 Body',
    async () => {
      const envelopes = ROUND_TRIPS.map(([name, search]) => {
        const r = parseFindDocumentReferences(search);
        if (!r.ok || r.search.kind !== 'query') throw new Error(name);
        return `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body>${encodeAdhocQueryRequest(r.search.request)}</s:Body></s:Envelope>`;
      });
      await expectSchemaValid(envelopes);
    },
    120_000,
  );
});

describe('searches that can match nothing are answered without a fan-out', () => {
  it.each([
    ['entered-in-error only', `${PATIENT}&status=entered-in-error`, /status: only entered-in-error/],
    [
      'status repeats with nothing in common',
      `${PATIENT}&status=current&status=superseded`,
      /status: only entered-in-error \(or no common status\)/,
    ],
    [
      'category repeats with no common code',
      `${BASE}&category=urn:oid:1.2|a&category=urn:oid:1.2|b`,
      /^category: the repeated values have no code in common/,
    ],
    [
      'creation bounds crossed',
      `${BASE}&creation=ge2024-06&creation=lt2024-05`,
      /^creation: the date bounds leave no time/,
    ],
    [
      'period bounds crossed',
      `${BASE}&period=2024-05-01&period=ge2024-06-01&period=le2024-04-01`,
      /^period: the date bounds leave no time/,
    ],
    [
      'target lists with nothing in common',
      `${BASE}&targetCommunityIdList=urn:oid:1.1&targetCommunityIdList=urn:oid:1.2`,
      /^targetCommunityIdList: the repeated lists/,
    ],
  ])('%s', (_name, search, reason) => {
    const r = parseFindDocumentReferences(search);
    expect(r).toEqual({
      ok: true,
      warnings: [],
      search: {
        kind: 'no-match',
        reason: expect.stringMatching(reason) as string,
        patient: { nhsNumber: NHS, patientId: CX },
      },
    });
  });
});

const err = (name: string, code: string, diagnostics: string | RegExp) => ({
  severity: 'error',
  code,
  diagnostics: typeof diagnostics === 'string' ? diagnostics : (expect.stringMatching(diagnostics) as string),
  expression: [`http.${name}`],
});

describe('problems: every one listed, as OperationOutcome issue data', () => {
  it('missing patient and status: required', () => {
    expect(parseFindDocumentReferences('category=urn:oid:1.2|x')).toEqual({
      ok: false,
      problems: [
        {
          severity: 'error',
          code: 'required',
          diagnostics:
            'patient or patient.identifier is required (ITI TF-2 3.67.4.1.2.1), e.g. patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9434765919',
          expression: ['http.patient', 'http.patient.identifier'],
        },
        {
          severity: 'error',
          code: 'required',
          diagnostics: 'status is required (ITI TF-2 3.67.4.1.2.1), e.g. status=current',
          expression: ['http.status'],
        },
      ],
    });
  });

  it.each([
    [
      'Modulus 11 failure',
      'patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9434765918',
      'patient.identifier: \'9434765918\' is not a valid NHS number: it fails the Modulus 11 check (NHS Data Dictionary "NHS NUMBER")',
    ],
    [
      'nine digits',
      'patient:identifier=https://fhir.nhs.uk/Id/nhs-number|943476591',
      'patient:identifier: \'943476591\' is not a valid NHS number: it is not ten digits (NHS Data Dictionary "NHS NUMBER")',
    ],
    [
      'reference to a bad id',
      'patient=Patient/1234567890',
      'patient: \'1234567890\' is not a valid NHS number: it fails the Modulus 11 check (NHS Data Dictionary "NHS NUMBER")',
    ],
  ])('invalid NHS number (%s): value', (_name, search, diagnostics) => {
    const name = search.slice(0, search.indexOf('='));
    expect(parseFindDocumentReferences(`${search}&status=current`)).toEqual({
      ok: false,
      problems: [err(name, 'value', diagnostics)],
    });
  });

  it('another identifier system, several patients, and disagreeing patients: not-supported', () => {
    expect(parseFindDocumentReferences('patient.identifier=urn:oid:1.2.3|X&status=current')).toEqual({
      ok: false,
      problems: [
        err(
          'patient.identifier',
          'not-supported',
          /^patient.identifier: system 'urn:oid:1.2.3' is not the NHS number/,
        ),
      ],
    });
    expect(parseFindDocumentReferences(`patient.identifier=${NHS},9999999468&status=current`)).toEqual({
      ok: false,
      problems: [
        err(
          'patient.identifier',
          'not-supported',
          /names 2 patients; an ITI-67 search through XCA is for one patient/,
        ),
      ],
    });
    expect(parseFindDocumentReferences(`${PATIENT}&patient=Patient/9999999468&status=current`)).toEqual({
      ok: false,
      problems: [
        err(
          'patient.identifier',
          'not-supported',
          `patient.identifier names NHS number ${NHS} but patient names 9999999468; one patient per search`,
        ),
      ],
    });
  });

  it('unknown parameter: an error under strict handling (the default), a warning under lenient', () => {
    expect(parseFindDocumentReferences(`${BASE}&_count=10`)).toEqual({
      ok: false,
      problems: [
        err(
          '_count',
          'not-supported',
          "unknown search parameter '_count' (strict handling; Prefer: handling=lenient ignores it)",
        ),
      ],
    });
    const lenient = parseFindDocumentReferences(
      `${BASE}&_count=10`,
      searchHandling('return=representation, handling=lenient'),
    );
    expect(lenient).toMatchObject({
      ok: true,
      warnings: [
        {
          severity: 'warning',
          code: 'not-supported',
          diagnostics: "unknown search parameter '_count' was ignored",
          expression: ['http._count'],
        },
      ],
    });
    expect(searchHandling(undefined)).toBe('strict');
    expect(searchHandling('handling=strict')).toBe('strict');
  });

  it('an unsupported modifier is refused whatever the handling (FHIR R4 Search 3.1.1.5.5)', () => {
    expect(parseFindDocumentReferences(`${BASE}&category:text=imaging`, 'lenient')).toEqual({
      ok: false,
      problems: [
        err(
          'category:text',
          'not-supported',
          "modifier ':text' is not supported on category (accepted: none)",
        ),
      ],
    });
  });

  it('malformed tokens and dates: value, each named', () => {
    expect(
      parseFindDocumentReferences(
        `${BASE}&category=imaging&type=|x&creation=2024-13&period=2024-02-30&status=bogus&related=ACC1&author.family=50%25`,
      ),
    ).toEqual({
      ok: false,
      problems: [
        err(
          'status',
          'value',
          "status: 'bogus' is not a DocumentReference status (current, superseded, entered-in-error; system http://hl7.org/fhir/document-reference-status)",
        ),
        err('category', 'value', /^category: token 'imaging' has no system; XDS coded parameters need one/),
        err('type', 'value', /^type: token '\|x' has no system/),
        err('creation', 'value', "creation: value '2024-13': month 13 is not 01-12"),
        err('period', 'value', "period: value '2024-02-30': 2024-02-30 is not a calendar date"),
        err('author.family', 'value', /^author.family: value '50%' contains one of % _ \^ & ~/),
        err(
          'related',
          'value',
          /^related: token 'ACC1': send urn:dicom:uid\|urn:oid:<Study Instance UID> or urn:oid:<issuer OID>\|<accession number>$/,
        ),
      ],
    });
  });

  it('what XDS cannot express: not-supported', () => {
    expect(
      parseFindDocumentReferences(
        `${BASE}&creation=ge2024,ge2023&period=ap2024&related=urn:dicom:uid|1.2&related=urn:dicom:uid|1.3&author.given=A&author.given=B`,
      ),
    ).toEqual({
      ok: false,
      problems: [
        err('creation', 'not-supported', /several comma-separated dates \(OR\) cannot be expressed/),
        err('period', 'not-supported', "period: prefix 'ap' is not supported (eq, ge, gt, le, lt are)"),
        err('author.given', 'not-supported', /author.given is repeated; XDS authorPerson is one OR list/),
        err('related', 'not-supported', /related is repeated/),
      ],
    });
    expect(parseFindDocumentReferences(`${BASE}&identifier=urn:oid:1.2&category=urn:oid:1.2|x`)).toEqual({
      ok: false,
      problems: [
        err(
          'category',
          'not-supported',
          /^category cannot go with identifier: a search by identifier is a GetDocuments/,
        ),
      ],
    });
  });

  it('bounds: text, parameter count, value length, OR values', () => {
    expect(parseFindDocumentReferences('a'.repeat(MAX_SEARCH_TEXT + 1))).toEqual({
      ok: false,
      problems: [
        {
          severity: 'error',
          code: 'too-long',
          diagnostics: `the search is ${MAX_SEARCH_TEXT + 1} characters long; at most ${MAX_SEARCH_TEXT} are accepted (MAX_SEARCH_TEXT)`,
          expression: [],
        },
      ],
    });
    const many = Array.from({ length: MAX_SEARCH_PARAMS + 1 }, () => 'status=current').join('&');
    expect(parseFindDocumentReferences(many)).toEqual({
      ok: false,
      problems: [
        {
          severity: 'error',
          code: 'too-long',
          diagnostics: `the search has ${MAX_SEARCH_PARAMS + 1} parameters; at most ${MAX_SEARCH_PARAMS} are accepted (MAX_SEARCH_PARAMS)`,
          expression: [],
        },
      ],
    });
    const long = new URLSearchParams([['author.family', 'x'.repeat(MAX_VALUE_LENGTH + 1)]]);
    expect(parseFindDocumentReferences(`${BASE}&${long.toString()}`)).toEqual({
      ok: false,
      problems: [
        err(
          'author.family',
          'too-long',
          `value is ${MAX_VALUE_LENGTH + 1} characters; at most ${MAX_VALUE_LENGTH} are accepted (MAX_VALUE_LENGTH)`,
        ),
      ],
    });
    const ors = Array.from({ length: MAX_OR_VALUES + 1 }, (_, i) => `urn:oid:1.2|c${i}`).join(',');
    expect(parseFindDocumentReferences(`${BASE}&type=${ors}`)).toEqual({
      ok: false,
      problems: [
        err(
          'type',
          'too-long',
          `${MAX_OR_VALUES + 1} comma-separated values; at most ${MAX_OR_VALUES} are accepted (MAX_OR_VALUES)`,
        ),
      ],
    });
  });

  it('an empty value is ignored with a warning', () => {
    expect(parseFindDocumentReferences(`${BASE}&category=`)).toMatchObject({
      ok: true,
      warnings: [
        {
          severity: 'warning',
          code: 'value',
          diagnostics: 'category has an empty value and was ignored',
          expression: ['http.category'],
        },
      ],
    });
  });
});

describe('searchFromStoredQuery: the reverse, for legs to MHD communities', () => {
  it.each(ROUND_TRIPS)('%s: StoredQuery -> ITI-67 -> the same StoredQuery', (_name, _search, query) => {
    const reverse = searchFromStoredQuery(query, { patientId: CX });
    if (!reverse.ok) throw new Error(JSON.stringify(reverse.problems));
    expect(reverse.warnings).toEqual([]);
    expect(storedQueryOf(reverse.search)).toEqual(query);
  });

  it('writes the NHS draft imaging search form', () => {
    expect(
      searchFromStoredQuery(
        findDocuments({
          classCode: [[{ code: '4201000179104', codingScheme: SCT }]],
          creationTime: { from: '2024050110' },
        }),
      ),
    ).toEqual({
      ok: true,
      warnings: [],
      search:
        'patient.identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9434765919&status=current&category=http%3A%2F%2Fsnomed.info%2Fsct%7C4201000179104&creation=ge2024-05-01T10%3A00Z',
    });
  });

  it('ObjectRef and GetDocuments: the documented equivalents; On-Demand dropped with a warning', () => {
    const r = searchFromStoredQuery(
      findDocuments({ objectType: [DocumentEntryType.Stable, DocumentEntryType.OnDemand] }),
    );
    expect(r).toEqual({
      ok: true,
      search: `patient.identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C${NHS}&status=current`,
      warnings: [
        {
          severity: 'warning',
          code: 'not-supported',
          diagnostics: '$XDSDocumentEntryType: ITI-67 has no objectType; On-Demand entries are not asked for',
          expression: ['$XDSDocumentEntryType'],
        },
      ],
    });
    expect(
      searchFromStoredQuery({ name: 'GetDocuments', by: 'uniqueId', ids: ['1.2.3'] }, { patientId: CX }),
    ).toEqual({
      ok: true,
      warnings: [],
      search: `patient.identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C${NHS}&status=current%2Csuperseded&identifier=urn%3Aietf%3Arfc%3A3986%7Curn%3Aoid%3A1.2.3`,
    });
  });

  it('what ITI-67 cannot say is a problem, all at once', () => {
    expect(searchFromStoredQuery({ name: 'GetDocuments', by: 'entryUUID', ids: ['urn:uuid:x'] })).toEqual({
      ok: false,
      problems: [
        {
          severity: 'error',
          code: 'required',
          diagnostics: 'GetDocuments carries no patient, and ITI-67 requires one: pass options.patientId',
          expression: ['$XDSDocumentEntryPatientId'],
        },
      ],
    });
    const r = searchFromStoredQuery({
      name: 'FindDocumentsByReferenceId',
      patientId: CX,
      status: ['urn:oasis:names:tc:ebxml-regrep:StatusType:Submitted'],
      serviceStartTime: { from: '2024' },
      authorPerson: ['%Smith%'],
      referenceIdList: ['X^^^^urn:other'],
    });
    expect(r.ok === false && r.problems.map((p) => [p.code, p.expression[0]])).toEqual([
      ['not-supported', '$XDSDocumentEntryStatus'],
      ['not-supported', '$XDSDocumentEntryServiceStartTimeFrom'],
      ['not-supported', '$XDSDocumentEntryAuthorPerson'],
      ['not-supported', '$XDSDocumentEntryReferenceIdList'],
    ]);
    expect(searchFromStoredQuery({ name: 'NoDocumentEntries', queryId: StoredQueryId.FindFolders })).toEqual({
      ok: false,
      problems: [
        {
          severity: 'error',
          code: 'not-supported',
          diagnostics: `stored query ${StoredQueryId.FindFolders} is about SubmissionSets or Folders; ITI-67 finds DocumentReferences only`,
          expression: [StoredQueryId.FindFolders],
        },
      ],
    });
  });
});

describeRef('the reference ITI-38 stored queries (shared/reference) through ITI-67 and back', () => {
  // shared/reference holds no ITI-67 example searches (MHD examples are FHIR resources, not
  // stored there); the XCA stored queries it holds are sent through ITI-67 instead, with the
  // patient swapped for an NHS number (this affinity domain's only patient identifier).
  it.each([
    'ITI-38/nhn-xcads_CrossGatewayQuery_request_XUA-SAML-bearer_FindDocuments.xml',
    'ITI-38/nist-testkit-12300_FindDocuments_LeafClass_request-body_template.xml',
    'ITI-38/nist-testkit-15815_GetDocuments_by-UniqueId_missing-home_request-body.xml',
    'ITI-38/nist_soap_FindDocuments_LeafClass_request_with-classCode.xml',
    'ITI-38/stored-query-body-negatives/nist_FindDocuments_body_valid-baseline.xml',
  ])('%s', (file) => {
    const parsed = parseStoredQuery(decodeAdhocQueryRequest(exampleElement(file)));
    if (!parsed.ok) throw new Error(parsed.error.codeContext);
    const query = parsed.query.name === 'GetDocuments' ? parsed.query : { ...parsed.query, patientId: CX };
    const reverse = searchFromStoredQuery(query, { patientId: CX });
    if (!reverse.ok) throw new Error(JSON.stringify(reverse.problems));
    expect(storedQueryOf(reverse.search)).toEqual(query);
  });

  itRef('the NIST FindDocumentsByReferenceId template: placeholders are no CXi, so not-supported', () => {
    const file =
      'ITI-38/nist-testkit_FindDocumentsByReferenceId_ObjectRef_with-home_request-body_template.xml';
    const parsed = parseStoredQuery(decodeAdhocQueryRequest(exampleElement(file)));
    if (!parsed.ok) throw new Error(parsed.error.codeContext);
    const r = searchFromStoredQuery({ ...parsed.query, patientId: CX } as StoredQuery);
    expect(r.ok === false && r.problems.map((p) => p.diagnostics)).toEqual(
      ['$refId0$', '$refId1$', '$refId2$'].map(
        (ref) =>
          `referenceId ${ref}: only a Study Instance UID or an accession number with an OID issuer has an ITI-67 related search`,
      ),
    );
  });

  itRef('a non-NHS patient is written as its assigning authority and refused on the way in', () => {
    const file = 'ITI-38/nhn-xcads_CrossGatewayQuery_request_XUA-SAML-bearer_FindDocuments.xml';
    const parsed = parseStoredQuery(decodeAdhocQueryRequest(exampleElement(file)));
    if (!parsed.ok) throw new Error(parsed.error.codeContext);
    const reverse = searchFromStoredQuery(parsed.query);
    expect(reverse).toEqual({
      ok: true,
      warnings: [],
      search: 'patient.identifier=urn%3Aoid%3A2.16.578.1.12.4.1.4.1%7C27888498775&status=current',
    });
    expect(reverse.ok && parseFindDocumentReferences(reverse.search)).toEqual({
      ok: false,
      problems: [
        err(
          'patient.identifier',
          'not-supported',
          "patient.identifier: system 'urn:oid:2.16.578.1.12.4.1.4.1' is not the NHS number (https://fhir.nhs.uk/Id/nhs-number), the only patient identifier of this affinity domain",
        ),
      ],
    });
  });
});
