/**
 * The container roles with an MHD community (simulator/roles/gateway-container.ts,
 * roles/broker-container.ts), as `serve gateway --mhd-community` and `serve broker --community
 * ...,protocol=mhd` run them (docs/containers.md): the gateway role serves the named community
 * as an MHD Document Responder (its `/fhir/metadata`, the container's health URL, answers) beside
 * an XCA one, and both control APIs' `GET /topology` say what each community speaks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CapabilityStatement } from 'fhir/r4.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack, type DataPack } from '../../simulator/data-pack/loader.js';
import { startBrokerRole } from '../../simulator/roles/broker-container.js';
import { startGatewayRole } from '../../simulator/roles/gateway-container.js';
import type { RunningRole } from '../../simulator/roles/role.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { defaultPackDir } from '../helpers/topology.js';

const where = { host: '127.0.0.1', port: 0, controlPort: 0, seed: 7, logger: silentLogger() };

describe('a gateway role serving one XCA and one MHD community, behind the broker role', () => {
  let pack: DataPack;
  let dir: string;
  let gateways: RunningRole;
  let broker: RunningRole;
  beforeAll(async () => {
    pack = await loadDataPack(defaultPackDir);
    dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-roles-mhd-'));
    const [a, b] = pack.communities;
    gateways = await startGatewayRole([a!, b!], { ...where, maxBodyBytes: 1 << 20, mhd: [b!.name] });
    broker = await startBrokerRole({
      ...where,
      deadlineMs: 5_000,
      maxBodyBytes: 1 << 20,
      communities: [a!, b!].map((c, i) => ({
        name: c.name,
        homeCommunityId: c.homeCommunityId,
        url: gateways.gateways![i]!.url,
        controlUrl: gateways.control.url,
        ...(i === 1 ? { protocol: 'mhd' as const } : {}),
      })),
      external: [
        {
          kind: 'external',
          protocol: 'mhd',
          name: 'supplier-mhd',
          homeCommunityId: 'urn:oid:1.2.826.0.1.999.2',
          fhirBase: 'http://127.0.0.1:9/fhir',
        },
      ],
      auditDir: path.join(dir, 'audit'),
      publicUrl: 'http://localhost:8080',
    });
  });
  afterAll(async () => {
    await broker?.stop();
    await gateways?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /fhir/metadata on the MHD community only', async () => {
    const [xca, mhd] = gateways.gateways!;
    const res = await fetch(`${mhd!.url}/fhir/metadata`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as CapabilityStatement).resourceType).toBe('CapabilityStatement');
    expect((await fetch(`${xca!.url}/fhir/metadata`)).status).toBe(404);
  });

  it("says in both control APIs' GET /topology what each community speaks", async () => {
    const [a, b] = pack.communities;
    const [xca, mhd] = gateways.gateways!;
    const mhdView = {
      name: b!.name,
      homeCommunityId: b!.homeCommunityId,
      kind: 'simulated',
      protocol: 'mhd',
      fhirBase: `${mhd!.url}/fhir`,
      endpoints: { 'ITI-67': `${mhd!.url}/fhir/DocumentReference`, 'ITI-68': `${mhd!.url}/fhir/document` },
      down: false,
    };
    const xcaView = {
      name: a!.name,
      homeCommunityId: a!.homeCommunityId,
      kind: 'simulated',
      protocol: 'xca',
      endpoints: {
        'ITI-38': `${xca!.url}/xca/iti38`,
        'ITI-39': `${xca!.url}/xca/iti39`,
        'RAD-75': `${xca!.url}/xcai/rad75`,
      },
      down: false,
    };
    const own = (await (await fetch(`${gateways.control.url}/topology`)).json()) as { communities: unknown };
    expect(own.communities).toEqual([xcaView, mhdView]);
    const t = (await (await fetch(`${broker.control.url}/topology`)).json()) as {
      broker: unknown;
      communities: unknown;
    };
    expect(t.broker).toEqual({
      url: 'http://localhost:8080',
      fhirBase: 'http://localhost:8080/fhir',
      endpoints: {
        'ITI-38': 'http://localhost:8080/xca/iti38',
        'ITI-39': 'http://localhost:8080/xca/iti39',
        'RAD-75': 'http://localhost:8080/xcai/rad75',
        'ITI-67': 'http://localhost:8080/fhir/DocumentReference',
        'ITI-68': 'http://localhost:8080/fhir/document',
        'WADO-RS': 'http://localhost:8080/wado-rs',
      },
    });
    expect(t.communities).toEqual([
      xcaView,
      mhdView,
      {
        name: 'supplier-mhd',
        homeCommunityId: 'urn:oid:1.2.826.0.1.999.2',
        kind: 'external',
        protocol: 'mhd',
        fhirBase: 'http://127.0.0.1:9/fhir',
        endpoints: { 'ITI-67': 'http://127.0.0.1:9/fhir/DocumentReference' },
        down: false,
      },
    ]);
  });
});
