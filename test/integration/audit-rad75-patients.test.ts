/**
 * The patient of a RAD-75 retrieve, read from the DICOM parts the broker relays: a study nobody
 * queried first is audited with one event for the request (studies, no patient: the request names
 * none) and, once its parts have been relayed, one more naming the Patient ID (0010,0020) of the
 * parts, found by `AuditEvent?patient=` at PARS; the consumer gets every byte unchanged, and the
 * broker has learnt the study's patient for the next retrieve. Parts that are not DICOM still relay
 * (from a hand-written community gateway) and name no patient.
 */
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditTrail } from '../../simulator/audit/audit-trail.js';
import { MemorySink } from '../../simulator/audit/sinks.js';
import { XcaPath } from '../../simulator/shared/xca-endpoints.js';
import { createBrokerApp } from '../../simulator/broker/broker.js';
import { CommunityDirectory } from '../../simulator/broker/community-directory.js';
import { SimEvents } from '../../simulator/control/events.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { imageFile, type DataPack } from '../../simulator/data-pack/pack-format.js';
import { validateAuditEvent } from '../../simulator/fhir/schema-validator.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { ResponseStatus, SoapAction } from '../../simulator/xca/constants.js';
import { post, readRetrieveResponse } from '../helpers/soap-http.js';
import { defaultPackDir } from '../helpers/topology.js';
import { wholeStudyRequest } from '../helpers/imaging-fixtures.js';
import {
  encodeRetrieveImagingDocumentSetRequest,
  type RetrieveImagingDocumentSetRequest,
} from '../../simulator/xca/retrieve-imaging-document-set.js';

/** A RAD-75 request envelope with its wsa:MessageID. */
const rad75Envelope = (
  req: RetrieveImagingDocumentSetRequest,
  { messageId }: { messageId: string },
): string =>
  buildSoapEnvelope({
    action: SoapAction.CrossGatewayRetrieveImagingDocumentSet,
    to: 'http://nir.invalid/xcai/rad75',
    messageId,
    bodyXml: encodeRetrieveImagingDocumentSetRequest(req),
  });

const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';

/** The entity of the consumer's wsa:MessageID (BALP XrequestId). */
const transactionEntity = (messageId: string) => ({
  what: { identifier: { system: 'https://fhir.nhs.uk/Id/transaction', value: messageId } },
  type: {
    system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType',
    code: 'XrequestId',
    display: 'XrequestId',
  },
});

