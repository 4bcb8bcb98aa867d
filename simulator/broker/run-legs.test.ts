/**
 * A failed leg's record (LegEvent) keeps what went over the wire: the request as sent and whatever
 * answer arrived (status, headers, body), or the request and why no answer came. Real legs over
 * real sockets to small HTTP servers on port 0 that answer each failure kind; every recorded leg
 * is asserted whole. The transaction log cuts a failed leg's body at its bound with its marker.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransactionLog } from '../control/transaction-log.js';
import type { LegEvent, TransactionEvent } from '../events/transaction-events.js';
import { systemClock } from '../shared/clock.js';
import { silentLogger } from '../shared/logger.js';
import { buildSoapEnvelope } from '../soap/envelope.js';
import { SoapFaultError, buildSoapFault } from '../soap/fault.js';
import { encodeAdhocQueryRequest } from '../xca/adhoc-query-request.js';
import { EntryStatus, SoapAction, StoredQueryId, Transaction } from '../xca/constants.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import type { AdhocQueryRequest } from '../xca/types.js';
import { CommunityDirectory, type CommunityEndpoint } from './community-directory.js';
import type { BrokerContext } from './context.js';
import { runLegs } from './run-legs.js';

const findDocuments: AdhocQueryRequest = {
  returnType: 'LeafClass',
  returnComposedObjects: true,
  queryId: StoredQueryId.FindDocuments,
  slots: [
    { name: '$XDSDocumentEntryPatientId', values: [`'${nhsNumberToCx('9434765919')}'`] },
    { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
  ],
};
const SOAP_FAULT = buildSoapFault(new SoapFaultError('Receiver', 'the registry is down for maintenance'));
const BIG = 'x'.repeat(1024 * 1024);

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
}

/** Each path answers one way: what a community does when a leg fails. */
function answer(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  switch (req.url ?? '') {
    case '/soap-fault':
      send(res, 500, 'application/soap+xml; charset=UTF-8', SOAP_FAULT);
      return;
    case '/html-500':
      send(res, 500, 'text/html', '<html><body>Internal Server Error</body></html>');
      return;
    case '/malformed':
      send(res, 200, 'application/soap+xml', '<env:Envelope><unclosed>');
      return;
    case '/big-500':
      send(res, 500, 'text/plain', BIG);
      return;
    case '/fhir/DocumentReference?patient.identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9434765919&status=current':
      send(res, 200, 'application/fhir+json', 'not json');
      return;
    default:
      // /hang and the MHD timeout: never answer (the leg's deadline ends it).
      return;
  }
}

let server: Server;
let base = '';
let closedPort = 0;

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was just free: nothing listens there (the connection is refused).
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const context = (deadlineMs: number): BrokerContext => ({
  directory: new CommunityDirectory([], {}),
  deadlineMs,
  clock: systemClock,
  logger: silentLogger(),
  transport: { maxResponseBytes: 4 * 1024 * 1024 },
});
const xca = (url: string): CommunityEndpoint => ({
  name: 'north',
  homeCommunityId: 'urn:oid:1.2.826.0.1.9.1',
  endpoints: { 'ITI-38': url },
});

/** One ITI-38 leg to `community`, under a per-leg deadline of `deadlineMs`. */
async function oneLeg(community: CommunityEndpoint, deadlineMs = 30_000): Promise<LegEvent> {
  const bc = context(deadlineMs);
  const { events } = await runLegs([{ community }], Transaction.Iti38, {}, bc, (codec, t, signal) =>
    codec.query(t.community, findDocuments, signal, bc.transport),
  );
  expect(events).toHaveLength(1);
  return events[0]!;
}

/** The request envelope the leg must have sent to `url`, with the wsa:MessageID it carried. */
function sentEnvelope(leg: LegEvent, url: string): string {
  const messageId = /<wsa:MessageID>([^<]+)<\/wsa:MessageID>/.exec(leg.requestXml ?? '')?.[1];
  return buildSoapEnvelope({
    action: SoapAction.CrossGatewayQuery,
    to: url,
    messageId: messageId ?? 'no wsa:MessageID sent',
    bodyXml: encodeAdhocQueryRequest(findDocuments),
  });
}

