/**
 * The structural and count limits as a consumer meets them, on the broker and on a responding
 * gateway directly: deeply nested XML (a SOAP Fault env:Sender, HTTP 400), too many stored-query
 * Slots or values (an XDSStoredQueryParamNumber RegistryError, HTTP 200), too many ITI-39
 * DocumentRequests or RAD-75 studies (a SOAP Fault env:Sender naming the limit). Each answer is
 * checked whole, and both servers keep answering afterwards.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { ErrorCode, ErrorSeverity, ResponseStatus, SoapAction } from '../../simulator/xca/constants.js';
import { encodeRetrieveImagingDocumentSetRequest } from '../../simulator/xca/retrieve-imaging-document-set.js';
import type { DocumentRequest } from '../../simulator/xca/types.js';
import { findDocuments, retrieve } from '../helpers/requests.js';
import { post, readFault, readQueryResponse, type RawResponse } from '../helpers/soap-http.js';
import { external, startTestTopology, type TestTopology } from '../helpers/topology.js';

type Endpoints = Record<'ITI-38' | 'ITI-39' | 'RAD-75', string>;

describe('request limits on the broker and on a responding gateway', () => {
  let t: TestTopology;
  let nhs: string;
  /** Each server, its endpoints and the RegistryError `@location` it sets (ITI TF-2 3.38.4.1.3: a gateway names its community). */
  const servers: [string, () => Endpoints, () => { location?: string }][] = [
    ['the broker', () => t.running.broker.endpoints, () => ({})],
    [
      'a responding gateway',
      () => t.running.communities[0]!.endpoints as Endpoints,
      () => ({ location: t.pack.communities[0]!.homeCommunityId }),
    ],
  ];
  beforeAll(async () => {
    t = await startTestTopology({ simulated: 2 });
    nhs = t.pack.manifest.examples.inAllCommunities!;
  });
  afterAll(() => t.running.stop());

  /** HTTP 400 with exactly a SOAP 1.2 Sender fault with `reason`, no subcode. */
  const expectSenderFault = (raw: RawResponse, reason: string): void => {
    expect(raw.status).toBe(400);
    const { code, subcode, reason: got } = readFault(raw);
    expect({ code, subcode, reason: got }).toEqual({ code: 'env:Sender', subcode: undefined, reason });
  };
  const stillAnswers = async (e: Endpoints): Promise<void> => {
    const { response } = readQueryResponse(await post(e['ITI-38'], findDocuments(nhs)));
    expect(response.status).toBe(ResponseStatus.Success);
  };

  describe.each(servers)('%s', (_name, endpoints, location) => {
    // 30,000 levels (205 KB) stalled every server in the process for 20 s; 10^6 never finished.
    it.each([30_000, 1_000_000])('refuses a Body nested %i deep on every endpoint', async (depth) => {
      const nested = '<a>'.repeat(depth) + '</a>'.repeat(depth);
      const e = endpoints();
      for (const [action, url] of [
        [SoapAction.CrossGatewayQuery, e['ITI-38']],
        [SoapAction.CrossGatewayRetrieve, e['ITI-39']],
        [SoapAction.CrossGatewayRetrieveImagingDocumentSet, e['RAD-75']],
      ] as const) {
        const raw = await post(url, buildSoapEnvelope({ action, bodyXml: nested }));
        expectSenderFault(raw, 'The XML exceeds the structural limits of this service');
      }
      await stillAnswers(e);
    });

    it('answers 101 stored-query Slots with one XDSStoredQueryParamNumber naming the limit', async () => {
      const extraSlots = Array.from({ length: 99 }, (_, i) => ({ name: `$Unknown${i}`, values: ["'x'"] }));
      const raw = await post(endpoints()['ITI-38'], findDocuments(nhs, { extraSlots }));
      expect(raw.status).toBe(200);
      expect(readQueryResponse(raw).response).toEqual({
        status: ResponseStatus.Failure,
        errors: [
          {
            errorCode: ErrorCode.XDSStoredQueryParamNumber,
            codeContext: 'AdhocQuery has 101 Slots; at most 100 are accepted (MAX_QUERY_SLOTS)',
            severity: ErrorSeverity.Error,
            ...location(),
          },
        ],
        objects: [],
      });
    });

    it('answers a ClassCode list of 1,001 codes with one XDSStoredQueryParamNumber naming the parameter', async () => {
      const codes = Array.from({ length: 1_001 }, (_, i) => `'c${i}^^s'`).join(',');
      const extraSlots = [{ name: '$XDSDocumentEntryClassCode', values: [`(${codes})`] }];
      const raw = await post(endpoints()['ITI-38'], findDocuments(nhs, { extraSlots }));
      expect(raw.status).toBe(200);
      expect(readQueryResponse(raw).response).toEqual({
        status: ResponseStatus.Failure,
        errors: [
          {
            errorCode: ErrorCode.XDSStoredQueryParamNumber,
            codeContext:
              'Parameter $XDSDocumentEntryClassCode has 1001 list items; at most 1000 are accepted (MAX_SLOT_VALUES)',
            severity: ErrorSeverity.Error,
            ...location(),
          },
        ],
        objects: [],
      });
    });

    // 30,000 DocumentRequests produced a 103 MB answer in 20 s at 1.2 GB RSS (the unit test of
    // the decoder refuses 30,000; a smaller body keeps this test quick on a busy machine).
    it.each([1_001, 5_000])('refuses an ITI-39 with %i DocumentRequests naming the limit', async (n) => {
      const home = t.pack.communities[0]!.homeCommunityId;
      const documents: DocumentRequest[] = Array.from({ length: n }, (_, i) => ({
        homeCommunityId: home,
        repositoryUniqueId: '1.2.3',
        documentUniqueId: `1.2.3.${i}`,
      }));
      const raw = await post(endpoints()['ITI-39'], retrieve(documents));
      expectSenderFault(
        raw,
        `xdsb:RetrieveDocumentSetRequest has ${n} xdsb:DocumentRequest elements; at most 1000 are accepted (MAX_DOCUMENT_REQUESTS)`,
      );
      await stillAnswers(endpoints());
    });

    it('refuses a RAD-75 with 101 studies naming the limit', async () => {
      const home = t.pack.communities[0]!.homeCommunityId;
      const bodyXml = encodeRetrieveImagingDocumentSetRequest({
        studies: Array.from({ length: 101 }, (_, i) => ({
          studyInstanceUid: `1.2.${i}`,
          series: [
            {
              seriesInstanceUid: `1.2.${i}.1`,
              documents: [
                { homeCommunityId: home, repositoryUniqueId: '1.3', documentUniqueId: `1.2.${i}.1.1` },
              ],
            },
          ],
        })),
        transferSyntaxUids: ['1.2.840.10008.1.2.1'],
      });
      const raw = await post(
        endpoints()['RAD-75'],
        buildSoapEnvelope({ action: SoapAction.CrossGatewayRetrieveImagingDocumentSet, bodyXml }),
      );
      expectSenderFault(
        raw,
        'iherad:RetrieveImagingDocumentSetRequest has 101 iherad:StudyRequest elements; at most 100 are accepted (MAX_IMAGING_STUDIES)',
      );
    });
  });

  it('answers 10,000 repeated ClassCode Slots (1.2 MB) on the broker with the Slot limit', async () => {
    const extraSlots = Array.from({ length: 10_000 }, () => ({
      name: '$XDSDocumentEntryClassCode',
      values: ["('IMAGES^^1.3.6.1.4.1.19376.1.2.6.1')"],
    }));
    const raw = await post(t.running.broker.endpoints['ITI-38'], findDocuments(nhs, { extraSlots }));
    expect(raw.status).toBe(200);
    expect(readQueryResponse(raw).response).toEqual({
      status: ResponseStatus.Failure,
      errors: [
        {
          errorCode: ErrorCode.XDSStoredQueryParamNumber,
          codeContext: 'AdhocQuery has 10002 Slots; at most 100 are accepted (MAX_QUERY_SLOTS)',
          severity: ErrorSeverity.Error,
        },
      ],
      objects: [],
    });
  });
});

