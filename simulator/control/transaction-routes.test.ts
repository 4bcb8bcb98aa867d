/**
 * `/transactions` over real HTTP for FHIR requests beside XCA ones: the list filtered by
 * transaction with the per-transaction counts, an ITI-67's request line and FHIR JSON response
 * with their media types, an MHD leg's request line and body, a body cut by the log's bound served
 * as text, and a bad filter refused listing every problem.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LegEvent, TransactionEvent } from '../events/transaction-events.js';
import { ResponseStatus } from '../xca/constants.js';
import { TransactionLog } from './transaction-log.js';
import { transactionRoutes } from './transaction-routes.js';

const BASE = 'http://127.0.0.1:8080';
const SEARCH = `GET ${BASE}/fhir/DocumentReference?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9995649284&status=current`;
const BUNDLE = JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] });
const LEG_SEARCH =
  'GET http://127.0.0.1:8090/fhir/DocumentReference?patient.identifier=9995649284&status=current';

const xcaLeg: LegEvent = {
  community: 'north',
  homeCommunityId: 'urn:oid:2.25.1.1.1',
  startedAt: 1,
  durationMs: 12,
  outcome: 'answered',
  httpStatus: 200,
  errorCodes: [],
  protocol: 'xca',
  transaction: 'ITI-38',
  requestXml: '<env:Envelope/>',
  responseXml: '<env:Envelope><ok/></env:Envelope>',
};
const mhdLeg: LegEvent = {
  community: 'west',
  homeCommunityId: 'urn:oid:2.25.1.1.4',
  startedAt: 1,
  durationMs: 9,
  outcome: 'answered',
  httpStatus: 200,
  errorCodes: [],
  protocol: 'mhd',
  transaction: 'ITI-67',
  requestLine: LEG_SEARCH,
  responseBody: BUNDLE,
};

/** A leg that timed out: its request as sent, and why no answer came. */
const timedOutLeg: LegEvent = {
  community: 'south',
  homeCommunityId: 'urn:oid:2.25.1.1.2',
  startedAt: 1,
  durationMs: 3000,
  outcome: 'failed',
  failure: { reason: 'timeout', detail: 'no answer within 3000 ms' },
  errorCodes: [],
  requestXml: '<env:Envelope><q/></env:Envelope>',
  noResponse: 'no answer within 3000 ms',
};

function tx(id: string, over: Partial<TransactionEvent>): TransactionEvent {
  return {
    id,
    transaction: 'ITI-38',
    startedAt: 1,
    durationMs: 20,
    status: ResponseStatus.Success,
    errors: [],
    resultCount: 0,
    legs: [],
    ...over,
  };
}

