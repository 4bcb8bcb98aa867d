/**
 * The broker's audit through the in-process runtime: each answer's AuditEvent is on disk when the
 * answer arrives (written before it is sent), SOAP Faults of every family are audited with outcome
 * 8 or 12 and whatever could be read of the request, and the runtime exposes PARS and the queue.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEvent } from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { defaultParsPort } from '../../simulator/pars/pars-service.js';
import { validateAuditEvent } from '../../simulator/fhir/schema-validator.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { SoapAction } from '../../simulator/xca/constants.js';
import { findDocuments, getDocuments } from '../helpers/requests.js';
import { rad75Envelope, wholeStudyRequest } from '../helpers/imaging-fixtures.js';
import { post } from '../helpers/soap-http.js';
import { defaultPackDir } from '../helpers/topology.js';

let dir: string;
let running: RunningTopology;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-audit-broker-'));
  const pack = await loadDataPack(defaultPackDir);
  running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs: 5_000 },
      maxBodyBytes: 64 * 1024,
      dataPackDir: pack.dir,
      communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
    },
    { logger: silentLogger(), audit: { dir } },
  );
});
afterAll(async () => {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The audit file's events now. */
const onDisk = (): AuditEvent[] =>
  readFileSync(running.audit!.file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditEvent);

/** Send one request; the moment its answer is in, its event must already be the file's last line. */
async function sendAndRead(
  url: string,
  body: string,
  contentType?: string,
): Promise<{ status: number; event: AuditEvent; count: number }> {
  const before = onDisk().length;
  const res = await post(url, body, contentType, { 'x-nir-consumer': 'acme' });
  const after = onDisk();
  return { status: res.status, event: after.at(-1)!, count: after.length - before };
}

const summary = (e: AuditEvent) => ({
  subtype: e.subtype?.[0]?.code,
  outcome: e.outcome,
  outcomeDesc: e.outcomeDesc,
  messageId: e.entity?.find((x) => x.type?.code === 'XrequestId')?.what?.identifier?.value,
  endpoint: e.entity?.find((x) => x.type?.code === 'Endpoint')?.what?.identifier?.value,
  callingSystem: e.agent.find((a) => a.who?.type === 'Endpoint')?.who?.identifier?.value,
});

