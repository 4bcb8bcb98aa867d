/**
 * The RAD-75 request codec against the NIST RAD-75 messages (../shared/reference/examples/RAD-75):
 * every request body decodes, encodes back to a schema-valid envelope, and the split by
 * HomeCommunityId gives exactly the two RAD-75 bodies NIST iig test 5403a expects.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSoapEnvelope } from '../soap/envelope.js';
import { parseXml, type Element } from '../soap/xml.js';
import { XcaDecodeError } from './decode-error.js';
import {
  MAX_IMAGING_DOCUMENT_REQUESTS,
  MAX_IMAGING_SERIES,
  MAX_IMAGING_STUDIES,
  decodeRetrieveImagingDocumentSetRequest,
  encodeRetrieveImagingDocumentSetRequest,
  filterImagingRequest,
  imagingDocumentRequests,
} from './retrieve-imaging-document-set.js';
import { readReference } from '../../test/helpers/reference.js';
import { referenceAvailable, referenceDir } from '../../test/helpers/repo-root.js';
import { itRef } from '../../test/helpers/reference-tests.js';
import { expectSchemaValid } from '../../test/helpers/xsd.js';

const R = 'urn:ihe:rad:xdsi-b:2009';
const DIR = 'examples/RAD-75';
const IIG = `${DIR}/initiating-imaging-gateway`;

/** The iherad:RetrieveImagingDocumentSetRequest element of a reference file (a body, or inside a test plan). */
function requestIn(relPath: string): Element {
  const el = parseXml(readReference(relPath)).getElementsByTagNameNS(
    R,
    'RetrieveImagingDocumentSetRequest',
  )[0];
  if (!el) throw new Error(`${relPath} holds no RetrieveImagingDocumentSetRequest`);
  return el;
}

// The NIST RAD-75 bodies come from the IHE reference set; the tests reading them skip without it.
const requestFiles = !referenceAvailable
  ? []
  : [
      ...readdirSync(`${referenceDir}/${DIR}`)
        .filter((f) => f.endsWith('RAD-75-request-body.xml'))
        .map((f) => `${DIR}/${f}`),
      ...readdirSync(`${referenceDir}/${IIG}`)
        .filter((f) => f.includes('request'))
        .map((f) => `${IIG}/${f}`),
    ];

