/**
 * The broker's RAD-75 relay against a hand-written responding gateway (as a supplier's own
 * gateway might answer): parts in another order than the XML and an extra part, a document sent
 * inline as base64, a DocumentResponse naming another community, and the failures that can only
 * abort the consumer connection: a community that stalls after its root part (idle timeout), or
 * whose answer ends without a part it referenced.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommunityDirectory } from '../../simulator/broker/community-directory.js';
import { XcaPath } from '../../simulator/shared/xca-endpoints.js';
import { createBrokerApp } from '../../simulator/broker/broker.js';
import { virtualClock } from '../../simulator/shared/clock.js';
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { ErrorSeverity, ResponseStatus, SoapAction } from '../../simulator/xca/constants.js';
import { postRaw, readRetrieveResponse } from '../helpers/soap-http.js';
import { capturingLogger } from '../helpers/soap-support.js';
import { rad75Envelope } from '../helpers/imaging-fixtures.js';
import { timersAre } from '../helpers/virtual-time.js';

const HOME = 'urn:oid:1.2.826.0.1.999.1';
const REPO = '1.2.826.0.1.999.2';
const STUDY = '1.2.826.0.1.999.5.1';
const SERIES = '1.2.826.0.1.999.6.1';
const sop = (n: number) => `1.2.826.0.1.999.7.${n}`;
const BOUNDARY = 'GW_BOUNDARY';

/** A RetrieveDocumentSetResponse body: one DocumentResponse per [sop, home, Document content]. */
function responseBody(docs: [string, string, string][]): string {
  const rs = 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0';
  return (
    `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="urn:ihe:iti:xds-b:2007" xmlns:rs="${rs}" xmlns:xop="http://www.w3.org/2004/08/xop/include">` +
    `<rs:RegistryResponse status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/>` +
    docs
      .map(
        ([id, home, doc]) =>
          `<xdsb:DocumentResponse><xdsb:HomeCommunityId>${home}</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>${REPO}</xdsb:RepositoryUniqueId>` +
          `<xdsb:DocumentUniqueId>${id}</xdsb:DocumentUniqueId><xdsb:mimeType>application/dicom</xdsb:mimeType><xdsb:Document>${doc}</xdsb:Document></xdsb:DocumentResponse>`,
      )
      .join('') +
    '</xdsb:RetrieveDocumentSetResponse>'
  );
}
const include = (cid: string) => `<xop:Include href="cid:${cid}"/>`;
const envelope = (body: string) =>
  buildSoapEnvelope({ action: SoapAction.CrossGatewayRetrieveImagingDocumentSetResponse, bodyXml: body });
const part = (cid: string, bytes: Buffer) =>
  Buffer.concat([
    Buffer.from(`\r\n--${BOUNDARY}\r\nContent-Type: application/dicom\r\nContent-ID: <${cid}>\r\n\r\n`),
    bytes,
  ]);
const rootPart = (xml: string) =>
  Buffer.from(
    `--${BOUNDARY}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-ID: <root@gw>\r\n\r\n${xml}`,
  );
const MTOM = `multipart/related; boundary=${BOUNDARY}; type="application/xop+xml"; start="<root@gw>"; start-info="application/soap+xml"`;

const bytes = (n: number) => Buffer.from(`image ${n} `.repeat(5000));
const request = (n: number) =>
  rad75Envelope({
    studies: [
      {
        studyInstanceUid: STUDY,
        series: [
          {
            seriesInstanceUid: SERIES,
            documents: Array.from({ length: n }, (_, i) => ({
              homeCommunityId: HOME,
              repositoryUniqueId: REPO,
              documentUniqueId: sop(i + 1),
            })),
          },
        ],
      },
    ],
    transferSyntaxUids: ['1.2.840.10008.1.2.1'],
  });

