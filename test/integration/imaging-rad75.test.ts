/**
 * RAD-75 against the NIST test messages (../shared/reference/examples/RAD-75), UIDs replaced with
 * a generated imaging pack's: each responding-imaging-gateway request sent to a simulated gateway
 * and through the broker, each initiating-imaging-gateway request through the broker, with the
 * status, the full RegistryErrorList and every returned DICOM part checked (dcmdump, dicom-parser,
 * byte for byte against the pack). Every response envelope is schema-valid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommunityData } from '../../simulator/data-pack/pack-format.js';
import { ErrorSeverity, ResponseStatus, SoapAction } from '../../simulator/xca/constants.js';
import {
  decodeRetrieveImagingDocumentSetRequest,
  imagingDocumentRequests,
} from '../../simulator/xca/retrieve-imaging-document-set.js';
import { parseXml } from '../../simulator/soap/xml.js';
import { parseSoapEnvelope } from '../../simulator/soap/envelope.js';
import type { RegistryError, RetrieveDocumentSetResponse } from '../../simulator/xca/types.js';
import { post, readRetrieveResponse } from '../helpers/soap-http.js';
import { describeRef } from '../helpers/reference-tests.js';
import { expectSchemaValid, xopToInlineForValidation } from '../helpers/xsd.js';
import {
  NistUidMap,
  expectPackImages,
  rad75Envelope,
  startImagingTopology,
  type ImagingTopology,
} from '../helpers/imaging-fixtures.js';

const E = ErrorSeverity.Error;
const RIG = 'examples/RAD-75/nist-testkit-';
const IIG = 'examples/RAD-75/initiating-imaging-gateway/nist-testkit-iig-';
const SERVED =
  'this community serves 1.2.840.10008.1.2.1 (Explicit VR Little Endian) and 1.2.840.10008.1.2 (Implicit VR Little Endian)';

// Every request here is a NIST RAD-75 test message read from the IHE reference set.
describeRef('RAD-75: the NIST test messages', () => {
  let t: ImagingTopology;
  let A: CommunityData;
  let B: CommunityData;
  let map: NistUidMap;
  const envelopes: string[] = [];
  beforeAll(async () => {
    t = await startImagingTopology({
      seed: 11,
      communities: 2,
      patients: 12,
      imaging: { series: 1, instances: 6, rows: 8, columns: 8, frames: 1 },
    });
    [A, B] = [t.pack.communities[0]!, t.pack.communities[1]!];
    expect(A.imaging.length).toBeGreaterThanOrEqual(8);
    map = new NistUidMap({
      'urn:oid:1.3.6.1.4.1.21367.13.70.201': A,
      'urn:oid:1.3.6.1.4.1.21367.13.70.101': A,
      'urn:oid:1.3.6.1.4.1.21367.13.70.102': B,
    });
  });
  afterAll(async () => {
    await expectSchemaValid(envelopes.map(xopToInlineForValidation));
    await t.stop();
  });

  const send = async (url: string, body: string): Promise<RetrieveDocumentSetResponse> => {
    const raw = await post(url, rad75Envelope(body));
    expect(raw.status).toBe(200);
    const { response, xml, action } = readRetrieveResponse(raw);
    expect(action).toBe(SoapAction.CrossGatewayRetrieveImagingDocumentSetResponse);
    envelopes.push(xml);
    return response;
  };
  /** What the responding gateway and the broker must both answer for a NIST body. */
  const both = async (file: string): Promise<RetrieveDocumentSetResponse> => {
    const body = map.body(file);
    const direct = await send(t.running.communities[0]!.endpoints['RAD-75']!, body);
    const brokered = await send(t.running.broker.endpoints['RAD-75'], body);
    expect(brokered).toEqual(direct);
    return direct;
  };
  /** [study, series, image] of a NIST body after the UID mapping, per requested image. */
  const images = (file: string) =>
    imagingDocumentRequests(map.request(file)).map(
      (r) => [r.studyInstanceUid, r.seriesInstanceUid, r.document.documentUniqueId] as const,
    );
  const served = (response: RetrieveDocumentSetResponse, file: string) =>
    expect(
      response.documents.map((d) => [d.homeCommunityId, d.repositoryUniqueId, d.documentUniqueId]),
    ).toEqual(images(file).map(([, , sop]) => [A.homeCommunityId, A.repositoryUniqueId, sop]));
  const err = (errorCode: string, codeContext: string, location = A.homeCommunityId): RegistryError => ({
    errorCode,
    codeContext,
    severity: E,
    location,
  });

  it.each([
    ['5421a Single Image', '5421a_Single-Image-Single-IDS_RAD-75-request-body.xml', 1],
    ['5421b Two Studies', '5421b_Two-Studies-Single-IDS_RAD-75-request-body.xml', 2],
    ['5421c One Multi-Image Study', '5421c_One-Multi-Image-Study-Single-IDS-F_RAD-75-request-body.xml', 5],
    [
      '5423a Two Imaging Document Sources (one repository per community here)',
      '5423a_Multiple-Imaging-Document-Source-Actors-E-F_RAD-75-request-body.xml',
      2,
    ],
  ])('%s: Success with every image, as the test plan expects', async (_name, file, count) => {
    const response = await both(RIG + file);
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    expect(response.documents).toHaveLength(count);
    served(response, RIG + file);
    await expectPackImages(t.pack, response.documents);
  });

  it.each([
    [
      '5424a Transfer Syntax Failure (JPEG Baseline)',
      '5424a_Transfer-Syntax-Failure-Single-IDS_RAD-75-request-body.xml',
      '1.2.840.10008.1.2.4.50',
    ],
    // NIST's IDS can send JPEG Lossless; nir-sim serves only the two native little-endian syntaxes.
    [
      '5422a JPEG Lossless only',
      '5422a_Xfer-Syntax-JPEG-Lossless-Single-IDS_RAD-75-request-body.xml',
      '1.2.840.10008.1.2.4.70',
    ],
    [
      '5422b JPEG Baseline or Lossless',
      '5422b_Multiple-Transfer-Syntaxes-Single-IDS_RAD-75-request-body.xml',
      '1.2.840.10008.1.2.4.50, 1.2.840.10008.1.2.4.70',
    ],
  ])(
    '%s: Failure, XDSRepositoryError per image (the RAD-69 transfer-syntax error)',
    async (_name, file, asked) => {
      const response = await both(RIG + file);
      expect(response).toEqual({
        status: ResponseStatus.Failure,
        documents: [],
        errors: images(RIG + file).map(([st, se, sop]) =>
          err(
            'XDSRepositoryError',
            `image ${st}:${se}:${sop} cannot be encoded in any of the requested transfer syntaxes (${asked}); ${SERVED}`,
          ),
        ),
      });
    },
  );

  it('5424b Unknown DICOM UIDs: Failure, XDSDocumentUniqueIdError naming study:series:instance', async () => {
    const file = `${RIG}5424b_Unknown-DICOM-UIDs-Single-IDS_RAD-75-request-body.xml`;
    const [[st, se, sop]] = images(file) as [readonly [string, string, string]];
    expect(await both(file)).toEqual({
      status: ResponseStatus.Failure,
      documents: [],
      errors: [
        err(
          'XDSDocumentUniqueIdError',
          `no image matching study:series:instance [${st}:${se}:${sop}] in repository ${A.repositoryUniqueId}`,
        ),
      ],
    });
  });

  it('5424c Unknown Imaging Document Source: Failure, XDSUnknownRepositoryId (NIST: XDSIUnknownIdsUid)', async () => {
    const file = `${RIG}5424c_Unknown-Imaging-Document-Source-Single-IDS_RAD-75-request-body.xml`;
    expect(await both(file)).toEqual({
      status: ResponseStatus.Failure,
      documents: [],
      errors: [
        err(
          'XDSUnknownRepositoryId',
          `repository 1.3.6.1.4.1.21367.13.71.201.2.999 is not in ${A.homeCommunityId}; this community's imaging document source is ${A.repositoryUniqueId}`,
        ),
      ],
    });
  });

  it.each([
    ['5425a Partial Success', '5425a_Partial-Success-Single-IDS_RAD-75-request-body.xml'],
    [
      '5425b Partial Success across two sources',
      '5425b_Partial-Success-Multiple-Imaging-Document-Source-Actors-E-F_RAD-75-request-body.xml',
    ],
  ])('%s: PartialSuccess with the known image and an error for the unknown one', async (_name, file) => {
    const response = await both(RIG + file);
    const [known, unknown] = images(RIG + file) as [
      readonly [string, string, string],
      readonly [string, string, string],
    ];
    expect(response.status).toBe(ResponseStatus.PartialSuccess);
    expect(response.errors).toEqual([
      err(
        'XDSDocumentUniqueIdError',
        `no image matching study:series:instance [${unknown.join(':')}] in repository ${A.repositoryUniqueId}`,
      ),
    ]);
    expect(response.documents.map((d) => d.documentUniqueId)).toEqual([known[2]]);
    await expectPackImages(t.pack, response.documents);
  });

  describe('initiating imaging gateway (the broker)', () => {
    const broker = (file: string) => send(t.running.broker.endpoints['RAD-75'], map.body(IIG + file));

    it('5401a Single Image, single responding gateway: Success', async () => {
      const file = '5401a_Single-Image-Single-Responding-Gateway_RAD-69-request-body-sent-to-IIG.xml';
      const response = await broker(file);
      expect(response.status).toBe(ResponseStatus.Success);
      expect(response.errors).toEqual([]);
      served(response, IIG + file);
      await expectPackImages(t.pack, response.documents);
    });

    it('5403a Multiple Responding Gateways: one RAD-75 per community with the nesting NIST expects, 7 images merged', async () => {
      const file = '5403a_Multiple-Responding-Gateways_RAD-69-request-body-sent-to-IIG.xml';
      const before = t.transactions.length;
      const response = await broker(file);
      expect(response.status).toBe(ResponseStatus.Success);
      expect(response.errors).toEqual([]);
      expect(response.documents.map((d) => d.homeCommunityId)).toEqual([
        A.homeCommunityId,
        ...Array<string>(6).fill(B.homeCommunityId),
      ]);
      await expectPackImages(t.pack, response.documents);
      const event = t.transactions[before]!;
      const legs = event.legs.map((l) => [
        l.homeCommunityId,
        // The transaction log keeps each leg's whole SOAP envelope: decode its env:Body.
        decodeRetrieveImagingDocumentSetRequest(parseSoapEnvelope(parseXml(l.requestXml!), []).body!),
      ]);
      expect(legs).toEqual([
        [
          A.homeCommunityId,
          map.request(
            `${IIG}5403a_Multiple-Responding-Gateways_testplan_expected-RAD-75-request-from-IIG_to-RIG-A.xml`,
          ),
        ],
        [
          B.homeCommunityId,
          map.request(
            `${IIG}5403a_Multiple-Responding-Gateways_testplan_expected-RAD-75-request-from-IIG_to-RIG-B.xml`,
          ),
        ],
      ]);
      expect(event.transaction).toBe('RAD-75');
      expect(
        event.studies?.map((s) => [s.studyInstanceUid, s.homeCommunityId, s.documentUniqueIds.length]),
      ).toEqual([
        [images(IIG + file)[0]![0], A.homeCommunityId, 1],
        [images(IIG + file)[1]![0], B.homeCommunityId, 6],
      ]);
    });

    it('5404c Unknown Responding Gateway: Failure, XDSUnknownCommunity, nothing sent', async () => {
      const file =
        '5404c_Unknown-Responding-Gateway-Single-Responding-Gateway_RAD-69-request-body-sent-to-IIG.xml';
      const [[st, se, sop]] = images(IIG + file) as [readonly [string, string, string]];
      expect(await broker(file)).toEqual({
        status: ResponseStatus.Failure,
        documents: [],
        errors: [
          {
            errorCode: 'XDSUnknownCommunity',
            codeContext: `homeCommunityId urn:oid:1.3.6.1.4.1.21367.13.70.102.999 is not a community NIR knows (image ${st}:${se}:${sop})`,
            severity: E,
          },
        ],
      });
      expect(t.transactions.at(-1)!.legs).toEqual([]);
    });

    it('5405b Partial Success, multiple responding gateways: the image of A, the error of B located at B', async () => {
      const file = '5405b_Partial-Success-Multiple-Responding-Gateways_RAD-69-request-body-sent-to-IIG.xml';
      const [known, unknown] = images(IIG + file) as [
        readonly [string, string, string],
        readonly [string, string, string],
      ];
      const response = await broker(file);
      expect(response.status).toBe(ResponseStatus.PartialSuccess);
      expect(response.errors).toEqual([
        err(
          'XDSDocumentUniqueIdError',
          `no image matching study:series:instance [${unknown.join(':')}] in repository ${B.repositoryUniqueId}`,
          B.homeCommunityId,
        ),
      ]);
      expect(response.documents.map((d) => [d.homeCommunityId, d.documentUniqueId])).toEqual([
        [A.homeCommunityId, known[2]],
      ]);
      await expectPackImages(t.pack, response.documents);
    });
  });
});