const timing = { startedAt: expect.any(Number) as number, durationMs: expect.any(Number) as number };
const nodeHeaders = (type: string, length: number): Record<string, string> => ({
  'content-type': type,
  'content-length': String(length),
  date: expect.any(String) as string,
  connection: 'keep-alive',
  'keep-alive': 'timeout=5',
});

describe('a failed leg keeps its request and whatever answer arrived', () => {
  it('a SOAP Fault: the request, HTTP 500, its headers and the fault envelope', async () => {
    const url = `${base}/soap-fault`;
    const leg = await oneLeg(xca(url));
    expect(leg).toEqual({
      community: 'north',
      homeCommunityId: 'urn:oid:1.2.826.0.1.9.1',
      ...timing,
      outcome: 'failed',
      failure: { reason: 'soap-fault', detail: 'Receiver: the registry is down for maintenance' },
      errorCodes: [],
      httpStatus: 500,
      requestXml: sentEnvelope(leg, url),
      responseHeaders: nodeHeaders('application/soap+xml; charset=UTF-8', SOAP_FAULT.length),
      responseXml: SOAP_FAULT,
    });
  });

  it('HTTP 500 text/html: the page as responseBody (not XML)', async () => {
    const url = `${base}/html-500`;
    const leg = await oneLeg(xca(url));
    const page = '<html><body>Internal Server Error</body></html>';
    expect(leg).toEqual({
      community: 'north',
      homeCommunityId: 'urn:oid:1.2.826.0.1.9.1',
      ...timing,
      outcome: 'failed',
      failure: { reason: 'http-status', detail: 'HTTP 500: HTTP 500 without a SOAP envelope' },
      errorCodes: [],
      httpStatus: 500,
      requestXml: sentEnvelope(leg, url),
      responseHeaders: nodeHeaders('text/html', page.length),
      responseBody: page,
    });
  });

  it('malformed XML: the bytes as received', async () => {
    const url = `${base}/malformed`;
    const leg = await oneLeg(xca(url));
    expect(leg).toEqual({
      community: 'north',
      homeCommunityId: 'urn:oid:1.2.826.0.1.9.1',
      ...timing,
      outcome: 'failed',
      failure: {
        reason: 'malformed',
        detail: expect.stringMatching(/^the response is not a SOAP 1\.2 message: /) as string,
      },
      errorCodes: [],
      httpStatus: 200,
      requestXml: sentEnvelope(leg, url),
      responseHeaders: nodeHeaders('application/soap+xml', 24),
      responseXml: '<env:Envelope><unclosed>',
    });
  });

  it('a timeout: the request and "no response" with why', async () => {
    const url = `${base}/hang`;
    const leg = await oneLeg(xca(url), 300);
    expect(leg).toEqual({
      community: 'north',
      homeCommunityId: 'urn:oid:1.2.826.0.1.9.1',
      ...timing,
      outcome: 'failed',
      failure: { reason: 'timeout', detail: 'no answer within 300 ms' },
      errorCodes: [],
      requestXml: sentEnvelope(leg, url),
      noResponse: 'no answer within 300 ms',
    });
  });

  it('a refused connection: the request and "no response" with why', async () => {
    const url = `http://127.0.0.1:${closedPort}/xca/iti38`;
    const leg = await oneLeg(xca(url));
    const detail = leg.failure?.detail ?? '';
    expect(detail).toMatch(/ECONNREFUSED|refused/);
    expect(leg).toEqual({
      community: 'north',
      homeCommunityId: 'urn:oid:1.2.826.0.1.9.1',
      ...timing,
      outcome: 'failed',
      failure: { reason: 'refused', detail },
      errorCodes: [],
      requestXml: sentEnvelope(leg, url),
      noResponse: detail,
    });
  });

  it('an MHD leg: its request line, and the answer that is not FHIR JSON', async () => {
    const mhd: CommunityEndpoint = {
      name: 'east-mhd',
      homeCommunityId: 'urn:oid:1.2.826.0.1.9.7',
      protocol: 'mhd',
      endpoints: { 'ITI-67': `${base}/fhir/DocumentReference` },
      fhirBase: `${base}/fhir`,
    };
    const leg = await oneLeg(mhd);
    const line = `GET ${base}/fhir/DocumentReference?patient.identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9434765919&status=current`;
    expect(leg).toEqual({
      community: 'east-mhd',
      homeCommunityId: 'urn:oid:1.2.826.0.1.9.7',
      ...timing,
      protocol: 'mhd',
      outcome: 'failed',
      failure: {
        reason: 'malformed',
        detail: expect.stringMatching(/^the ITI-67 answer is not FHIR JSON/) as string,
      },
      errorCodes: [],
      httpStatus: 200,
      requestLine: line,
      responseBody: 'not json',
    });
    const late = await oneLeg({ ...mhd, endpoints: { 'ITI-67': `${base}/hang/DocumentReference` } }, 300);
    expect(late).toMatchObject({
      outcome: 'failed',
      failure: { reason: 'timeout', detail: 'no answer within 300 ms' },
      requestLine: expect.stringMatching(
        /^GET http:\/\/127\.0\.0\.1:\d+\/hang\/DocumentReference\?patient\.identifier=/,
      ) as string,
      noResponse: 'no answer within 300 ms',
    });
    expect(late.responseBody).toBeUndefined();
    expect(late.httpStatus).toBeUndefined();
  });

  it('a streamed ITI-39 leg (the ITI-68 relay): a SOAP Fault with its answer, a timeout with its request', async () => {
    const doc = {
      homeCommunityId: 'urn:oid:1.2.826.0.1.9.1',
      repositoryUniqueId: '1.2.3',
      documentUniqueId: '1.2.3.4',
    };
    const streamed = async (url: string, deadlineMs: number): Promise<LegEvent> => {
      const bc = context(deadlineMs);
      const community: CommunityEndpoint = { ...xca(url), endpoints: { 'ITI-39': url } };
      const { events } = await runLegs([{ community }], Transaction.Iti39, {}, bc, (codec, t, signal) =>
        codec.retrieveStream(t.community, doc, signal, bc.transport, {
          idleTimeoutMs: 30_000,
          clock: systemClock,
        }),
      );
      return events[0]!;
    };
    const fault = await streamed(`${base}/soap-fault`, 30_000);
    expect(fault).toMatchObject({
      outcome: 'failed',
      failure: { reason: 'soap-fault', detail: 'Receiver: the registry is down for maintenance' },
      httpStatus: 500,
      responseHeaders: nodeHeaders('application/soap+xml; charset=UTF-8', SOAP_FAULT.length),
      responseXml: SOAP_FAULT,
    });
    expect(fault.requestXml).toContain('<xdsb:RetrieveDocumentSetRequest');
    expect(fault.requestXml).toContain(`<wsa:To env:mustUnderstand="1">${base}/soap-fault</wsa:To>`);
    const late = await streamed(`${base}/hang`, 300);
    expect(late).toMatchObject({
      outcome: 'failed',
      failure: { reason: 'timeout', detail: 'no answer within 300 ms' },
      noResponse: 'no answer within 300 ms',
    });
    expect(late.requestXml).toContain(`<wsa:To env:mustUnderstand="1">${base}/hang</wsa:To>`);
    expect(late.responseXml).toBeUndefined();
  });

  it('the transaction log cuts a failed leg body at its bound, marked, and lists legs without bodies', async () => {
    const url = `${base}/big-500`;
    const leg = await oneLeg(xca(url));
    expect(leg.responseBody).toBe(BIG);
    const log = new TransactionLog({ maxBodyBytes: 64 * 1024 });
    const tx: TransactionEvent = {
      id: 'tx-1',
      transaction: 'ITI-38',
      startedAt: leg.startedAt,
      durationMs: leg.durationMs,
      status: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure',
      errors: [],
      resultCount: 0,
      legs: [leg],
    };
    log.record(tx);
    const kept = log.get('tx-1')!.legs[0]!;
    expect(kept.responseBody).toBe(
      `${'x'.repeat(64 * 1024)}\n[nir-sim: body truncated: ${BIG.length} bytes, the first ${64 * 1024} kept]`,
    );
    expect(kept.requestXml).toBe(leg.requestXml);
    expect(kept.responseHeaders).toEqual(nodeHeaders('text/plain', BIG.length));
    const { requestXml: _q, responseBody: _b, responseHeaders: _h, ...summary } = leg;
    expect(log.list()[0]!.legs).toEqual([summary]);
  });
});
