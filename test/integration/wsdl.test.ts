/**
 * What a SOAP developer expects of the endpoints: `GET <endpoint>?wsdl` on the broker's sandbox
 * port and on every simulated gateway serves a WSDL 1.1 describing that endpoint (checked for
 * shape here, and used by node-soap, a WSDL-driven client nir-sim did not write, to run ITI-38
 * through the broker); other GETs and methods answer 405 with `Allow: POST`. The integration
 * (mTLS) port's WSDL is covered in openssl-recipe.test.ts.
 */
import http from 'node:http';
import soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSoapFault } from '../../simulator/soap/fault.js';
import { SoapNs, WSA_FAULT_ACTION } from '../../simulator/soap/namespaces.js';
import { parseXml } from '../../simulator/soap/xml.js';
import { parseSoapEnvelope } from '../../simulator/soap/envelope.js';
import { encodeAdhocQueryRequest } from '../../simulator/xca/adhoc-query-request.js';
import { EntryStatus, ResponseStatus, SoapAction, StoredQueryId } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';
import { checkWsdlShape, type WsdlFacts } from '../helpers/wsdl-shape.js';

let t: TestTopology;
beforeAll(async () => {
  t = await startTestTopology();
});
afterAll(async () => {
  await t.running.stop();
});

async function get(url: string, method = 'GET'): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, { method });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const EXPECTED: Record<'ITI-38' | 'ITI-39' | 'RAD-75', Omit<WsdlFacts, 'address'>> = {
  'ITI-38': {
    operation: 'CrossGatewayQuery',
    inputAction: SoapAction.CrossGatewayQuery,
    outputAction: SoapAction.CrossGatewayQueryResponse,
    inputElement: '{urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0}AdhocQueryRequest',
    outputElement: '{urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0}AdhocQueryResponse',
    mtom: false,
  },
  'ITI-39': {
    operation: 'CrossGatewayRetrieve',
    inputAction: SoapAction.CrossGatewayRetrieve,
    outputAction: SoapAction.CrossGatewayRetrieveResponse,
    inputElement: '{urn:ihe:iti:xds-b:2007}RetrieveDocumentSetRequest',
    outputElement: '{urn:ihe:iti:xds-b:2007}RetrieveDocumentSetResponse',
    mtom: true,
  },
  'RAD-75': {
    operation: 'CrossGatewayRetrieveImagingDocumentSet',
    inputAction: SoapAction.CrossGatewayRetrieveImagingDocumentSet,
    outputAction: SoapAction.CrossGatewayRetrieveImagingDocumentSetResponse,
    inputElement: '{urn:ihe:rad:xdsi-b:2009}RetrieveImagingDocumentSetRequest',
    outputElement: '{urn:ihe:iti:xds-b:2007}RetrieveDocumentSetResponse',
    mtom: true,
  },
};

