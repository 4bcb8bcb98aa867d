/**
 * The broker records what happened before it answers (docs/architecture.md "Audit pipeline"): its
 * AuditRecorder is awaited before the answer's first byte, a SOAP Fault's too. Shown by a recorder
 * that holds each record until the test releases it: while it holds, the consumer has no answer
 * (checked after a whole other exchange with the same server), once released the answer arrives.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XcaPath } from '../../simulator/shared/xca-endpoints.js';
import { CONSUMER_HEADER, createBrokerApp } from '../../simulator/broker/broker.js';
import { CommunityDirectory } from '../../simulator/broker/community-directory.js';
import { findDocumentsEnvelope } from '../../simulator/cli/example-request.js';
import type { AuditRecorder, BrokerRecord } from '../../simulator/events/transaction-events.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import {
  ErrorCode,
  ErrorSeverity,
  ResponseStatus,
  SoapAction,
  StoredQueryId,
} from '../../simulator/xca/constants.js';
import { readFault, readQueryResponse, type RawResponse } from '../helpers/soap-http.js';

const PATIENT = '9995649284';
const MESSAGE_ID = 'urn:uuid:2f0c1d4e-6a55-4c1b-9d3e-8b7a6c5d4e3f';

/** Holds every record until `release()`; rejects it instead when `failWith` is set. */
class HeldRecorder implements AuditRecorder {
  readonly records: BrokerRecord[] = [];
  failWith: Error | undefined;
  private releases: (() => void)[] = [];
  private waiting: (() => void)[] = [];

  record(r: BrokerRecord): Promise<void> {
    this.records.push(r);
    for (const w of this.waiting.splice(0)) w();
    if (this.failWith) return Promise.reject(this.failWith);
    return new Promise((resolve) => this.releases.push(resolve));
  }

  /** Resolves once `n` records have arrived. */
  async arrived(n: number): Promise<void> {
    while (this.records.length < n) await new Promise<void>((r) => this.waiting.push(r));
  }

  release(): void {
    for (const r of this.releases.splice(0)) r();
  }
}

