/**
 * `GET /events` of a real control API over real HTTP (WHATWG "Server-sent events"): the topology
 * and faults snapshots first; a fault added and removed through the API, and one added to the
 * FaultStore directly, announced as `fault-added` / `fault-removed` with the `faults` counters and
 * the `topology` when a community goes down; a broker transaction as its summary (no bodies); the
 * heartbeat comment; a `Last-Event-ID` replay; and one stream beyond the bound refused 503.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultStore } from '../faults/fault-store.js';
import { silentLogger } from '../shared/logger.js';
import { ResponseStatus } from '../xca/constants.js';
import type { TransactionEvent } from '../events/transaction-events.js';
import { startControlApi, type RunningControlApi } from './control-api.js';
import { SimEvents } from './events.js';
import type { FaultControl } from './fault-control.js';
import { openEventStream as open, type Reader } from './test-support/sse-reader.js';

function transaction(id: string): TransactionEvent {
  return {
    id,
    transaction: 'ITI-38',
    patient: '9995649284',
    startedAt: 1,
    durationMs: 20,
    status: ResponseStatus.PartialSuccess,
    errors: [],
    resultCount: 2,
    requestXml: '<env:Envelope>request</env:Envelope>',
    responseXml: '<env:Envelope>response</env:Envelope>',
    legs: [
      {
        community: 'north',
        homeCommunityId: 'urn:oid:2.25.1.1.1',
        startedAt: 1,
        durationMs: 12,
        outcome: 'failed',
        failure: { reason: 'timeout', detail: 'no answer within 1000 ms' },
        errorCodes: [],
        requestXml: '<env:Envelope>leg</env:Envelope>',
      },
    ],
  };
}

describe('GET /events', () => {
  const events = new SimEvents();
  const faults = new FaultStore(1, () => ['north', 'south']);
  let api: RunningControlApi;
  const readers: Reader[] = [];

  beforeAll(async () => {
    api = await startControlApi({
      host: '127.0.0.1',
      port: 0,
      faults,
      events,
      topology: () => ({
        broker: { url: 'http://127.0.0.1:1', endpoints: {} },
        communities: ['north', 'south'].map((name, i) => ({
          name,
          homeCommunityId: `urn:oid:2.25.1.1.${i + 1}`,
          kind: 'simulated' as const,
          endpoints: {},
        })),
        seed: 1,
      }),
      logger: silentLogger(),
      stream: { maxSubscribers: 2, heartbeatMs: 50 },
    });
  });
  afterEach(() => {
    for (const r of readers.splice(0)) r.close();
    faults.reset();
  });
  afterAll(async () => api.stop());

  it('sends the topology and the faults first, then each fault change, counters and down communities', async () => {
    const r = await open(api.url);
    readers.push(r);
    const topology = await r.next('topology');
    expect((topology.data as { communities: { name: string; down: boolean }[] }).communities).toEqual([
      expect.objectContaining({ name: 'north', down: false }),
      expect.objectContaining({ name: 'south', down: false }),
    ]);
    expect((await r.next('faults')).data).toEqual({ faults: [] });

    const post = await fetch(`${api.url}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'north-down', gateway: 'north', kind: 'refuse' }),
    });
    expect(post.status).toBe(201);
    const added = await r.next('fault-added');
    expect(added.data).toEqual({
      fault: { name: 'north-down', gateway: 'north', kind: 'refuse', probability: 1, after: 0 },
    });
    const down = await r.next('topology', (d) =>
      (d as { communities: { name: string; down: boolean }[] }).communities.some((c) => c.down),
    );
    expect((down.data as { communities: { name: string; down: boolean }[] }).communities).toEqual([
      expect.objectContaining({ name: 'north', down: true }),
      expect.objectContaining({ name: 'south', down: false }),
    ]);

    // Counters moved by a gateway (here the store itself) reach the stream with the next refresh.
    faults.add({ name: 'south-slow', gateway: 'south', kind: 'latency', latencyMs: 10 });
    await r.next('fault-added', (d) => (d as { fault: { name: string } }).fault.name === 'south-slow');
    faults.select({ gateway: 'south', transaction: 'ITI-38' });
    await events.record({ kind: 'transaction', event: transaction('tx-counters') });
    const counted = await r.next('faults', (d) =>
      (d as { faults: { applied: number }[] }).faults.some((f) => f.applied === 1),
    );
    expect(counted.data).toEqual({
      faults: [
        {
          fault: { name: 'north-down', gateway: 'north', kind: 'refuse', probability: 1, after: 0 },
          matched: 0,
          applied: 0,
        },
        {
          fault: {
            name: 'south-slow',
            gateway: 'south',
            kind: 'latency',
            latencyMs: 10,
            jitterMs: 0,
            probability: 1,
            after: 0,
          },
          matched: 1,
          applied: 1,
        },
      ],
    });

    expect((await fetch(`${api.url}/faults/north-down`, { method: 'DELETE' })).status).toBe(204);
    expect((await r.next('fault-removed')).data).toEqual({ name: 'north-down' });
  });

  it('sends each broker transaction as its summary, without bodies, and a heartbeat comment', async () => {
    const r = await open(api.url);
    readers.push(r);
    await r.next('faults');
    await events.record({ kind: 'transaction', event: transaction('tx-1') });
    const t = await r.next('transaction', (d) => (d as { id: string }).id === 'tx-1');
    expect(t.data).toEqual({
      id: 'tx-1',
      transaction: 'ITI-38',
      patient: '9995649284',
      startedAt: 1,
      durationMs: 20,
      status: ResponseStatus.PartialSuccess,
      errors: [],
      resultCount: 2,
      legs: [
        {
          community: 'north',
          homeCommunityId: 'urn:oid:2.25.1.1.1',
          startedAt: 1,
          durationMs: 12,
          outcome: 'failed',
          failure: { reason: 'timeout', detail: 'no answer within 1000 ms' },
          errorCodes: [],
        },
      ],
    });
    await expect.poll(() => r.comments, { timeout: 10_000 }).toContain('heartbeat');
  });

  it('sends a request the broker refused with a SOAP Fault, without its envelope and requester', async () => {
    const r = await open(api.url);
    readers.push(r);
    await r.next('faults');
    await events.record({
      kind: 'fault',
      event: {
        id: 'f-1',
        transaction: 'ITI-38',
        messageId: 'urn:uuid:1',
        consumerId: 'acme-pacs',
        requester: {
          assurance: 'unverified',
          callingSystem: { id: 'acme-pacs', source: 'x-nir-consumer-header' },
        },
        endpoint: 'http://127.0.0.1:1/xca/iti38',
        requestXml: '<env:Envelope>request</env:Envelope>',
        startedAt: 1,
        durationMs: 2,
        httpStatus: 400,
        code: 'Sender',
        subcode: 'wsa:ActionNotSupported',
        reason: 'wsa:Action urn:x is not supported here',
      },
    });
    const e = await r.next('refusal');
    expect(e.data).toEqual({
      id: 'f-1',
      transaction: 'ITI-38',
      messageId: 'urn:uuid:1',
      consumerId: 'acme-pacs',
      endpoint: 'http://127.0.0.1:1/xca/iti38',
      startedAt: 1,
      durationMs: 2,
      httpStatus: 400,
      code: 'Sender',
      subcode: 'wsa:ActionNotSupported',
      reason: 'wsa:Action urn:x is not supported here',
    });
  });

  it('replays what a reconnecting client missed after its Last-Event-ID', async () => {
    const first = await open(api.url);
    readers.push(first);
    await events.record({ kind: 'transaction', event: transaction('tx-a') });
    const a = await first.next('transaction', (d) => (d as { id: string }).id === 'tx-a');
    first.close();
    await events.record({ kind: 'transaction', event: transaction('tx-b') });
    const again = await open(api.url, { 'Last-Event-ID': a.id! });
    readers.push(again);
    const b = await again.next('transaction', (d) => (d as { id: string }).id === 'tx-b');
    expect(Number(b.id)).toBeGreaterThan(Number(a.id));
    expect(
      again.events.filter((e) => e.event === 'transaction').map((e) => (e.data as { id: string }).id),
    ).toEqual(['tx-b']);
  });

  it('lists the faults only while a stream is open (in the container stack a list asks every gateway)', async () => {
    const store = new FaultStore(1, () => ['north']);
    let lists = 0;
    const counting: FaultControl = {
      list: () => {
        lists += 1;
        return store.list();
      },
      addAll: (inputs) => store.addAll(inputs),
      remove: (name) => store.remove(name),
      reset: () => store.reset(),
      isDown: (target) => store.isDown(target),
    };
    const bus = new SimEvents();
    const own = await startControlApi({
      host: '127.0.0.1',
      port: 0,
      faults: counting,
      events: bus,
      topology: () => ({ broker: { url: '', endpoints: {} }, communities: [], seed: 1 }),
      logger: silentLogger(),
    });
    try {
      for (let i = 0; i < 5; i++)
        await bus.record({ kind: 'transaction', event: transaction(`tx-quiet-${i}`) });
      expect(lists).toBe(0);
      const r = await open(own.url);
      readers.push(r);
      await r.next('faults');
      await bus.record({ kind: 'transaction', event: transaction('tx-heard') });
      await r.next('transaction', (d) => (d as { id: string }).id === 'tx-heard');
      await expect.poll(() => lists).toBeGreaterThanOrEqual(2);
    } finally {
      for (const x of readers.splice(0)) x.close();
      await own.stop();
    }
  });

  it('refuses a stream beyond its bound with 503 and says why', async () => {
    // A control API of its own, so that no stream of the tests before still holds a place.
    const own = await startControlApi({
      host: '127.0.0.1',
      port: 0,
      faults: new FaultStore(1, () => []),
      events: new SimEvents(),
      topology: () => ({ broker: { url: '', endpoints: {} }, communities: [], seed: 1 }),
      logger: silentLogger(),
      stream: { maxSubscribers: 2 },
    });
    try {
      readers.push(await open(own.url), await open(own.url));
      const res = await fetch(`${own.url}/events`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toEqual({
        error: 'too many event streams',
        problems: ['at most 2 GET /events streams at once; close one or retry later'],
      });
    } finally {
      for (const r of readers.splice(0)) r.close();
      await own.stop();
    }
  });
});