describe('broker audit', () => {
  it('runs PARS beside the broker (broker port + 20 by default) with an empty queue', () => {
    expect(defaultParsPort(8080)).toBe(8100);
    expect(defaultParsPort(0)).toBe(0);
    expect(running.pars!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(running.audit!.queueDir).toBe(path.join(dir, 'queue'));
  });

  it('writes the event of an answered query before the answer is sent', async () => {
    const iti38 = running.broker.endpoints['ITI-38'];
    const r = await sendAndRead(
      iti38,
      findDocuments('9995649284', { messageId: 'urn:uuid:00000000-0000-4000-8000-00000000a001' }),
    );
    expect({ status: r.status, count: r.count, ...summary(r.event) }).toEqual({
      status: 200,
      count: 1,
      subtype: 'ITI-38',
      outcome: '0',
      outcomeDesc: 'Success',
      messageId: 'urn:uuid:00000000-0000-4000-8000-00000000a001',
      endpoint: iti38,
      callingSystem: 'acme',
    });
  });

  it('a RAD-75 is audited against the patient whose KOS manifest an earlier ITI-38 returned', async () => {
    const pack = await loadDataPack(defaultPackDir);
    const c = pack.communities.find((x) => x.imaging.some((s) => s.patientId === '9995649284'))!;
    const studyIndex = c.imaging.findIndex((s) => s.patientId === '9995649284');
    await post(running.broker.endpoints['ITI-38'], findDocuments('9995649284'));
    const r = await sendAndRead(
      running.broker.endpoints['RAD-75'],
      rad75Envelope(wholeStudyRequest(c, studyIndex)),
    );
    expect([r.status, r.count, summary(r.event).subtype, summary(r.event).outcome]).toEqual([
      200,
      1,
      'RAD-75',
      '0',
    ]);
    const patient = r.event.entity?.find(
      (e) => e.what?.identifier?.system === 'https://fhir.nhs.uk/Id/nhs-number',
    );
    expect(patient?.what?.identifier?.value).toBe('9995649284');
    expect(validateAuditEvent(r.event)).toEqual({ ok: true });
  });

  it('a GetDocuments answered as ObjectRef names the entries, and the patient once a LeafClass answer revealed it', async () => {
    const pack = await loadDataPack(defaultPackDir);
    const c = pack.communities[0]!;
    const entry = c.entries.find((e) => !e.patientId.startsWith('9995649284'))!;
    const nhs = entry.patientId.split('^')[0]!;
    const iti38 = running.broker.endpoints['ITI-38'];
    const refs = (): Promise<{ status: number; event: AuditEvent; count: number }> =>
      sendAndRead(iti38, getDocuments([entry.uniqueId], c.homeCommunityId, 'ObjectRef'));
    const objectRef = {
      what: { identifier: { system: 'urn:ietf:rfc:3986', value: entry.entryUUID } },
      type: {
        system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
        code: '2',
        display: 'System Object',
      },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '3', display: 'Report' },
      description: 'registry object returned as an ObjectRef (entryUUID)',
      detail: [{ type: 'ihe:homeCommunityID', valueString: c.homeCommunityId }],
    };
    const shape = (e: AuditEvent) =>
      e.entity!.map((x) =>
        x.role?.code === '24'
          ? 'query'
          : x.type?.code === 'XrequestId'
            ? 'transaction'
            : x.type?.code === 'Endpoint'
              ? 'endpoint'
              : x,
      );
    const before = await refs();
    expect([before.status, before.count]).toEqual([200, 1]);
    expect(shape(before.event)).toEqual(['transaction', 'endpoint', 'query', objectRef]);
    expect(validateAuditEvent(before.event)).toEqual({ ok: true });

    await post(iti38, findDocuments(nhs)); // LeafClass: reveals the entry's patient
    const after = await refs();
    expect(shape(after.event)).toEqual([
      {
        what: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhs } },
        type: {
          system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
          code: '1',
          display: 'Person',
        },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
      },
      'transaction',
      'endpoint',
      'query',
      objectRef,
    ]);
  });

  it('audits SOAP Faults of every family, before the fault is sent, with outcome 8 or 12', async () => {
    const iti38 = running.broker.endpoints['ITI-38'];
    const iti39 = running.broker.endpoints['ITI-39'];
    const mid = 'urn:uuid:00000000-0000-4000-8000-00000000f001';
    const wrongAction = buildSoapEnvelope({
      action: SoapAction.CrossGatewayRetrieve,
      messageId: mid,
      bodyXml: '<x/>',
    });
    const soap11 =
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x/></s:Body></s:Envelope>';
    const mustUnderstand = buildSoapEnvelope({
      action: SoapAction.CrossGatewayQuery,
      messageId: mid,
      headersXml:
        '<p:Private xmlns:p="urn:example" xmlns:env="http://www.w3.org/2003/05/soap-envelope" env:mustUnderstand="true"/>',
      bodyXml: '<x/>',
    });
    const undecodable = buildSoapEnvelope({
      action: SoapAction.CrossGatewayRetrieve,
      messageId: mid,
      bodyXml: '<x xmlns="urn:x"/>',
    });
    const results = [];
    for (const [url, body] of [
      [iti38, '<not-xml'],
      [iti38, wrongAction],
      [iti38, soap11],
      [iti38, mustUnderstand],
      [iti39, undecodable],
      [iti38, `<a>${'x'.repeat(70 * 1024)}</a>`],
    ] as const) {
      const r = await sendAndRead(url, body);
      expect(validateAuditEvent(r.event)).toEqual({ ok: true });
      results.push({ status: r.status, count: r.count, ...summary(r.event) });
    }
    const fault = (status: number, subtype: string, desc: string, messageId?: string) => ({
      status,
      count: 1,
      subtype,
      outcome: '8',
      outcomeDesc: desc,
      messageId,
      endpoint: subtype === 'ITI-38' ? iti38 : iti39,
      callingSystem: 'acme',
    });
    expect(results).toEqual([
      fault(400, 'ITI-38', 'SOAP Fault env:Sender: XML is not well-formed (HTTP 400)'),
      fault(
        400,
        'ITI-38',
        'SOAP Fault env:Sender (wsa:ActionNotSupported): The action is not supported at this endpoint; expected urn:ihe:iti:2007:CrossGatewayQuery (HTTP 400)',
        mid,
      ),
      fault(500, 'ITI-38', 'SOAP Fault env:VersionMismatch: Only SOAP 1.2 is supported (HTTP 500)'),
      fault(
        500,
        'ITI-38',
        'SOAP Fault env:MustUnderstand: One or more mandatory SOAP header blocks not understood (HTTP 500)',
        mid,
      ),
      fault(
        400,
        'ITI-39',
        'SOAP Fault env:Sender: expected xdsb:RetrieveDocumentSetRequest ({urn:ihe:iti:xds-b:2007}RetrieveDocumentSetRequest), found {urn:x}x (HTTP 400)',
        mid,
      ),
      fault(413, 'ITI-38', 'SOAP Fault env:Sender: The message exceeds the 65536-byte limit (HTTP 413)'),
    ]);
  });
});
