/**
 * The control API over real HTTP on port 0, started by the in-process runtime: faults added,
 * listed, removed and reset at runtime (and refused with every problem listed, changing nothing),
 * the topology, and docs/faults.md's walk-through. The transaction log: control-api-transactions.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataPack } from '../../simulator/data-pack/loader.js';
import { FAULT_KINDS } from '../../simulator/faults/fault-spec.js';
import type { RunningTopology } from '../../simulator/runtime/in-process.js';
import { virtualClock } from '../../simulator/shared/clock.js';
import { ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import { call, DEADLINE_MS, SEED, startWithControl } from '../helpers/control-api.js';
import { docExample } from '../helpers/docs.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { timersAre } from '../helpers/virtual-time.js';
import { itRef } from '../helpers/reference-tests.js';
import { DeferredSchemaChecks } from '../helpers/xsd.js';

/** Envelopes of the tests below, schema-checked by the last test (needs the IHE reference set). */
const schema = new DeferredSchemaChecks();

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('control API', () => {
  let pack: DataPack;
  let running: RunningTopology;
  let api: string;
  let ne: DataPack['communities'][number];
  const req = (method: string, path: string, body?: unknown) =>
    call(api, method, path, body === undefined ? undefined : JSON.stringify(body));
  // Deadlines on virtual time: a hung community's runs out only when the test moves time on.
  const clock = virtualClock(Date.parse('2025-01-01T00:00:00Z'));

  beforeAll(async () => {
    ({ running, pack, api } = await startWithControl(undefined, clock));
    ne = pack.communities[0]!;
  });
  afterAll(() => running.stop());
  beforeEach(async () => {
    expect((await req('POST', '/reset')).status).toBe(204);
  });

  it('GET /health and GET /topology describe the running topology', async () => {
    const health = await req('GET', '/health');
    const bytes = expect.any(Number) as unknown;
    expect(health).toMatchObject({
      status: 200,
      json: {
        status: 'up',
        memory: { rss: bytes, heapTotal: bytes, heapUsed: bytes, external: bytes, arrayBuffers: bytes },
      },
    });
    const m = (health.json as { memory: Record<string, number> }).memory;
    // The heap in use fits in the heap, which fits in the resident set.
    expect(m['heapUsed']).toBeLessThanOrEqual(m['heapTotal']!);
    expect(m['heapTotal']).toBeLessThan(m['rss']!);
    const t = await req('GET', '/topology');
    expect(t.status).toBe(200);
    expect(t.json).toEqual({
      broker: running.broker,
      communities: running.communities.map((c) => ({ ...c, down: false })),
      control: { url: api },
      dataPackDir: pack.dir,
      seed: SEED,
    });
    expect(api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('adds one fault, an array, or { faults }, lists them in order, removes one, resets', async () => {
    const one = await req('POST', '/faults', {
      name: 'slow',
      gateway: ne.name,
      kind: 'latency',
      latencyMs: 5,
    });
    expect(one).toEqual({
      status: 201,
      type: expect.stringContaining('application/json') as string,
      json: {
        faults: [
          {
            name: 'slow',
            gateway: ne.name,
            kind: 'latency',
            latencyMs: 5,
            jitterMs: 0,
            probability: 1,
            after: 0,
          },
        ],
      },
    });
    const arr = await req('POST', '/faults', [
      { name: 'busy', gateway: ne.name, kind: 'http-status', transaction: 'ITI-39' },
      { name: 'flaky', gateway: pack.communities[1]!.name, kind: 'soap-fault', probability: 0.5, times: 3 },
    ]);
    expect(arr.status).toBe(201);
    const wrapped = await req('POST', '/faults', {
      faults: [{ name: 'down', gateway: ne.name, kind: 'refuse' }],
    });
    expect(wrapped.status).toBe(201);

    const list = await req('GET', '/faults');
    expect(list.status).toBe(200);
    const faults = (list.json as { faults: { fault: { name: string }; matched: number; applied: number }[] })
      .faults;
    expect(faults.map((f) => [f.fault.name, f.matched, f.applied])).toEqual([
      ['slow', 0, 0],
      ['busy', 0, 0],
      ['flaky', 0, 0],
      ['down', 0, 0],
    ]);
    expect(faults[2]!.fault).toEqual({
      name: 'flaky',
      gateway: pack.communities[1]!.name,
      kind: 'soap-fault',
      code: 'Receiver',
      reason: 'simulated fault',
      probability: 0.5,
      times: 3,
      after: 0,
    });
    const topo = (await req('GET', '/topology')).json as { communities: { name: string; down: boolean }[] };
    expect(topo.communities.map((c) => [c.name, c.down])).toEqual(
      pack.communities.map((c) => [c.name, c.name === ne.name]),
    );

    expect((await req('DELETE', '/faults/busy')).status).toBe(204);
    expect(await req('DELETE', '/faults/busy')).toMatchObject({
      status: 404,
      json: { error: "no fault named 'busy'" },
    });
    expect(await req('GET', '/faults/slow')).toMatchObject({ status: 200, json: { matched: 0, applied: 0 } });
    const names = ((await req('GET', '/faults')).json as { faults: { fault: { name: string } }[] }).faults;
    expect(names.map((f) => f.fault.name)).toEqual(['slow', 'flaky', 'down']);

    expect(await req('POST', '/reset')).toEqual({ status: 204, type: '', json: undefined });
    expect((await req('GET', '/faults')).json).toEqual({ faults: [] });
  });

  it('refuses unknown kind, unknown gateway and probability 3 in one 400 listing every problem; nothing changes', async () => {
    await req('POST', '/faults', { name: 'keep', gateway: ne.name, kind: 'timeout' });
    const before = (await req('GET', '/faults')).json;
    const known = pack.communities.map((c) => c.name).join(', ');

    expect(
      await req('POST', '/faults', { name: 'bad', gateway: 'atlantis', kind: 'gremlins', probability: 3 }),
    ).toEqual({
      status: 400,
      type: expect.stringContaining('application/json') as string,
      json: {
        error: 'invalid fault',
        problems: [
          `kind: unknown kind "gremlins"; expected one of ${FAULT_KINDS.join(', ')}`,
          `gateway: no community named 'atlantis' (known: ${known})`,
          'probability: Too big: expected number to be <=1',
        ],
      },
    });
    // A valid fault beside invalid ones is not added either (all or nothing).
    expect(
      await req('POST', '/faults', [
        { name: 'fine', gateway: ne.name, kind: 'latency', latencyMs: 10 },
        { name: 'keep', gateway: ne.name, kind: 'timeout' },
        { name: 'p', gateway: ne.name, kind: 'unknown-patient', patient: '9999999991', times: 0 },
      ]),
    ).toMatchObject({
      status: 400,
      json: {
        error: 'invalid fault',
        problems: [
          "faults[1].name: a fault named 'keep' already exists",
          'faults[2].patient: a 10-digit NHS number with a valid check digit',
          'faults[2].times: Too small: expected number to be >0',
        ],
      },
    });
    expect(await call(api, 'POST', '/faults', '{"name": "x",')).toMatchObject({
      status: 400,
      json: {
        error: 'invalid fault',
        problems: [expect.stringMatching(/^body: not valid JSON \(/) as string],
      },
    });
    expect(await call(api, 'POST', '/faults', '{}', 'text/plain')).toMatchObject({
      status: 400,
      json: {
        error: 'invalid fault',
        problems: ["Content-Type: expected application/json, got 'text/plain'"],
      },
    });
    expect(await req('POST', '/faults', [])).toMatchObject({
      status: 400,
      json: { problems: ['body: no fault given'] },
    });
    expect((await req('GET', '/faults')).json).toEqual(before);
  });

  it("docs/faults.md's walk-through gives what it says, at this deadline", async () => {
    const doc = (name: string) => docExample('docs/faults.md', `walkthrough-${name}`);
    const bodies = ['add', 'bad-fault'].map((name) => / -d '(\{[^']*\})'/.exec(doc(name))![1]!);
    const stored = doc('added');
    const refused = doc('refused');
    const query = /<<'XML'\n([\s\S]*?)\nXML/.exec(doc('query'))![1]!;
    const answer = doc('answer');
    expect(bodies).toHaveLength(2);

    const added = await call(api, 'POST', '/faults', bodies[0]);
    expect([added.status, added.json]).toEqual([201, JSON.parse(stored)]);
    const pending = post(running.broker.endpoints['ITI-38'], query);
    await timersAre(clock, [DEADLINE_MS]); // the others answered; only the hung community's deadline is left
    clock.advance(DEADLINE_MS);
    const { response } = readQueryResponse(await pending);
    expect(response.status).toBe(ResponseStatus.PartialSuccess);
    expect(response.errors).toEqual([
      {
        errorCode: 'XDSUnavailableCommunity',
        codeContext: `community ${ne.homeCommunityId} (north-east-imaging-network) did not answer within ${DEADLINE_MS} ms`,
        severity: ErrorSeverity.Error,
        location: ne.homeCommunityId,
      },
    ]);
    expect(answer).toContain(
      `codeContext="community ${ne.homeCommunityId} (north-east-imaging-network) did not answer within 2000 ms"`,
    );
    const others = pack.communities
      .slice(1)
      .flatMap((c) =>
        c.entries
          .filter((e) => e.patientId.startsWith('9995649284^'))
          .map((e) => [e.entryUUID, c.homeCommunityId]),
      );
    expect(others.length).toBeGreaterThan(0);
    expect(response.objects.map((o) => [o.kind, o.id, o.home])).toEqual(
      others.map(([id, home]) => ['ObjectRef', id, home]),
    );

    // The doc abridges a long problem with a trailing '...'.
    const documented = JSON.parse(refused) as { error: string; problems: string[] };
    const bad = await call(api, 'POST', '/faults', bodies[1]);
    expect([bad.status, bad.json]).toEqual([
      400,
      {
        ...documented,
        problems: documented.problems.map((p) =>
          p.endsWith(', ...') ? (expect.stringMatching(`^${escapeRegExp(p.slice(0, -3))}`) as string) : p,
        ),
      },
    ]);
  });

  it('unknown routes answer 404 JSON', async () => {
    expect(await req('GET', '/toxics')).toMatchObject({
      status: 404,
      json: { error: 'no route GET /toxics' },
    });
    expect(await req('PUT', '/faults')).toMatchObject({
      status: 404,
      json: { error: 'no route PUT /faults' },
    });
  });

  it('faults change at runtime: a timeout added through the API gives PartialSuccess, reset gives Success', async () => {
    const nhs = pack.manifest.examples.inAllCommunities!;
    const url = running.broker.endpoints['ITI-38'];
    const entriesOf = (c: DataPack['communities'][number]) =>
      c.entries.filter((e) => e.patientId.startsWith(`${nhs}^`)).map((e) => [e.entryUUID, c.homeCommunityId]);

    const added = await req('POST', '/faults', { name: 'hang', gateway: ne.name, kind: 'timeout' });
    expect(added.status).toBe(201);
    const answer = post(url, findDocuments(nhs));
    await timersAre(clock, [DEADLINE_MS]); // the others answered; only the hung community's deadline is left
    clock.advance(DEADLINE_MS);
    const raw = await answer;
    expect(raw.status).toBe(200);
    const { response, xml } = readQueryResponse(raw);
    expect(response.status).toBe(ResponseStatus.PartialSuccess);
    expect(response.errors).toEqual([
      {
        errorCode: 'XDSUnavailableCommunity',
        codeContext: `community ${ne.homeCommunityId} (${ne.name}) did not answer within ${DEADLINE_MS} ms`,
        severity: ErrorSeverity.Error,
        location: ne.homeCommunityId,
      },
    ]);
    expect(response.objects.map((o) => [o.id, o.home])).toEqual(pack.communities.slice(1).flatMap(entriesOf));
    schema.add('PartialSuccess from a fault added through the API', xml);
    expect((await req('GET', '/faults/hang')).json).toMatchObject({ matched: 1, applied: 1 });

    expect((await req('POST', '/reset')).status).toBe(204);
    const after = readQueryResponse(await post(url, findDocuments(nhs))).response;
    expect(after.status).toBe(ResponseStatus.Success);
    expect(after.errors).toEqual([]);
    expect(after.objects.map((o) => [o.id, o.home])).toEqual(pack.communities.flatMap(entriesOf));
  });
});

itRef('every envelope above is valid against the IHE schemas', async () => {
  await schema.expectValid(['PartialSuccess from a fault added through the API']);
});