describe('RAD-75 through the broker of a study never queried', () => {
  let dir: string;
  let running: RunningTopology;
  let pack: DataPack;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-audit-rad75-'));
    pack = await loadDataPack(defaultPackDir);
    running = await startInProcess(
      {
        host: '127.0.0.1',
        broker: { port: 0, deadlineMs: 10_000 },
        maxBodyBytes: 1024 * 1024,
        dataPackDir: pack.dir,
        communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
      },
      { logger: silentLogger(), audit: { dir } },
    );
  });
  afterAll(async () => {
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const onDisk = (): AuditEvent[] =>
    readFileSync(running.audit!.file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as AuditEvent);
  const ofMessage = (messageId: string): AuditEvent[] =>
    onDisk().filter((e) =>
      e.entity?.some((x) => x.type?.code === 'XrequestId' && x.what?.identifier?.value === messageId),
    );

  it('names the Patient ID of the relayed parts in a second AuditEvent, found at PARS by patient', async () => {
    const c = pack.communities.find((x) => x.imaging.length > 0)!;
    const study = c.imaging[0]!;
    const nhs = study.patientId;
    const messageId = 'urn:uuid:00000000-0000-4000-8000-0000000075a1';
    const res = await post(
      running.broker.endpoints['RAD-75'],
      rad75Envelope(wholeStudyRequest(c, 0), { messageId }),
      undefined,
      { 'x-nir-consumer': 'acme' },
    );
    expect(res.status).toBe(200);
    const { response } = readRetrieveResponse(res);
    expect([response.status, response.errors]).toEqual([ResponseStatus.Success, []]);
    // Every byte of every image as the pack holds it (Explicit VR Little Endian was asked for).
    const sops = study.series.flatMap((se) => se.instances.map((i) => i.sopInstanceUid));
    expect(response.documents.map((d) => d.documentUniqueId).sort()).toEqual([...sops].sort());
    for (const d of response.documents) {
      const file = await readFile(imageFile(pack.dir, c.name, study.studyInstanceUid, d.documentUniqueId));
      expect(d.content.equals(file), d.documentUniqueId).toBe(true);
    }

    await vi.waitFor(() => expect(ofMessage(messageId)).toHaveLength(2), { timeout: 10_000 });
    const [first, second] = ofMessage(messageId) as [AuditEvent, AuditEvent];
    const studyEntity = {
      what: {
        identifier: {
          type: { coding: [{ system: DICOM, code: '110180', display: 'Study Instance UID' }] },
          value: study.studyInstanceUid,
        },
      },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '3', display: 'Report' },
      detail: [
        ...study.series.map((se) => ({ type: 'Series Instance UID', valueString: se.seriesInstanceUid })),
        ...sops.map((s) => ({ type: 'Document Unique Id', valueString: s })),
        { type: 'Repository Unique Id', valueString: c.repositoryUniqueId },
        { type: 'ihe:homeCommunityID', valueString: c.homeCommunityId },
      ],
    };
    const endpoint = first.entity![1]!;
    expect([endpoint.type?.code, endpoint.what?.identifier?.value]).toEqual([
      'Endpoint',
      running.broker.endpoints['RAD-75'],
    ]);
    // Audit before answer: the request's event names the study, and no patient (none was known).
    expect(first.entity).toEqual([transactionEntity(messageId), endpoint, studyEntity]);
    // After the relay: the patient of the parts, with the same transaction, endpoint and study.
    expect(second.entity).toEqual([
      {
        what: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhs } },
        type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
        role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
      },
      transactionEntity(messageId),
      endpoint,
      studyEntity,
    ]);
    expect([second.subtype, second.type, second.outcome, second.outcomeDesc, second.agent]).toEqual([
      first.subtype,
      first.type,
      '0',
      'Success',
      first.agent,
    ]);
    expect(second.type).toEqual({ system: DICOM, code: '110103', display: 'DICOM Instances Accessed' });
    expect(second.id).not.toBe(first.id);
    expect(validateAuditEvent(second)).toEqual({ ok: true });

    // A privacy officer's search by patient finds the access.
    await running.audit!.drained();
    const found = await fetch(`${running.pars!.url}/FHIR/R4/AuditEvent?patient=${nhs}&subtype=RAD-75`);
    expect(found.status).toBe(200);
    const bundle = (await found.json()) as Bundle<AuditEvent>;
    expect(bundle.entry?.map((e) => e.resource?.id)).toEqual([second.id]);

    // The broker learnt the study's patient: the next retrieve names it up front, once.
    const again = 'urn:uuid:00000000-0000-4000-8000-0000000075a2';
    const res2 = await post(
      running.broker.endpoints['RAD-75'],
      rad75Envelope(wholeStudyRequest(c, 0), { messageId: again }),
    );
    expect(res2.status).toBe(200);
    const events = ofMessage(again);
    expect(events).toHaveLength(1);
    expect(events[0]!.entity![0]!.what?.identifier).toEqual({
      system: 'https://fhir.nhs.uk/Id/nhs-number',
      value: nhs,
    });
  });
});

