/**
 * One gateway role hosting several communities (simulator/roles/gateway-container.ts), as a gateway
 * container of a large network runs it (docs/containers.md): the three communities of the default
 * pack in one process, one listener each, one control API, and the broker role over them, talking
 * real HTTP on port 0. Each community keeps its own homeCommunityId, URL and faults.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack, type DataPack } from '../../simulator/data-pack/loader.js';
import { startBrokerRole } from '../../simulator/roles/broker-container.js';
import { startGatewayRole } from '../../simulator/roles/gateway-container.js';
import type { RunningRole } from '../../simulator/roles/role.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { defaultPackDir } from '../helpers/topology.js';

const where = { host: '127.0.0.1', port: 0, controlPort: 0, seed: 7, logger: silentLogger() };

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('one gateway role hosting three communities behind the broker role', () => {
  let pack: DataPack;
  let dir: string;
  let gateways: RunningRole;
  let broker: RunningRole;
  beforeAll(async () => {
    pack = await loadDataPack(defaultPackDir);
    dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-grouped-'));
    gateways = await startGatewayRole(pack.communities, { ...where, maxBodyBytes: 1 << 20 });
    broker = await startBrokerRole({
      ...where,
      deadlineMs: 5_000,
      maxBodyBytes: 1 << 20,
      communities: pack.communities.map((c, i) => ({
        name: c.name,
        homeCommunityId: c.homeCommunityId,
        url: gateways.gateways![i]!.url,
        controlUrl: gateways.control.url,
      })),
      external: [],
      auditDir: path.join(dir, 'audit'),
    });
  });
  afterEach(async () => {
    await fetch(`${broker.control.url}/reset`, { method: 'POST' });
  });
  afterAll(async () => {
    await broker?.stop();
    await gateways?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const query = async () =>
    readQueryResponse(
      await post(`${broker.url}/xca/iti38`, findDocuments(pack.manifest.examples.inAllCommunities!)),
    ).response;

  it('gives each community its own listener, and one control API that lists them all', async () => {
    const urls = gateways.gateways!.map((g) => g.url);
    expect([gateways.gateways!.map((g) => g.name), new Set(urls).size, gateways.url]).toEqual([
      pack.communities.map((c) => c.name),
      3,
      urls[0],
    ]);
    const t = (await json(`${gateways.control.url}/topology`)).body as {
      communities: { name: string; homeCommunityId: string; endpoints: { 'ITI-38': string } }[];
    };
    expect(t.communities.map((c) => [c.name, c.homeCommunityId, c.endpoints['ITI-38']])).toEqual(
      pack.communities.map((c, i) => [c.name, c.homeCommunityId, `${urls[i]}/xca/iti38`]),
    );
  });

  it('every community answers with its own homeCommunityId: Success, no RegistryError', async () => {
    const r = await query();
    expect([r.status, r.errors]).toEqual([ResponseStatus.Success, []]);
    expect([...new Set(r.objects.map((o) => o.home))].sort()).toEqual(
      pack.communities.map((c) => c.homeCommunityId).sort(),
    );
  });

  it('a refuse for one community closes its listener only; the others in the same process answer', async () => {
    const B = pack.communities[1]!;
    const added = await json(`${broker.control.url}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'b-down', gateway: B.name, kind: 'refuse' }),
    });
    expect(added.status).toBe(201);
    const r = await query();
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    expect(r.errors).toEqual([
      {
        errorCode: 'XDSUnavailableCommunity',
        codeContext: expect.stringMatching(
          new RegExp(
            `^community ${B.homeCommunityId.replace(/\./g, '\\.')} \\(${B.name}\\) refused the connection`,
          ),
        ) as string,
        severity: ErrorSeverity.Error,
        location: B.homeCommunityId,
      },
    ]);
    expect([...new Set(r.objects.map((o) => o.home))].sort()).toEqual(
      [pack.communities[0]!.homeCommunityId, pack.communities[2]!.homeCommunityId].sort(),
    );
    const held = (await json(`${gateways.control.url}/faults`)).body as {
      faults: { fault: { name: string } }[];
    };
    expect(held.faults.map((f) => f.fault.name)).toEqual(['b-down']);
  });
});