describe('the broker relaying a community gateway it does not simulate', () => {
  let answer: (res: http.ServerResponse) => void;
  let gateway: http.Server;
  let broker: http.Server;
  let url: string;
  const log = capturingLogger();
  // The broker's deadlines and the RAD-75 idle timeout run on this clock: they fire only when a
  // test moves it (simulator/shared/clock.ts), whatever the machine is doing.
  const clock = virtualClock();
  beforeAll(async () => {
    gateway = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => answer(res));
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const g = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/rad75`;
    const app = createBrokerApp({
      maxBodyBytes: 1024 * 1024,
      imagingIdleTimeoutMs: 300_000,
      context: {
        directory: new CommunityDirectory([
          { name: 'their-gateway', homeCommunityId: HOME, endpoints: { 'RAD-75': g } },
        ]),
        deadlineMs: 2_000,
        clock,
        logger: log.logger,
        transport: { maxResponseBytes: 1024 * 1024 },
      },
    });
    broker = http.createServer(app);
    await new Promise<void>((r) => broker.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(broker.address() as AddressInfo).port}${XcaPath.rad75}`;
  });
  afterAll(async () => {
    broker.closeAllConnections();
    gateway.closeAllConnections();
    await Promise.all([new Promise((r) => broker.close(r)), new Promise((r) => gateway.close(r))]);
  });

  it('relays parts sent in another order than the XML, drops an unreferenced one, and sends an inline document as a part', async () => {
    answer = (res) => {
      const xml = envelope(
        responseBody([
          [sop(1), HOME, include('a@gw')],
          [sop(2), HOME, include('b@gw')],
          [sop(3), HOME, bytes(3).toString('base64')],
        ]),
      );
      res.writeHead(200, { 'content-type': MTOM });
      res.end(
        Buffer.concat([
          rootPart(xml),
          part('b@gw', bytes(2)),
          part('extra@gw', bytes(9)),
          part('a@gw', bytes(1)),
          Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
        ]),
      );
    };
    const raw = await postRaw(url, request(3));
    expect(raw.complete).toBe(true);
    const { response } = readRetrieveResponse(raw);
    expect(response.status).toBe(ResponseStatus.Success);
    expect(
      response.documents.map((d) => [
        d.documentUniqueId,
        d.content.equals(bytes(Number(d.documentUniqueId.slice(-1)))),
      ]),
    ).toEqual([
      [sop(1), true],
      [sop(2), true],
      [sop(3), true],
    ]);
  });

  it('drops a DocumentResponse that names another community, with an Error, and still relays the rest', async () => {
    answer = (res) => {
      const xml = envelope(
        responseBody([
          [sop(1), 'urn:oid:9.9.9', include('a@gw')],
          [sop(2), HOME, include('b@gw')],
        ]),
      );
      res.writeHead(200, { 'content-type': MTOM });
      res.end(
        Buffer.concat([
          rootPart(xml),
          part('a@gw', bytes(1)),
          part('b@gw', bytes(2)),
          Buffer.from(`\r\n--${BOUNDARY}--`),
        ]),
      );
    };
    const { response } = readRetrieveResponse(await postRaw(url, request(2)));
    expect(response.status).toBe(ResponseStatus.PartialSuccess);
    expect(response.errors).toEqual([
      {
        errorCode: 'XDSRegistryError',
        codeContext: `community ${HOME} (their-gateway) returned DocumentResponse ${sop(1)} with home urn:oid:9.9.9; it was dropped because it names another community`,
        severity: ErrorSeverity.Error,
        location: HOME,
      },
    ]);
    expect(response.documents.map((d) => [d.documentUniqueId, d.content.equals(bytes(2))])).toEqual([
      [sop(2), true],
    ]);
  });

  it.each([
    ['stalls after its root part for longer than the idle timeout', false],
    ['ends without a part its root part referenced', true],
  ])('a community that %s: the consumer connection is aborted and the community logged', async (_n, ends) => {
    answer = (res) => {
      const xml = envelope(
        responseBody([
          [sop(1), HOME, include('a@gw')],
          [sop(2), HOME, include('b@gw')],
        ]),
      );
      res.writeHead(200, { 'content-type': MTOM });
      res.write(Buffer.concat([rootPart(xml), part('a@gw', bytes(1))]));
      if (ends) res.end(`\r\n--${BOUNDARY}--\r\n`);
    };
    const pending = postRaw(url, request(2));
    if (!ends) {
      // The community's leg has settled (its deadline dropped) and the relay waits for part bytes.
      await timersAre(clock, [300_000]);
      clock.advance(300_000);
    }
    const raw = await pending;
    expect(raw.status).toBe(200);
    expect(raw.complete).toBe(false);
    expect(raw.body.toString('latin1')).toContain(ResponseStatus.Success);
    const broke = log
      .lines()
      .filter((l) => String(l['msg']).startsWith('community stream broke after the root part was sent'));
    expect(broke.at(-1)).toMatchObject({
      level: 50,
      community: `community ${HOME} (their-gateway)`,
      err: ends
        ? 'ended without the part(s) its answer referenced: b@gw'
        : (expect.stringMatching(/no data for 300000 ms/) as string),
    });
    gateway.closeAllConnections();
  });
});