let server: Server;
let url: string;
const log = new TransactionLog({ maxBodyBytes: 200 });
beforeAll(async () => {
  log.record(tx('tx-1', { requestXml: '<q/>', responseXml: '<r/>', legs: [timedOutLeg] }));
  log.record(
    tx('tx-2', {
      transaction: 'ITI-67',
      protocol: 'mhd',
      patient: '9995649284',
      requestLine: `POST ${BASE}/fhir/DocumentReference/_search\npatient=9995649284&status=current`,
      responseBody: BUNDLE,
      searchParameters: [
        ['patient', '9995649284'],
        ['status', 'current'],
      ],
      legs: [xcaLeg, mhdLeg],
    }),
  );
  log.record(
    tx('tx-3', {
      transaction: 'ITI-67',
      protocol: 'mhd',
      requestLine: SEARCH,
      responseBody: JSON.stringify({ resourceType: 'OperationOutcome', issue: [], text: 'x'.repeat(400) }),
    }),
  );
  const app = express();
  app.use(transactionRoutes(log));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const get = async (path: string) => {
  const res = await fetch(url + path);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

describe('/transactions for FHIR requests', () => {
  it('lists ITI-67s alone with ?transaction=, their first request line, protocol and legs without bodies, and the counts', async () => {
    const res = await get('/transactions?transaction=ITI-67');
    expect(res.status).toBe(200);
    const { requestXml: _q, responseXml: _r, ...xcaSummary } = xcaLeg;
    const { responseBody: _b, ...mhdSummary } = mhdLeg;
    expect(JSON.parse(res.text)).toEqual({
      transactions: [
        {
          id: 'tx-3',
          transaction: 'ITI-67',
          protocol: 'mhd',
          requestLine: SEARCH,
          startedAt: 1,
          durationMs: 20,
          status: ResponseStatus.Success,
          errors: [],
          resultCount: 0,
          legs: [],
        },
        {
          id: 'tx-2',
          transaction: 'ITI-67',
          protocol: 'mhd',
          requestLine: `POST ${BASE}/fhir/DocumentReference/_search`,
          patient: '9995649284',
          startedAt: 1,
          durationMs: 20,
          status: ResponseStatus.Success,
          errors: [],
          resultCount: 0,
          legs: [xcaSummary, mhdSummary],
        },
      ],
      counts: { 'ITI-38': 1, 'ITI-67': 2 },
    });
    expect(
      (
        JSON.parse((await get('/transactions?transaction=ITI-38')).text) as { transactions: { id: string }[] }
      ).transactions.map((t) => t.id),
    ).toEqual(['tx-1']);
  });

  it('serves the request line as text/plain and the FHIR JSON as application/fhir+json, for the request and its MHD leg', async () => {
    expect(await get('/transactions/tx-2/request')).toEqual({
      status: 200,
      type: 'text/plain; charset=utf-8',
      text: `POST ${BASE}/fhir/DocumentReference/_search\npatient=9995649284&status=current`,
    });
    expect(await get('/transactions/tx-2/response')).toEqual({
      status: 200,
      type: 'application/fhir+json; charset=utf-8',
      text: BUNDLE,
    });
    expect(await get('/transactions/tx-2/legs/1/request')).toEqual({
      status: 200,
      type: 'text/plain; charset=utf-8',
      text: LEG_SEARCH,
    });
    expect(await get('/transactions/tx-2/legs/1/response')).toEqual({
      status: 200,
      type: 'application/fhir+json; charset=utf-8',
      text: BUNDLE,
    });
    expect(await get('/transactions/tx-2/legs/0/response')).toEqual({
      status: 200,
      type: 'application/xml; charset=utf-8',
      text: '<env:Envelope><ok/></env:Envelope>',
    });
  });

  it("serves a timed-out leg's request, and answers 404 for its response saying why none came", async () => {
    expect(await get('/transactions/tx-1/legs/0/request')).toEqual({
      status: 200,
      type: 'application/xml; charset=utf-8',
      text: '<env:Envelope><q/></env:Envelope>',
    });
    const res = await get('/transactions/tx-1/legs/0/response');
    expect([res.status, JSON.parse(res.text)]).toEqual([
      404,
      {
        error: 'the response of leg 0 (south) of transaction tx-1 was not recorded',
        problems: ['no response: no answer within 3000 ms'],
      },
    ]);
    const { requestXml: _q, ...summary } = timedOutLeg;
    const listed = JSON.parse((await get('/transactions?transaction=ITI-38')).text) as {
      transactions: { legs: unknown[] }[];
    };
    expect(listed.transactions[0]!.legs).toEqual([summary]);
  });

  it('cuts a FHIR body over the bound with a bracketed marker and serves it as text', async () => {
    const res = await get('/transactions/tx-3/response');
    expect([res.status, res.type, res.text.length > 200]).toEqual([200, 'text/plain; charset=utf-8', true]);
    expect(res.text).toMatch(
      /^\{"resourceType":"OperationOutcome".*\n\[nir-sim: body truncated: \d+ bytes, the first 200 kept\]$/s,
    );
    const full = JSON.parse((await get('/transactions/tx-3')).text) as TransactionEvent;
    expect(full.responseBody).toBe(res.text);
    expect(full.requestLine).toBe(SEARCH); // within the bound: whole
  });

  it('refuses an unknown transaction filter and a bad limit together', async () => {
    const res = await get('/transactions?transaction=ITI-99&limit=0');
    expect([res.status, JSON.parse(res.text)]).toEqual([
      400,
      {
        error: 'invalid query',
        problems: [
          'limit: expected a whole number of at least 1, got "0"',
          'transaction: expected one of ITI-38, ITI-39, RAD-75, ITI-67, ITI-68, WADO-RS, got "ITI-99"',
        ],
      },
    ]);
  });
});