describe('the broker records before it answers', () => {
  const recorder = new HeldRecorder();
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    const app = createBrokerApp({
      maxBodyBytes: 64 * 1024,
      context: {
        directory: new CommunityDirectory([]),
        deadlineMs: 10_000,
        clock: systemClock,
        logger: silentLogger(),
        transport: { maxResponseBytes: 1024 * 1024 },
        recorder,
      },
    });
    server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** POST `body`; `headersIn()` tells whether the answer's status line has arrived yet. */
  function send(body: string): { headersIn: () => boolean; answer: Promise<RawResponse> } {
    let headers = false;
    const answer = fetch(base + XcaPath.iti38, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/soap+xml; charset=UTF-8', [CONSUMER_HEADER]: 'acme' },
    }).then(async (res) => {
      headers = true;
      return {
        status: res.status,
        contentType: res.headers.get('content-type') ?? '',
        body: Buffer.from(await res.arrayBuffer()),
      };
    });
    return { headersIn: () => headers, answer };
  }

  /** A whole exchange with the same server, so that an answer already written would be in. */
  async function roundTrip(): Promise<void> {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }

  it('a SOAP Fault leaves only once its FaultEvent is recorded', async () => {
    const before = recorder.records.length;
    const sent = send('<not-xml');
    await recorder.arrived(before + 1);
    await roundTrip();
    expect(sent.headersIn()).toBe(false);
    recorder.release();
    const r = await sent.answer;
    expect(r.status).toBe(400);
    expect(readFault(r)).toEqual({
      code: 'env:Sender',
      reason: 'XML is not well-formed',
      xml: r.body.toString(),
    });
    const rec = recorder.records[before]!;
    expect(rec.kind).toBe('fault');
    const event = rec.kind === 'fault' ? rec.event : undefined;
    expect(event).toEqual({
      id: expect.any(String) as string,
      transaction: 'ITI-38',
      consumerId: 'acme',
      requester: { assurance: 'unverified', callingSystem: { id: 'acme', source: 'x-nir-consumer-header' } },
      endpoint: base + XcaPath.iti38,
      remoteAddress: expect.any(String) as string,
      startedAt: expect.any(Number) as number,
      durationMs: expect.any(Number) as number,
      httpStatus: 400,
      code: 'Sender',
      reason: 'XML is not well-formed',
    });
  });

  it('a SOAP Fault after the envelope was read keeps the request envelope as received (requestXml)', async () => {
    const before = recorder.records.length;
    const envelope = findDocumentsEnvelope(PATIENT, MESSAGE_ID).replace(
      /<wsa:Action[^>]*>[^<]*<\/wsa:Action>/,
      '<wsa:Action soap:mustUnderstand="1">urn:example:not-an-iti-38-action</wsa:Action>',
    );
    expect(envelope).toContain('urn:example:not-an-iti-38-action');
    const sent = send(envelope);
    await recorder.arrived(before + 1);
    recorder.release();
    const r = await sent.answer;
    expect([r.status, readFault(r).reason]).toEqual([
      400,
      `The action is not supported at this endpoint; expected ${SoapAction.CrossGatewayQuery}`,
    ]);
    const rec = recorder.records[before]!;
    expect(rec.kind === 'fault' ? rec.event : undefined).toMatchObject({
      transaction: 'ITI-38',
      messageId: MESSAGE_ID,
      httpStatus: 400,
      code: 'Sender',
      subcode: 'wsa:ActionNotSupported',
      requestXml: envelope,
    });
  });

  it('an answer leaves only once its TransactionEvent is recorded, with the response as sent', async () => {
    const before = recorder.records.length;
    const sent = send(findDocumentsEnvelope(PATIENT, MESSAGE_ID));
    await recorder.arrived(before + 1);
    await roundTrip();
    expect(sent.headersIn()).toBe(false);
    recorder.release();
    const r = await sent.answer;
    expect(r.status).toBe(200);
    const warning = {
      errorCode: ErrorCode.XDSUnknownCommunity,
      codeContext: "no community is in scope for consumer 'acme'",
      severity: ErrorSeverity.Warning,
    };
    const { response, relatesTo } = readQueryResponse(r);
    expect(response).toEqual({ status: ResponseStatus.Success, errors: [warning], objects: [] });
    expect(relatesTo).toBe(MESSAGE_ID);
    const rec = recorder.records[before]!;
    const event = rec.kind === 'transaction' ? rec.event : undefined;
    expect(event).toMatchObject({
      transaction: 'ITI-38',
      messageId: MESSAGE_ID,
      consumerId: 'acme',
      patient: PATIENT,
      patientId: `${PATIENT}^^^&2.16.840.1.113883.2.1.4.1&ISO`,
      status: ResponseStatus.Success,
      errors: [warning],
      resultCount: 0,
      legs: [],
      endpoint: base + XcaPath.iti38,
      storedQuery: { id: StoredQueryId.FindDocuments },
      returnedDocuments: [],
      returnedObjectRefs: [],
      responseXml: r.body.toString('utf8'),
    });
  });

  it('an answer whose record fails is env:Receiver; a fault whose record fails is still sent', async () => {
    recorder.failWith = new Error('disk full');
    try {
      const answer = await send(findDocumentsEnvelope(PATIENT, MESSAGE_ID)).answer;
      expect(answer.status).toBe(500);
      expect(readFault(answer)).toEqual({
        code: 'env:Receiver',
        reason: 'internal error',
        xml: answer.body.toString(),
      });
      const fault = await send('<not-xml').answer;
      expect(fault.status).toBe(400);
      expect(readFault(fault)).toEqual({
        code: 'env:Sender',
        reason: 'XML is not well-formed',
        xml: fault.body.toString(),
      });
    } finally {
      recorder.failWith = undefined;
    }
  });
});