describe('GET <endpoint>?wsdl', () => {
  it('the broker and every gateway describe each endpoint with its own address', async () => {
    const endpoints = [t.running.broker.endpoints, ...t.running.communities.map((c) => c.endpoints)];
    expect(endpoints).toHaveLength(t.pack.communities.length + 1);
    for (const eps of endpoints) {
      for (const tx of ['ITI-38', 'ITI-39', 'RAD-75'] as const) {
        const res = await get(`${eps[tx]}?wsdl`);
        expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/xml; charset=UTF-8']);
        expect(checkWsdlShape(res.text)).toEqual({ ...EXPECTED[tx], address: eps[tx] });
      }
    }
  });

  it('takes the address from the Host header the client used, and accepts ?WSDL', async () => {
    const url = new URL(t.running.broker.endpoints['ITI-38']);
    // fetch may not set Host; node:http may (RFC 9110 §7.2: the authority the client used).
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      http
        .get(
          {
            host: url.hostname,
            port: url.port,
            path: `${url.pathname}?WSDL`,
            headers: { host: `localhost:${url.port}` },
          },
          (r) => {
            let text = '';
            r.setEncoding('utf8');
            r.on('data', (c: string) => (text += c));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, text }));
          },
        )
        .on('error', reject);
    });
    expect(res.status).toBe(200);
    expect(checkWsdlShape(res.text).address).toBe(`http://localhost:${url.port}/xca/iti38`);
  });

  it('node-soap, driven by the WSDL alone, runs ITI-38 through the broker and reads the AdhocQueryResponse', async () => {
    const url = t.running.broker.endpoints['ITI-38'];
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const client = await soap.createClientAsync(`${url}?wsdl`, { forceSoap12Headers: true });
    expect(client.describe()).toEqual({
      RespondingGatewayQuery_Service: {
        RespondingGatewayQuery_Port_Soap12: { CrossGatewayQuery: expect.any(Object) as unknown },
      },
    });
    let n = 0;
    // WS-Addressing headers are the developer's job in node-soap: built from what the WSDL told it.
    client.addSoapHeader(
      (_method: unknown, location: string, soapAction: string) =>
        `<wsa:Action xmlns:wsa="${SoapNs.wsa}">${soapAction}</wsa:Action>` +
        `<wsa:MessageID xmlns:wsa="${SoapNs.wsa}">urn:uuid:00000000-0000-4000-8000-00000000000${++n}</wsa:MessageID>` +
        `<wsa:To xmlns:wsa="${SoapNs.wsa}">${location}</wsa:To>`,
    );
    const body = encodeAdhocQueryRequest({
      returnType: 'LeafClass',
      returnComposedObjects: true,
      queryId: StoredQueryId.FindDocuments,
      slots: [
        { name: '$XDSDocumentEntryPatientId', values: [`'${nhsNumberToCx(nhs)}'`] },
        { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
      ],
    }).replace(/^<\?xml[^?]*\?>/, '');
    // node-soap names the method after the WSDL operation; `_xml` is its documented raw-body argument.
    const call = client['CrossGatewayQueryAsync'] as (args: { _xml: string }) => Promise<unknown>;
    const [result, rawResponse] = (await call({ _xml: body })) as [
      { attributes: { status: string } },
      string,
    ];
    expect(client.lastRequestHeaders).toMatchObject({
      'Content-Type': `application/soap+xml; charset=utf-8; action="${SoapAction.CrossGatewayQuery}"`,
    });
    expect(result.attributes.status).toBe(ResponseStatus.Success);
    // The same answer the project's own client gets for the same query.
    const viaNodeSoap = readQueryResponse({
      status: 200,
      contentType: 'application/soap+xml',
      body: Buffer.from(rawResponse),
    });
    const direct = readQueryResponse(await post(url, findDocuments(nhs)));
    expect(viaNodeSoap.relatesTo).toBe('urn:uuid:00000000-0000-4000-8000-000000000001');
    expect(viaNodeSoap.action).toBe(SoapAction.CrossGatewayQueryResponse);
    expect(viaNodeSoap.response.status).toBe(ResponseStatus.Success);
    expect(viaNodeSoap.response.errors).toEqual(direct.response.errors);
    const ids = (r: typeof direct): string[] => r.response.objects.map((o) => o.id).sort();
    expect(ids(viaNodeSoap)).toEqual(ids(direct));
    expect(ids(direct).length).toBeGreaterThan(0);
  });
});

describe('other methods on SOAP endpoints', () => {
  const fault = {
    code: 'Sender',
    reason: 'SOAP requests must use HTTP POST; GET ?wsdl describes this endpoint',
  };

  it.each([
    ['GET', '', true],
    ['GET', '?foo=1', true],
    ['PUT', '', true],
    ['DELETE', '?wsdl', true],
    ['HEAD', '', false],
  ] as const)(
    '%s%s: 405, Allow: POST, a SOAP Sender fault, on the broker and a gateway',
    async (method, q, hasBody) => {
      const before = t.transactions.length;
      for (const url of [
        t.running.broker.endpoints['ITI-39'],
        t.running.communities[0]!.endpoints['RAD-75'],
      ]) {
        const res = await get(url + q, method);
        expect([res.status, res.headers.get('allow'), res.headers.get('content-type')]).toEqual([
          405,
          'POST',
          `application/soap+xml; charset=UTF-8; action="${WSA_FAULT_ACTION}"`,
        ]);
        if (hasBody) {
          const env = parseSoapEnvelope(parseXml(res.text), []);
          expect(parseSoapFault(env.body!)).toEqual(fault);
        } else {
          expect(res.text).toBe('');
        }
      }
      expect(t.transactions.length).toBe(before);
    },
  );
});
