/**
 * The control API's audit routes (simulator/control/audit-routes.ts), read by the dashboard's Audit
 * view: after two consumers' queries, `GET /audit-events` lists the AuditEvents the simulated PARS
 * holds for a patient or a time window, and `GET /audit-report` gives the Patient Access Report as
 * `sim audit report --patient --json` does; bad parameters are 400 with every problem, a PARS that
 * does not answer 502.
 */
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientAccessReport } from '../../simulator/audit/reports.js';
import { auditRoutes } from '../../simulator/control/audit-routes.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { fixedClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { defaultPackDir } from '../helpers/topology.js';

const T0 = Date.UTC(2025, 2, 14, 9, 30, 0);
const WHEN = '2025-03-14T09:30:00.000Z';
const P1 = '9995649284';
const P2 = '9995527421';

/** Matchers (vitest's are typed any). */
const ANY_STRING: unknown = expect.any(String);
const ANY_ARRAY: unknown = expect.any(Array);
const UNKNOWN_PATIENT_WARNING: unknown = expect.stringMatching(
  /^Success: XDSUnknownPatientId \(Warning\) at urn:oid:[0-9.]+$/,
);

let dir: string;
let running: RunningTopology;
let control: string;

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await request(url);
  return { status: res.statusCode, body: await res.body.json() };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-audit-routes-'));
  const pack = await loadDataPack(defaultPackDir);
  running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs: 5_000 },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: pack.dir,
      communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
    },
    { logger: silentLogger(), clock: fixedClock(T0), audit: { dir }, control: { port: 0 } },
  );
  control = running.control!.url;
  for (const [nhs, consumer] of [
    [P1, 'acme-pacs'],
    [P2, 'gp-viewer'],
  ] as const) {
    const res = await post(running.broker.endpoints['ITI-38'], findDocuments(nhs), undefined, {
      'x-nir-consumer': consumer,
    });
    expect(readQueryResponse(res).response.status).toBe(ResponseStatus.Success);
  }
  await running.audit!.drained();
});
afterAll(async () => {
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The ITI-38 AuditEvent of `nhs` queried by `consumer`, as GET /audit-events flattens it. */
const queryEvent = (nhs: string, consumer: string, outcomeDesc: unknown) => ({
  id: ANY_STRING,
  recorded: WHEN,
  transaction: 'ITI-38',
  action: 'R',
  outcome: '0',
  outcomeDesc,
  // Without an XUA assertion the requestor is an unknown organisation; the consumer is the source.
  agents: [
    {
      who: 'unknown organisation (no XUA assertion)',
      type: 'Organization',
      role: 'healthcare provider',
      requestor: true,
    },
    { who: consumer, type: 'Endpoint', role: 'Source Role ID', requestor: false },
  ],
  patient: nhs,
});
/** P1 is known to every community of the default pack; P2 not, so one community warns. */
const P1_QUERY = queryEvent(P1, 'acme-pacs', 'Success');
const P2_QUERY = queryEvent(P2, 'gp-viewer', UNKNOWN_PATIENT_WARNING);

describe('GET /audit-events', () => {
  it("lists a patient's AuditEvents from PARS with outcome, action, agents and patient", async () => {
    const { status, body } = await getJson(`${control}/audit-events?patient=${P1}`);
    expect(status).toBe(200);
    expect(body).toEqual({ pars: running.pars!.url, total: 1, events: [P1_QUERY] });
  });

  it('lists a time window, at most limit events, and nothing for a window without events', async () => {
    const both = await getJson(`${control}/audit-events?since=${WHEN}&until=2025-03-14T09:31:00Z`);
    expect(both.status).toBe(200);
    const events = (both.body as { events: unknown[] }).events;
    expect(both.body).toEqual({ pars: running.pars!.url, total: 2, events: ANY_ARRAY });
    expect(events).toHaveLength(2);
    expect(events).toEqual(expect.arrayContaining([P1_QUERY, P2_QUERY]));
    const one = await getJson(`${control}/audit-events?since=${WHEN}&limit=1`);
    expect(one).toEqual({
      status: 200,
      body: {
        pars: running.pars!.url,
        total: 2,
        // The newest: the same instant (a fixed clock), so the last PARS stored.
        events: [P2_QUERY],
      },
    });
    expect(await getJson(`${control}/audit-events?since=2025-03-14T09:30:01Z`)).toEqual({
      status: 200,
      body: { pars: running.pars!.url, total: 0, events: [] },
    });
  });

  it('answers 400 with every problem for bad parameters', async () => {
    expect(
      await getJson(
        `${control}/audit-events?patient=123&since=yesterday&until=2025-03-14&limit=501&sort=desc`,
      ),
    ).toEqual({
      status: 400,
      body: {
        error: 'invalid audit query',
        problems: [
          'sort: not a parameter (patient, since, until, limit)',
          'patient=123: not an NHS number (10 digits, modulus 11 check digit)',
          'since=yesterday: an ISO 8601 instant with a zone, e.g. 2026-12-03T16:00:00Z',
          'until=2025-03-14: an ISO 8601 instant with a zone, e.g. 2026-12-03T16:00:00Z',
          'limit=501: a whole number from 1 to 500',
        ],
      },
    });
    expect(await getJson(`${control}/audit-events?since=2025-03-15T00:00:00Z&until=${WHEN}`)).toEqual({
      status: 400,
      body: {
        error: 'invalid audit query',
        problems: [`since=2025-03-15T00:00:00.000Z is after until=${WHEN}`],
      },
    });
  });
});

describe('GET /audit-report', () => {
  it('gives the Patient Access Report as sim audit report --patient --json does', async () => {
    const { status, body } = await getJson(`${control}/audit-report?patient=${P2}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      kind: 'patient',
      subject: P2,
      accesses: [
        {
          id: ANY_STRING,
          recorded: WHEN,
          transaction: 'ITI-38',
          action: 'R',
          outcome: '0',
          outcomeDesc: UNKNOWN_PATIENT_WARNING,
          patient: P2,
          organisation: 'unknown organisation (no XUA assertion)',
          callingSystem: 'gp-viewer',
          assurance: 'unverified',
          documents: [],
          messageId: ANY_STRING,
        },
      ],
      byTransaction: { 'ITI-38': 1 },
      pars: running.pars!.url,
    });
  });

  it('answers 400 without a patient or with a bad one', async () => {
    expect(await getJson(`${control}/audit-report`)).toEqual({
      status: 400,
      body: { error: 'invalid audit query', problems: ['patient: required (an NHS number)'] },
    });
    expect(await getJson(`${control}/audit-report?patient=9995649285&since=${WHEN}`)).toEqual({
      status: 400,
      body: {
        error: 'invalid audit query',
        problems: [
          'since: not a parameter (patient)',
          'patient=9995649285: not an NHS number (10 digits, modulus 11 check digit)',
        ],
      },
    });
  });
});

describe('a PARS that does not answer', () => {
  let server: Server;
  let url: string;
  let dead: string;
  beforeAll(async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = express().listen(0, '127.0.0.1');
    await new Promise((r) => closed.once('listening', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const app = express().use(
      auditRoutes({ parsUrl: `http://127.0.0.1:${deadPort}`, patientReport: patientAccessReport }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dead = `http://127.0.0.1:${deadPort}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('answers 502 naming PARS and why', async () => {
    for (const route of [`/audit-events?patient=${P1}`, `/audit-report?patient=${P1}`])
      expect(await getJson(`${url}${route}`)).toEqual({
        status: 502,
        body: { error: 'PARS did not answer', problems: [`${dead}: refused`] },
      });
  });
});