describe('decodeRetrieveImagingDocumentSetRequest', () => {
  itRef(
    'has the NIST request bodies to read (11 responding-gateway tests, 9 initiating-gateway ones)',
    () => {
      expect(requestFiles).toHaveLength(20);
    },
  );

  itRef('decodes every one, and re-encodes each to the same request in a schema-valid envelope', async () => {
    const envelopes = requestFiles.map((f) => {
      const req = decodeRetrieveImagingDocumentSetRequest(requestIn(f));
      expect(req.studies.length, f).toBeGreaterThan(0);
      expect(
        imagingDocumentRequests(req).every((r) => r.document.homeCommunityId?.startsWith('urn:oid:')),
        f,
      ).toBe(true);
      const xml = encodeRetrieveImagingDocumentSetRequest(req);
      expect(
        decodeRetrieveImagingDocumentSetRequest(parseXml(xml).documentElement as unknown as Element),
        f,
      ).toEqual(req);
      return buildSoapEnvelope({
        action: 'urn:ihe:rad:2011:CrossGatewayRetrieveImagingDocumentSet',
        bodyXml: xml,
      });
    });
    await expectSchemaValid(envelopes);
  });

  itRef('reads 5421c (one series, five images) in order, with its transfer syntax', () => {
    const req = decodeRetrieveImagingDocumentSetRequest(
      requestIn(`${DIR}/nist-testkit-5421c_One-Multi-Image-Study-Single-IDS-F_RAD-75-request-body.xml`),
    );
    expect(req.transferSyntaxUids).toEqual(['1.2.840.10008.1.2.1']);
    expect(
      imagingDocumentRequests(req).map((r) => [r.studyInstanceUid, r.seriesInstanceUid, r.document]),
    ).toEqual(
      [1, 2, 3, 4, 5].map((n) => [
        '1.3.6.1.4.1.21367.201599.1.201606061008030',
        '1.3.6.1.4.1.21367.201599.2.201606061008031',
        {
          homeCommunityId: 'urn:oid:1.3.6.1.4.1.21367.13.70.201',
          repositoryUniqueId: '1.3.6.1.4.1.21367.13.71.201.2',
          documentUniqueId: `1.3.6.1.4.1.21367.201599.3.201606061008031.${n}`,
        },
      ]),
    );
  });

  const bad = (
    inner: string,
    tsl = '<TransferSyntaxUIDList><TransferSyntaxUID>1.2.840.10008.1.2.1</TransferSyntaxUID></TransferSyntaxUIDList>',
  ) =>
    parseXml(
      `<RetrieveImagingDocumentSetRequest xmlns="${R}" xmlns:x="urn:ihe:iti:xds-b:2007">${inner}${tsl}</RetrieveImagingDocumentSetRequest>`,
    ).documentElement as unknown as Element;
  const doc =
    '<x:DocumentRequest><x:HomeCommunityId>urn:oid:1.2</x:HomeCommunityId><x:RepositoryUniqueId>1.3</x:RepositoryUniqueId><x:DocumentUniqueId>1.4</x:DocumentUniqueId></x:DocumentRequest>';
  it.each([
    ['', '', 'iherad:RetrieveImagingDocumentSetRequest has no iherad:StudyRequest'],
    [
      `<StudyRequest studyInstanceUID="1.1"><SeriesRequest seriesInstanceUID="1.2">${doc}</SeriesRequest></StudyRequest>`,
      '',
      'iherad:RetrieveImagingDocumentSetRequest/iherad:TransferSyntaxUIDList is missing',
    ],
    [
      `<StudyRequest studyInstanceUID="1.1"><SeriesRequest seriesInstanceUID="1.2">${doc}</SeriesRequest></StudyRequest>`,
      '<TransferSyntaxUIDList/>',
      'iherad:RetrieveImagingDocumentSetRequest/iherad:TransferSyntaxUIDList has no iherad:TransferSyntaxUID',
    ],
    [
      `<StudyRequest><SeriesRequest seriesInstanceUID="1.2">${doc}</SeriesRequest></StudyRequest>`,
      undefined,
      'iherad:RetrieveImagingDocumentSetRequest/iherad:StudyRequest[1]/@studyInstanceUID is missing',
    ],
    [
      '<StudyRequest studyInstanceUID="1.1"><SeriesRequest seriesInstanceUID="1.2"/></StudyRequest>',
      undefined,
      'iherad:RetrieveImagingDocumentSetRequest/iherad:StudyRequest[1]/iherad:SeriesRequest[1] has no xdsb:DocumentRequest',
    ],
    [
      '<StudyRequest studyInstanceUID="1.1"><SeriesRequest seriesInstanceUID="1.2"><x:DocumentRequest><x:homeCommunityId>urn:oid:1.2</x:homeCommunityId><x:RepositoryUniqueId>1.3</x:RepositoryUniqueId><x:DocumentUniqueId>1.4</x:DocumentUniqueId></x:DocumentRequest></SeriesRequest></StudyRequest>',
      undefined,
      'iherad:RetrieveImagingDocumentSetRequest/iherad:StudyRequest[1]/iherad:SeriesRequest[1]/xdsb:DocumentRequest[1] has an unexpected child {urn:ihe:iti:xds-b:2007}homeCommunityId',
    ],
  ])('refuses %s%s: %s', (inner, tsl, message) => {
    expect(() =>
      decodeRetrieveImagingDocumentSetRequest(tsl === undefined ? bad(inner) : bad(inner, tsl)),
    ).toThrow(new XcaDecodeError(message));
  });
});

