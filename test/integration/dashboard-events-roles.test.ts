/**
 * The dashboard over the container stack's broker role (docs/containers.md), started as its
 * container starts it but in this process on port 0, over two gateway roles: its control API
 * serves `/ui/` and `GET /events`, where a fault added through it (federated to the gateway that
 * owns it) is announced, the transaction it spoils arrives with that leg timed out, and the
 * counters the gateway keeps reach the stream.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventStream, type Reader } from '../../simulator/control/test-support/sse-reader.js';
import { loadDataPack, type DataPack } from '../../simulator/data-pack/loader.js';
import { startBrokerRole } from '../../simulator/roles/broker-container.js';
import { startGatewayRole } from '../../simulator/roles/gateway-container.js';
import type { RunningRole } from '../../simulator/roles/role.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { defaultPackDir } from '../helpers/topology.js';

/** The broker role's deadline, ms: what a timed-out leg costs. */
const DEADLINE_MS = 2_000;
const where = { host: '127.0.0.1', port: 0, controlPort: 0, seed: 7, logger: silentLogger() };

describe('the dashboard and its event stream on the broker container role', () => {
  let pack: DataPack;
  let dir: string;
  let gateways: RunningRole[];
  let broker: RunningRole;
  let stream: Reader | undefined;
  beforeAll(async () => {
    pack = await loadDataPack(defaultPackDir);
    dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-dashboard-roles-'));
    gateways = await Promise.all(
      pack.communities.slice(0, 2).map((c) => startGatewayRole([c], { ...where, maxBodyBytes: 1 << 20 })),
    );
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
      auditDir: path.join(dir, 'audit'),
    });
  });
  afterAll(async () => {
    stream?.close();
    await broker?.stop();
    await Promise.all((gateways ?? []).map((g) => g.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the dashboard page', async () => {
    const res = await fetch(`${broker.control.url}/ui/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<script type="module" src="./app.js"></script>');
  });

  it('streams the fault added, the transaction it spoils and the counters its gateway keeps', async () => {
    stream = await openEventStream(broker.control.url);
    const topology = await stream.next('topology');
    expect((topology.data as { communities: { name: string }[] }).communities.map((c) => c.name)).toEqual(
      pack.communities.slice(0, 2).map((c) => c.name),
    );
    expect((await stream.next('faults')).data).toEqual({ faults: [] });

    const a = pack.communities[0]!.name;
    const fault = { name: `timeout-${a}`, gateway: a, kind: 'timeout' };
    const added = await fetch(`${broker.control.url}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fault),
    });
    expect(added.status).toBe(201);
    expect((await stream.next('fault-added')).data).toEqual({
      fault: { ...fault, probability: 1, after: 0 },
    });

    const nhs = pack.manifest.examples.inAllCommunities!;
    const r = readQueryResponse(await post(`${broker.url}/xca/iti38`, findDocuments(nhs))).response;
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    const tx = await stream.next('transaction');
    const legs = (tx.data as { legs: { community: string; outcome: string; failure?: { reason: string } }[] })
      .legs;
    expect(legs.map((l) => [l.community, l.outcome, l.failure?.reason])).toEqual([
      [a, 'failed', 'timeout'],
      [pack.communities[1]!.name, 'answered', undefined],
    ]);
    // Counted in the gateway role, listed by the broker role from it (control/federated-faults.ts).
    const counted = await stream.next('faults', (d) =>
      (d as { faults: { applied: number }[] }).faults.some((f) => f.applied === 1),
    );
    expect(counted.data).toEqual({
      faults: [{ fault: { ...fault, probability: 1, after: 0 }, matched: 1, applied: 1 }],
    });

    expect((await fetch(`${broker.control.url}/reset`, { method: 'POST' })).status).toBe(204);
    expect((await stream.next('fault-removed')).data).toEqual({ name: fault.name });
  });
});
