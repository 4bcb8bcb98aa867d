/**
 * The simulated PARS over real HTTP: create (201, Location), dedupe by id (200, nothing stored),
 * 400 OperationOutcome listing every problem, read, searchset Bundle; its faults (pars-down,
 * pars-slow) accepted only while it runs; and the durable queue draining into it in order and
 * exactly once by event id, through an outage, a slow PARS and a lost acknowledgement.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import { NIR_ACTION_CODES } from '../../simulator/audit/action-codes.js';
import { transactionAuditEvents } from '../../simulator/audit/audit-event.js';
import { DurableQueue } from '../../simulator/audit/durable-queue.js';
import { parsSender } from '../../simulator/audit/pars-client.js';
import { ParsForwarder } from '../../simulator/audit/pars-forwarder.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { startParsService, type RunningPars } from '../../simulator/pars/pars-service.js';
import { fixedClock, virtualClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { timersAre } from '../helpers/virtual-time.js';

const NOW = Date.UTC(2025, 2, 14, 12, 0, 0);
let seq = 0;
function events(n: number, patient = '9995649284'): AuditEvent[] {
  return Array.from(
    { length: n },
    (_, i) =>
      transactionAuditEvents(
        {
          id: `tx-${seq + 1}`,
          transaction: i % 2 ? 'ITI-39' : 'ITI-38',
          patient,
          messageId: `urn:uuid:00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`,
          startedAt: NOW + i,
          durationMs: 5,
          status: ResponseStatus.Success,
          errors: [],
          resultCount: 1,
          legs: [],
          requester: {
            assurance: 'unverified',
            callingSystem: { id: 'acme', source: 'x-nir-consumer-header' },
          },
          documents: [{ documentUniqueId: `2.25.9.${seq}`, repositoryUniqueId: '2.25.9', patient }],
        },
        { actions: NIR_ACTION_CODES, observer: { id: 'nir-sim', display: 'NIR' }, productId: 'nir-sim' },
      )[0]!,
  );
}

const post = async (url: string, body: unknown) => {
  const res = await fetch(`${url}/FHIR/R4/AuditEvent`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    location: res.headers.get('location'),
    body: (await res.json()) as Record<string, unknown>,
  };
};

let dir: string;
let faults: FaultStore;
let pars: RunningPars;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-pars-'));
  faults = new FaultStore(1, () => ['north']);
  expect(faults.add({ name: 'early', gateway: 'pars', kind: 'pars-down' })).toEqual({
    ok: false,
    problems: ['gateway: the pars service is not running in this topology'],
  });
  pars = await startParsService({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    clock: fixedClock(NOW),
    storeFile: path.join(dir, 'pars.ndjson'),
    faults,
  });
});
afterAll(async () => {
  await pars.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('PARS service', () => {
  it('stores a valid AuditEvent once: 201 with Location and meta, then 200 with the stored resource', async () => {
    const [e] = events(1);
    const stored = { ...e, meta: { versionId: '1', lastUpdated: new Date(NOW).toISOString() } };
    const first = await post(pars.url, e);
    expect(first).toEqual({
      status: 201,
      location: `${pars.url}/FHIR/R4/AuditEvent/${e!.id}/_history/1`,
      body: stored,
    });
    const again = await post(pars.url, e);
    expect(again).toEqual({ status: 200, location: null, body: stored });
    const read = await fetch(`${pars.url}/FHIR/R4/AuditEvent/${e!.id}`);
    expect([read.status, await read.json()]).toEqual([200, stored]);
  });

  it('answers 400 with an OperationOutcome listing every problem', async () => {
    const [e] = events(1);
    const bad = { ...e, outcome: '3', action: 'X', foo: 1, source: { site: 'x' } };
    const r = await post(pars.url, bad);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'structure',
          diagnostics: "AuditEvent: unknown element 'foo'",
          expression: ['AuditEvent'],
        },
        {
          severity: 'error',
          code: 'structure',
          diagnostics: 'AuditEvent.action: must be equal to one of the allowed values: ["C","R","U","D","E"]',
          expression: ['AuditEvent.action'],
        },
        {
          severity: 'error',
          code: 'structure',
          diagnostics: 'AuditEvent.outcome: must be equal to one of the allowed values: ["0","4","8","12"]',
          expression: ['AuditEvent.outcome'],
        },
        {
          severity: 'error',
          code: 'structure',
          diagnostics: "AuditEvent.source: missing required element 'observer'",
          expression: ['AuditEvent.source'],
        },
      ],
    });
    expect(await post(pars.url, '{"resourceType":')).toEqual({
      status: 400,
      location: null,
      body: {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'structure',
            diagnostics: expect.stringMatching(/^the body is not JSON: /) as string,
          },
        ],
      },
    });
    expect((await post(pars.url, { resourceType: 'Patient' })).body).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'structure',
          diagnostics: 'the body must be a FHIR AuditEvent resource (resourceType AuditEvent)',
        },
      ],
    });
  });

  it('answers a search with a searchset Bundle, oldest first', async () => {
    const mine = events(3, '9995527421');
    for (const e of mine) expect((await post(pars.url, e)).status).toBe(201);
    const res = await fetch(`${pars.url}/FHIR/R4/AuditEvent?patient=9995527421&subtype=ITI-38`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    const want = [mine[0]!, mine[2]!];
    expect(await res.json()).toEqual({
      resourceType: 'Bundle',
      type: 'searchset',
      total: 2,
      link: [{ relation: 'self', url: `${pars.url}/FHIR/R4/AuditEvent?patient=9995527421&subtype=ITI-38` }],
      entry: want.map((e) => ({
        fullUrl: `${pars.url}/FHIR/R4/AuditEvent/${e.id}`,
        resource: { ...e, meta: { versionId: '1', lastUpdated: new Date(NOW).toISOString() } },
        search: { mode: 'match' },
      })),
    });
    const bad = await fetch(`${pars.url}/FHIR/R4/AuditEvent?when=today`);
    expect([bad.status, await bad.json()]).toEqual([
      400,
      {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'invalid',
            diagnostics:
              'when: not a supported search parameter (patient, patient:missing, date, subtype, agent, _count, _offset)',
          },
        ],
      },
    ]);
  });

  it('pages a search: _count 100 over 262 matches gives first, previous, next and last links that work', async () => {
    const patient = '9995000043';
    const mine = events(262, patient);
    for (const e of mine) pars.store.put(e, new Date(NOW));
    const want = mine.map((e) => e.id);
    const search = `${pars.url}/FHIR/R4/AuditEvent?patient=${patient}&_count=100`;
    const page = (off: number) =>
      `${pars.url}/FHIR/R4/AuditEvent?patient=${patient}&_count=100&_offset=${off}`;
    const seen: string[] = [];
    const links: Record<string, string>[] = [];
    let url: string | undefined = search;
    while (url !== undefined) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      const b = (await res.json()) as Bundle<AuditEvent>;
      expect(b.total).toBe(262);
      seen.push(...(b.entry ?? []).map((x) => x.resource!.id!));
      const byRel = Object.fromEntries((b.link ?? []).map((l) => [l.relation, l.url]));
      links.push(byRel);
      url = byRel['next'];
    }
    expect(seen).toEqual(want);
    expect(links).toEqual([
      { self: search, first: page(0), next: page(100), last: page(200) },
      { self: page(100), first: page(0), previous: page(0), next: page(200), last: page(200) },
      { self: page(200), first: page(0), previous: page(100), last: page(200) },
    ]);
    const back = (await (await fetch(links[2]!['previous']!)).json()) as Bundle<AuditEvent>;
    expect(back.entry!.map((x) => x.resource!.id)).toEqual(want.slice(100, 200));
    const bad = await fetch(`${pars.url}/FHIR/R4/AuditEvent?_offset=-1`);
    expect([bad.status, await bad.json()]).toEqual([
      400,
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'invalid', diagnostics: '_offset=-1: a whole number, 0 or more' }],
      },
    ]);
  });

  it('finds the audit of a query for an invalid NHS number by the number as sent', async () => {
    const [e] = transactionAuditEvents(
      {
        id: 'tx-bad',
        transaction: 'ITI-38',
        patientId: '9999999991^^^&2.16.840.1.113883.2.1.4.1&ISO',
        messageId: 'urn:uuid:00000000-0000-4000-8000-0000000bad01',
        startedAt: NOW,
        durationMs: 5,
        status: ResponseStatus.Failure,
        errors: [],
        resultCount: 0,
        legs: [],
      },
      { actions: NIR_ACTION_CODES, observer: { id: 'nir-sim', display: 'NIR' }, productId: 'nir-sim' },
    );
    expect((await post(pars.url, e)).status).toBe(201);
    const res = await fetch(`${pars.url}/FHIR/R4/AuditEvent?patient=9999999991`);
    const b = (await res.json()) as Bundle<AuditEvent>;
    expect([res.status, b.total, b.entry?.map((x) => x.resource!.id)]).toEqual([200, 1, [e!.id]]);
    expect(b.entry![0]!.resource!.entity![0]!.what).toEqual({
      identifier: { value: '9999999991' },
      display: '9999999991^^^&2.16.840.1.113883.2.1.4.1&ISO',
    });
  });

  it('takes only pars-down and pars-slow faults, and only with gateway pars', () => {
    expect(
      faults.addAll([
        { name: 'a', gateway: 'pars', kind: 'timeout' },
        { name: 'b', gateway: 'north', kind: 'pars-down' },
      ]),
    ).toEqual({
      ok: false,
      problems: [
        "faults[0].kind: 'pars' takes only pars-down or pars-slow faults",
        'faults[1].gateway: Invalid input: expected "pars"',
      ],
    });
  });
});

describe('the queue draining into PARS', () => {
  it('keeps events while PARS is down and delivers them in order, exactly once, when it returns', async () => {
    const queue = DurableQueue.open(path.join(dir, 'q-outage'));
    const sender = parsSender(pars.url, 2_000);
    const forwarder = new ParsForwarder(queue, sender.send, silentLogger(), { initialMs: 10, maxMs: 40 });
    expect(faults.add({ name: 'outage', gateway: 'pars', kind: 'pars-down' }).ok).toBe(true);
    await waitFor(async () => !(await answers(pars.url)));
    const batch = events(5);
    forwarder.start();
    for (const e of batch) queue.append({ id: e.id!, json: JSON.stringify(e) });
    forwarder.notify();
    await waitFor(() => forwarder.stats.retries >= 3);
    expect(queue.depth).toBe(5);
    faults.remove('outage');
    await forwarder.drained();
    await forwarder.stop();
    queue.close();
    sender.close();
    const ids = pars.store.all().map((e) => e.id);
    expect(ids.slice(-5)).toEqual(batch.map((e) => e.id));
    expect(forwarder.stats).toMatchObject({ delivered: 5, duplicates: 0, rejected: 0 });
  });

  it('resends what was delivered but not acknowledged (a crash, a slow PARS): PARS stores it once', async () => {
    const qdir = path.join(dir, 'q-lost-ack');
    const batch = events(4);
    const q1 = DurableQueue.open(qdir);
    for (const e of batch) q1.append({ id: e.id!, json: JSON.stringify(e) });
    q1.close();
    expect((await post(pars.url, batch[0])).status).toBe(201); // sent, then the sender "crashed"
    expect(
      faults.add({ name: 'slow', gateway: 'pars', kind: 'pars-slow', latencyMs: 300, times: 1 }).ok,
    ).toBe(true);
    const q2 = DurableQueue.open(qdir);
    const sender = parsSender(pars.url, 100);
    const forwarder = new ParsForwarder(q2, sender.send, silentLogger(), { initialMs: 10, maxMs: 40 });
    forwarder.start();
    await forwarder.drained();
    await forwarder.stop();
    q2.close();
    sender.close();
    faults.remove('slow');
    const stored = pars.store.all().map((e) => e.id);
    expect(stored.slice(-4)).toEqual(batch.map((e) => e.id));
    expect(forwarder.stats.duplicates).toBeGreaterThanOrEqual(1);
    expect(forwarder.stats.retries).toBeGreaterThanOrEqual(1);
    expect(new Set(stored).size).toBe(stored.length);
  });
});

describe('PARS on a virtual clock', () => {
  it('pars-slow holds the answer for its latency of the clock: nothing is stored until time moves on', async () => {
    const clock = virtualClock(NOW);
    const slowFaults = new FaultStore(1, () => []);
    const slow = await startParsService({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      clock,
      faults: slowFaults,
    });
    try {
      expect(slowFaults.add({ name: 'slow', gateway: 'pars', kind: 'pars-slow', latencyMs: 300 }).ok).toBe(
        true,
      );
      const [e] = events(1);
      const answer = post(slow.url, e);
      await timersAre(clock, [300]);
      expect(slow.store.all()).toEqual([]);
      clock.advance(300);
      expect((await answer).status).toBe(201);
      expect(slow.store.all().map((x) => x.id)).toEqual([e!.id]);
    } finally {
      await slow.stop();
    }
  });
});

describe('PARS faults on the audit of FHIR requests', () => {
  it('pars-slow holds the POST of an ITI-67 and of a WADO-RS (RAD-107) event like that of an XCA one', async () => {
    const clock = virtualClock(NOW);
    const slowFaults = new FaultStore(1, () => []);
    const slow = await startParsService({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      clock,
      faults: slowFaults,
    });
    try {
      expect(slowFaults.add({ name: 'slow', gateway: 'pars', kind: 'pars-slow', latencyMs: 300 }).ok).toBe(
        true,
      );
      const fhir = (['ITI-67', 'WADO-RS'] as const).map(
        (transaction, i) =>
          transactionAuditEvents(
            {
              id: `tx-fhir-${i}`,
              transaction,
              protocol: 'mhd',
              patient: '9995649284',
              startedAt: NOW,
              durationMs: 5,
              status: ResponseStatus.Success,
              errors: [],
              resultCount: 1,
              legs: [],
              requestLine: 'GET http://127.0.0.1:8080/fhir/DocumentReference?patient=9995649284',
              endpoint: 'http://127.0.0.1:8080/fhir/DocumentReference',
            },
            { actions: NIR_ACTION_CODES, observer: { id: 'nir-sim', display: 'NIR' }, productId: 'nir-sim' },
          )[0]!,
      );
      expect(fhir.map((e) => e.subtype?.[0]?.code)).toEqual(['ITI-67', 'RAD-107']);
      const answers = fhir.map((e) => post(slow.url, e));
      await timersAre(clock, [300, 300]);
      expect(slow.store.all()).toEqual([]);
      clock.advance(300);
      expect((await Promise.all(answers)).map((a) => a.status)).toEqual([201, 201]);
      expect(slow.store.all().map((x) => x.id)).toEqual(fhir.map((e) => e.id));
    } finally {
      await slow.stop();
    }
  });
});

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`)).ok;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