describe('RAD-75 parts that are not DICOM', () => {
  const HOME = 'urn:oid:1.2.826.0.1.999.1';
  const REPO = '1.2.826.0.1.999.2';
  const STUDY = '1.2.826.0.1.999.5.1';
  const SERIES = '1.2.826.0.1.999.6.1';
  const SOP = '1.2.826.0.1.999.7.1';
  const BOUNDARY = 'GW_BOUNDARY';
  const bytes = Buffer.from('image 1 '.repeat(20_000));
  let gateway: http.Server;
  let broker: http.Server;
  let url: string;
  const sink = new MemorySink();
  const events = new SimEvents();
  const trail = new AuditTrail({ sinks: [sink] });
  events.subscribe(trail);
  const relayed: unknown[] = [];
  events.on('relayed-patients', (e) => relayed.push(e.patients));
  beforeAll(async () => {
    gateway = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const rs = 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0';
        const xml = buildSoapEnvelope({
          action: SoapAction.CrossGatewayRetrieveImagingDocumentSetResponse,
          bodyXml:
            `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="urn:ihe:iti:xds-b:2007" xmlns:rs="${rs}" xmlns:xop="http://www.w3.org/2004/08/xop/include">` +
            `<rs:RegistryResponse status="${ResponseStatus.Success}"/>` +
            `<xdsb:DocumentResponse><xdsb:HomeCommunityId>${HOME}</xdsb:HomeCommunityId><xdsb:RepositoryUniqueId>${REPO}</xdsb:RepositoryUniqueId>` +
            `<xdsb:DocumentUniqueId>${SOP}</xdsb:DocumentUniqueId><xdsb:mimeType>application/dicom</xdsb:mimeType><xdsb:Document><xop:Include href="cid:a@gw"/></xdsb:Document></xdsb:DocumentResponse>` +
            '</xdsb:RetrieveDocumentSetResponse>',
        });
        res.writeHead(200, {
          'content-type': `multipart/related; boundary=${BOUNDARY}; type="application/xop+xml"; start="<root@gw>"; start-info="application/soap+xml"`,
        });
        res.end(
          Buffer.concat([
            Buffer.from(
              `--${BOUNDARY}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-ID: <root@gw>\r\n\r\n${xml}`,
            ),
            Buffer.from(`\r\n--${BOUNDARY}\r\nContent-Type: application/dicom\r\nContent-ID: <a@gw>\r\n\r\n`),
            bytes,
            Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
          ]),
        );
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const g = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/rad75`;
    const app = createBrokerApp({
      maxBodyBytes: 1024 * 1024,
      context: {
        directory: new CommunityDirectory([
          { name: 'their-gateway', homeCommunityId: HOME, endpoints: { 'RAD-75': g } },
        ]),
        deadlineMs: 10_000,
        clock: systemClock,
        logger: silentLogger(),
        transport: { maxResponseBytes: 1024 * 1024 },
        recorder: events,
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

  it('relays them unchanged and audits the access without a patient', async () => {
    const messageId = 'urn:uuid:00000000-0000-4000-8000-0000000075b1';
    const res = await post(
      url,
      rad75Envelope(
        {
          studies: [
            {
              studyInstanceUid: STUDY,
              series: [
                {
                  seriesInstanceUid: SERIES,
                  documents: [{ homeCommunityId: HOME, repositoryUniqueId: REPO, documentUniqueId: SOP }],
                },
              ],
            },
          ],
          transferSyntaxUids: ['1.2.840.10008.1.2.1'],
        },
        { messageId },
      ),
    );
    expect(res.status).toBe(200);
    const { response } = readRetrieveResponse(res);
    expect([response.status, response.errors, response.documents.length]).toEqual([
      ResponseStatus.Success,
      [],
      1,
    ]);
    expect(response.documents[0]!.content.equals(bytes)).toBe(true);
    await vi.waitFor(() => expect(relayed).toEqual([[]]), { timeout: 10_000 });
    expect(sink.events).toHaveLength(1);
    expect(sink.events[0]!.entity!.map((x) => x.role?.code ?? x.type?.code)).toEqual([
      'XrequestId',
      '17',
      '3',
    ]);
    expect(sink.events[0]!.entity![2]!.what?.identifier?.value).toBe(STUDY);
  });
});
