/**
 * The roles of the container stack (docs/containers.md), each started as its container starts it but in this
 * process on port 0: two responding gateway roles, the PARS role and the broker role over them,
 * talking real HTTP. Faults go in through the broker's control API and apply in the gateway that
 * owns them (control/federated-faults.ts); outcomes are asserted whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectTargetEnvironment } from '../../simulator/scenario/environments.js';
import { loadScenarioOrFail, scenarioPath } from '../../simulator/scenario/scenario-files.js';
import { loadDataPack, type DataPack } from '../../simulator/data-pack/loader.js';
import { startBrokerRole } from '../../simulator/roles/broker-container.js';
import { startGatewayRole } from '../../simulator/roles/gateway-container.js';
import { startParsRole } from '../../simulator/roles/pars-container.js';
import type { RunningRole } from '../../simulator/roles/role.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { defaultPackDir, refusingUrl } from '../helpers/topology.js';

/** The broker role's deadline, ms: generous, as a community that answers at all answers well within it. */
const DEADLINE_MS = 5_000;
/** The deadline a test puts in force through /broker/settings, ms (a hung community is waited out). */
const CHANGED_DEADLINE_MS = 2_000;
const where = { host: '127.0.0.1', port: 0, controlPort: 0, seed: 7, logger: silentLogger() };

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}
const postJson = (url: string, body: unknown) =>
  json(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('container roles: broker, gateways and PARS as separate services', () => {
  let pack: DataPack;
  let dir: string;
  let gateways: RunningRole[];
  let pars: RunningRole;
  let broker: RunningRole;
  let nhs: string;
  beforeAll(async () => {
    pack = await loadDataPack(defaultPackDir);
    dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-roles-'));
    gateways = await Promise.all(
      pack.communities.slice(0, 2).map((c) => startGatewayRole([c], { ...where, maxBodyBytes: 1 << 20 })),
    );
    pars = await startParsRole({ ...where, storeFile: path.join(dir, 'pars', 'events.ndjson') });
    broker = await startBrokerRole({
      ...where,
      deadlineMs: DEADLINE_MS,
      maxBodyBytes: 1 << 20,
      communities: gateways.map((g, i) => ({
        name: pack.communities[i]!.name,
        homeCommunityId: pack.communities[i]!.homeCommunityId,
        url: g.url,
        controlUrl: g.control.url,
      })),
      external: [],
      pars: { url: pars.url, controlUrl: pars.control.url },
      auditDir: path.join(dir, 'audit'),
      publicUrl: 'http://localhost:8080',
    });
    nhs = pack.manifest.examples.inAllCommunities!;
  });
  afterEach(async () => {
    await fetch(`${broker.control.url}/reset`, { method: 'POST' });
  });
  afterAll(async () => {
    await broker?.stop();
    await Promise.all([...(gateways ?? []).map((g) => g.stop()), pars?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const A = () => pack.communities[0]!;
  const B = () => pack.communities[1]!;
  const query = async () =>
    readQueryResponse(await post(`${broker.url}/xca/iti38`, findDocuments(nhs))).response;

  it('GET /topology reports the public broker URL and every community with its gateway URL', async () => {
    const t = await json(`${broker.control.url}/topology`);
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({
      broker: { url: 'http://localhost:8080', endpoints: { 'ITI-38': 'http://localhost:8080/xca/iti38' } },
      communities: [
        {
          name: A().name,
          kind: 'simulated',
          down: false,
          endpoints: { 'ITI-38': `${gateways[0]!.url}/xca/iti38` },
        },
        {
          name: B().name,
          kind: 'simulated',
          down: false,
          endpoints: { 'ITI-38': `${gateways[1]!.url}/xca/iti38` },
        },
      ],
      seed: 7,
    });
  });

  it('with no fault both communities answer: Success, no RegistryError', async () => {
    const r = await query();
    expect([r.status, r.errors]).toEqual([ResponseStatus.Success, []]);
    expect(new Set(r.objects.map((o) => o.home))).toEqual(
      new Set([A().homeCommunityId, B().homeCommunityId]),
    );
  });

  it('a fault added at the broker applies in the owning gateway only, and is counted there', async () => {
    const added = await postJson(`${broker.control.url}/faults`, {
      name: 'a-busy',
      gateway: A().name,
      kind: 'registry-error',
      errorCode: 'XDSRegistryBusy',
    });
    expect(added.status).toBe(201);
    const r = await query();
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    expect(r.errors).toEqual([
      {
        errorCode: 'XDSRegistryBusy',
        codeContext: `simulated XDSRegistryBusy from ${A().displayName}`,
        severity: ErrorSeverity.Error,
        location: A().homeCommunityId,
      },
    ]);
    expect(new Set(r.objects.map((o) => o.home))).toEqual(new Set([B().homeCommunityId]));
    const atOwner = await json(`${gateways[0]!.control.url}/faults`);
    const atOther = await json(`${gateways[1]!.control.url}/faults`);
    const atBroker = await json(`${broker.control.url}/faults`);
    expect(atOwner.body).toMatchObject({ faults: [{ fault: { name: 'a-busy' }, matched: 1, applied: 1 }] });
    expect(atOther.body).toEqual({ faults: [] });
    expect(atBroker.body).toEqual(atOwner.body);
  });

  it('an unconditional refuse holds the community down: XDSUnavailableCommunity, down in /topology', async () => {
    expect(
      (await postJson(`${broker.control.url}/faults`, { name: 'b-down', gateway: B().name, kind: 'refuse' }))
        .status,
    ).toBe(201);
    const r = await query();
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    expect(r.errors).toEqual([
      {
        errorCode: 'XDSUnavailableCommunity',
        codeContext: expect.stringMatching(
          new RegExp(
            `^community ${B().homeCommunityId.replace(/\./g, '\\.')} \\(${B().name}\\) refused the connection`,
          ),
        ) as string,
        severity: ErrorSeverity.Error,
        location: B().homeCommunityId,
      },
    ]);
    const t = (await json(`${broker.control.url}/topology`)).body as {
      communities: { name: string; down: boolean }[];
    };
    expect(t.communities.map((c) => [c.name, c.down])).toEqual([
      [A().name, false],
      [B().name, true],
    ]);
  });

  it('a batch with one bad fault is refused whole at the broker: 400, every problem, nothing anywhere', async () => {
    const r = await postJson(`${broker.control.url}/faults`, [
      { name: 'ok', gateway: A().name, kind: 'timeout' },
      { name: 'bad', gateway: 'nowhere', kind: 'timeout' },
    ]);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error: 'invalid fault',
      problems: [`faults[1].gateway: no community named 'nowhere' (known: ${A().name}, ${B().name}, pars)`],
    });
    for (const url of [broker.control.url, gateways[0]!.control.url])
      expect((await json(`${url}/faults`)).body).toEqual({ faults: [] });
  });

  it('a scenario targets the stack by its control API; the pack must be named, as the broker holds none', async () => {
    const scenario = await loadScenarioOrFail(scenarioPath('known-to-no-network'));
    const notes: string[] = [];
    await expect(
      connectTargetEnvironment(scenario, broker.control.url, (l) => notes.push(l)),
    ).rejects.toThrow(
      `the simulator at ${broker.control.url} does not say which data pack it serves (a container stack): pass --data-pack <dir>, e.g. --data-pack data-packs/default`,
    );
    const env = await connectTargetEnvironment(scenario, broker.control.url, (l) => notes.push(l), {
      dataPackDir: defaultPackDir,
    });
    expect(env.brokerEndpoints).toEqual({
      'ITI-38': 'http://localhost:8080/xca/iti38',
      'ITI-39': 'http://localhost:8080/xca/iti39',
    });
    expect(env.communities.map((c) => [c.name, c.repositoryUniqueId])).toEqual(
      pack.communities.slice(0, 2).map((c) => [c.name, c.repositoryUniqueId]),
    );
    await env.stop();
  });

  it('the broker role serves /broker/settings: a deadline changed there applies to the next query', async () => {
    const settings = `${broker.control.url}/broker/settings`;
    const put = (body: unknown) =>
      json(settings, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(await json(settings)).toEqual({ status: 200, body: { deadlineMs: DEADLINE_MS, consumers: {} } });
    expect(
      await put({ deadlineMs: CHANGED_DEADLINE_MS, consumers: { 'a-only': { include: [A().name] } } }),
    ).toEqual({
      status: 200,
      body: { deadlineMs: CHANGED_DEADLINE_MS, consumers: { 'a-only': { include: [A().homeCommunityId] } } },
    });
    try {
      expect(
        (
          await postJson(`${broker.control.url}/faults`, {
            name: 'b-hang',
            gateway: B().name,
            kind: 'timeout',
          })
        ).status,
      ).toBe(201);
      const r = await query();
      expect([r.status, r.errors]).toEqual([
        ResponseStatus.PartialSuccess,
        [
          {
            errorCode: 'XDSUnavailableCommunity',
            codeContext: `community ${B().homeCommunityId} (${B().name}) did not answer within ${CHANGED_DEADLINE_MS} ms`,
            severity: ErrorSeverity.Error,
            location: B().homeCommunityId,
          },
        ],
      ]);
    } finally {
      expect((await put({ deadlineMs: DEADLINE_MS, consumers: {} })).status).toBe(200);
    }
  });

  it('PARS faults go to the PARS container; DELETE removes a fault where it lives', async () => {
    expect(
      (await postJson(`${broker.control.url}/faults`, { name: 'p', gateway: 'pars', kind: 'pars-down' }))
        .status,
    ).toBe(201);
    expect((await json(`${pars.control.url}/faults`)).body).toMatchObject({
      faults: [{ fault: { name: 'p' } }],
    });
    expect((await json(`${broker.control.url}/faults/p`, { method: 'DELETE' })).status).toBe(204);
    expect((await json(`${pars.control.url}/faults`)).body).toEqual({ faults: [] });
    expect((await json(`${broker.control.url}/faults/p`, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('the broker role with consumer profiles', () => {
  it('an excluded community gets no leg for that consumer; other consumers reach every community', async () => {
    const pack = await loadDataPack(defaultPackDir);
    const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-roles-'));
    const gateways = await Promise.all(
      pack.communities.slice(0, 2).map((c) => startGatewayRole([c], { ...where, maxBodyBytes: 1 << 20 })),
    );
    const [a, b] = [pack.communities[0]!, pack.communities[1]!];
    const broker = await startBrokerRole({
      ...where,
      deadlineMs: DEADLINE_MS,
      maxBodyBytes: 1 << 20,
      communities: gateways.map((g, i) => ({
        name: pack.communities[i]!.name,
        homeCommunityId: pack.communities[i]!.homeCommunityId,
        url: g.url,
        controlUrl: g.control.url,
      })),
      external: [],
      consumers: { 'north-pacs': { exclude: [b.homeCommunityId] } },
      auditDir: path.join(dir, 'audit'),
    });
    try {
      const nhs = pack.manifest.examples.inAllCommunities!;
      const as = async (consumer?: string) =>
        readQueryResponse(
          await post(
            `${broker.url}/xca/iti38`,
            findDocuments(nhs),
            undefined,
            consumer ? { 'x-nir-consumer': consumer } : {},
          ),
        ).response;
      const scoped = await as('north-pacs');
      expect([scoped.status, scoped.errors]).toEqual([ResponseStatus.Success, []]);
      expect([...new Set(scoped.objects.map((o) => o.home))]).toEqual([a.homeCommunityId]);
      const everyone = await as();
      expect([...new Set(everyone.objects.map((o) => o.home))].sort()).toEqual(
        [a.homeCommunityId, b.homeCommunityId].sort(),
      );
    } finally {
      await broker.stop();
      await Promise.all(gateways.map((g) => g.stop()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a container that does not answer its control API', () => {
  it('refuses the fault with the reason and keeps nothing (all or nothing across containers)', async () => {
    const pack = await loadDataPack(defaultPackDir);
    const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-roles-'));
    const live = await startGatewayRole([pack.communities[0]!], { ...where, maxBodyBytes: 1 << 20 });
    const dead = (await refusingUrl()).replace(/\/xca$/, '');
    const broker = await startBrokerRole({
      ...where,
      deadlineMs: DEADLINE_MS,
      maxBodyBytes: 1 << 20,
      communities: [
        {
          name: pack.communities[0]!.name,
          homeCommunityId: pack.communities[0]!.homeCommunityId,
          url: live.url,
          controlUrl: live.control.url,
        },
        {
          name: pack.communities[1]!.name,
          homeCommunityId: pack.communities[1]!.homeCommunityId,
          url: dead,
          controlUrl: dead,
        },
      ],
      external: [],
      auditDir: path.join(dir, 'audit'),
    });
    try {
      const r = await postJson(`${broker.control.url}/faults`, [
        { name: 'live', gateway: pack.communities[0]!.name, kind: 'timeout' },
        { name: 'dead', gateway: pack.communities[1]!.name, kind: 'timeout' },
      ]);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        error: 'invalid fault',
        problems: [
          expect.stringMatching(
            new RegExp(
              `^faults\\[1\\]\\.gateway: '${pack.communities[1]!.name}' did not take its faults \\(the control API at ${dead.replace(/[.:/]/g, '\\$&')} did not answer`,
            ),
          ) as string,
        ],
      });
      expect((await json(`${live.control.url}/faults`)).body).toEqual({ faults: [] });
      expect((await json(`${broker.control.url}/faults`)).body).toEqual({ faults: [] });
      const reset = await json(`${broker.control.url}/reset`, { method: 'POST' });
      expect(reset.status).toBe(502);
      expect(reset.body).toEqual({
        error: 'a container of the stack did not answer',
        problems: [
          expect.stringMatching(
            new RegExp(`^the control API of '${pack.communities[1]!.name}' did not answer: `),
          ) as string,
        ],
      });
    } finally {
      await broker.stop();
      await live.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