describe('a community answering deeply nested XML', () => {
  // The broker reads each community's answer with the same parser: a hostile community's answer
  // nested 10^6 deep must cost the broker no more than a well-formed one.
  it("is reported as an unusable answer, and the other communities' documents still come back", async () => {
    const depth = 1_000_000;
    const answer = buildSoapEnvelope({
      action: SoapAction.CrossGatewayQueryResponse,
      bodyXml: '<a>'.repeat(depth) + '</a>'.repeat(depth),
    });
    const hostile = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/soap+xml; charset=UTF-8' });
        res.end(answer);
      });
    });
    await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}/xca`;
    const t = await startTestTopology({ simulated: 1, externals: [external('hostile', '1.2.3.4.5', url)] });
    try {
      const nhs = t.pack.manifest.examples.inAllCommunities!;
      const { response } = readQueryResponse(
        await post(t.running.broker.endpoints['ITI-38'], findDocuments(nhs)),
      );
      const direct = readQueryResponse(
        await post(t.running.communities[0]!.endpoints['ITI-38']!, findDocuments(nhs)),
      ).response;
      expect(direct.objects.length).toBeGreaterThan(0);
      expect(response).toEqual({
        status: ResponseStatus.PartialSuccess,
        errors: [
          {
            errorCode: ErrorCode.XDSRegistryError,
            codeContext:
              'community urn:oid:1.2.3.4.5 (hostile) answered with a body that is not a SOAP 1.2 envelope (the response is not a SOAP 1.2 message: The XML exceeds the structural limits of this service)',
            severity: ErrorSeverity.Error,
            location: 'urn:oid:1.2.3.4.5',
          },
        ],
        objects: direct.objects,
      });
    } finally {
      await t.running.stop();
      await new Promise<void>((r) => hostile.close(() => r()));
    }
  });
});