describe('decodeRetrieveImagingDocumentSetRequest: limits on studies, series and images', () => {
  const doc = (i: number): string =>
    `<x:DocumentRequest><x:HomeCommunityId>urn:oid:1.2</x:HomeCommunityId><x:RepositoryUniqueId>1.3</x:RepositoryUniqueId><x:DocumentUniqueId>1.4.${i}</x:DocumentUniqueId></x:DocumentRequest>`;
  /** `studies` StudyRequests of `series` SeriesRequests of `images` DocumentRequests each. */
  const request = (studies: number, series: number, images: number): Element => {
    const s = `<SeriesRequest seriesInstanceUID="1.2">${Array.from({ length: images }, (_, i) => doc(i)).join('')}</SeriesRequest>`;
    const study = `<StudyRequest studyInstanceUID="1.1">${s.repeat(series)}</StudyRequest>`;
    return parseXml(
      `<RetrieveImagingDocumentSetRequest xmlns="${R}" xmlns:x="urn:ihe:iti:xds-b:2007">${study.repeat(studies)}` +
        '<TransferSyntaxUIDList><TransferSyntaxUID>1.2.840.10008.1.2.1</TransferSyntaxUID></TransferSyntaxUIDList></RetrieveImagingDocumentSetRequest>',
    ).documentElement!;
  };
  const refused = (what: string, n: number, max: number, name: string): XcaDecodeError =>
    new XcaDecodeError(
      `iherad:RetrieveImagingDocumentSetRequest has ${n} ${what}; at most ${max} are accepted (${name})`,
    );

  it('has the documented limits', () => {
    expect([MAX_IMAGING_STUDIES, MAX_IMAGING_SERIES, MAX_IMAGING_DOCUMENT_REQUESTS]).toEqual([
      100, 1_000, 20_000,
    ]);
  });

  it('reads a request at every limit', () => {
    expect(decodeRetrieveImagingDocumentSetRequest(request(100, 1, 1)).studies).toHaveLength(100);
    expect(decodeRetrieveImagingDocumentSetRequest(request(10, 100, 1)).studies[9]!.series).toHaveLength(100);
    const r = decodeRetrieveImagingDocumentSetRequest(request(2, 2, 5_000));
    expect(imagingDocumentRequests(r)).toHaveLength(20_000);
  });

  it.each([
    ['101 studies', [101, 1, 1], refused('iherad:StudyRequest elements', 101, 100, 'MAX_IMAGING_STUDIES')],
    [
      '1,001 series',
      [7, 143, 1],
      refused('iherad:SeriesRequest elements', 1_001, 1_000, 'MAX_IMAGING_SERIES'),
    ],
    [
      '20,001 images',
      [1, 1, 20_001],
      refused('xdsb:DocumentRequest elements', 20_001, 20_000, 'MAX_IMAGING_DOCUMENT_REQUESTS'),
    ],
  ] as const)('refuses %s naming the limit', (_name, [studies, series, images], error) => {
    expect(() => decodeRetrieveImagingDocumentSetRequest(request(studies, series, images))).toThrow(error);
  });
});

describe('filterImagingRequest (the split by HomeCommunityId)', () => {
  itRef('gives NIST iig 5403a the two RAD-75 requests its test plan expects, nesting and order kept', () => {
    const rad69 = decodeRetrieveImagingDocumentSetRequest(
      requestIn(
        `${IIG}/nist-testkit-iig-5403a_Multiple-Responding-Gateways_RAD-69-request-body-sent-to-IIG.xml`,
      ),
    );
    for (const [rig, hcid] of [
      ['A', 'urn:oid:1.3.6.1.4.1.21367.13.70.101'],
      ['B', 'urn:oid:1.3.6.1.4.1.21367.13.70.102'],
    ] as const) {
      const expected = decodeRetrieveImagingDocumentSetRequest(
        requestIn(
          `${IIG}/nist-testkit-iig-5403a_Multiple-Responding-Gateways_testplan_expected-RAD-75-request-from-IIG_to-RIG-${rig}.xml`,
        ),
      );
      expect(filterImagingRequest(rad69, (r) => r.document.homeCommunityId === hcid)).toEqual(expected);
    }
  });
});
