/**
 * The container roles with a certificate set (docs/containers.md): gateway roles serving
 * HTTPS with mutual TLS and XUA, the broker role's legs over mTLS with a forwarded signed
 * assertion, and its integration port, started as the containers start them but in this process
 * on port 0, over real TLS. Outcomes are asserted whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack, type DataPack } from '../../simulator/data-pack/loader.js';
import { startBrokerRole } from '../../simulator/roles/broker-container.js';
import { startGatewayRole } from '../../simulator/roles/gateway-container.js';
import type { RunningRole } from '../../simulator/roles/role.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { defaultPackDir } from '../helpers/topology.js';
import {
  mintCertDir,
  postTls,
  supplierAssertion,
  withSecurity,
  type CertDir,
} from '../helpers/security-fixtures.js';

const where = { host: '127.0.0.1', port: 0, controlPort: 0, seed: 1, logger: silentLogger() };
const raw = (body: string) => ({ status: 200, contentType: 'application/soap+xml', body: Buffer.from(body) });

describe('container roles with a certificate set', () => {
  let pack: DataPack;
  let certs: CertDir;
  let dir: string;
  let gateways: RunningRole[];
  let broker: RunningRole;
  let integration: string;
  let nhs: string;
  beforeAll(async () => {
    pack = await loadDataPack(defaultPackDir);
    const two = pack.communities.slice(0, 2);
    certs = await mintCertDir(two.map((c) => c.name));
    dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-roles-'));
    gateways = await Promise.all(
      two.map((c) => startGatewayRole([c], { ...where, maxBodyBytes: 1 << 20, certsDir: certs.dir })),
    );
    broker = await startBrokerRole({
      ...where,
      deadlineMs: 5_000,
      maxBodyBytes: 1 << 20,
      communities: gateways.map((g, i) => ({
        name: two[i]!.name,
        homeCommunityId: two[i]!.homeCommunityId,
        url: g.url,
        controlUrl: g.control.url,
      })),
      external: [],
      auditDir: path.join(dir, 'audit'),
      security: { certsDir: certs.dir, integrationPort: 0 },
    });
    integration = broker.integration!.url;
    nhs = pack.manifest.examples.inAllCommunities!;
  });
  afterAll(async () => {
    await broker?.stop();
    await Promise.all((gateways ?? []).map((g) => g.stop()));
    certs?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the gateways listen on HTTPS and their certificates name the community (the container DNS name)', () => {
    for (const [i, g] of gateways.entries()) {
      expect(g.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const name = pack.communities[i]!.name;
      const cert = new X509Certificate(certs.read(`communities/${name}/server.pem`));
      expect(cert.subjectAltName).toBe(
        `DNS:localhost, DNS:${name}, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1`,
      );
    }
    expect(new X509Certificate(certs.read('nir/broker-server.pem')).subjectAltName).toBe(
      'DNS:localhost, DNS:broker, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
  });

  it('sandbox port: legs over mutual TLS with a forwarded signed assertion; Success from both', async () => {
    const r = readQueryResponse(await post(`${broker.url}/xca/iti38`, findDocuments(nhs))).response;
    expect([r.status, r.errors]).toEqual([ResponseStatus.Success, []]);
    expect(new Set(r.objects.map((o) => o.home))).toEqual(
      new Set(pack.communities.slice(0, 2).map((c) => c.homeCommunityId)),
    );
  });

  it('integration port: a supplier over mTLS with a signed assertion gets Success; no client certificate, no handshake', async () => {
    const envelope = withSecurity(findDocuments(nhs), supplierAssertion(certs, nhsNumberToCx(nhs)));
    const ok = await postTls(certs, `${integration}/xca/iti38`, envelope);
    if (!('status' in ok)) throw new Error(ok.error);
    const q = readQueryResponse(raw(ok.body)).response;
    expect([ok.status, q.status, q.errors]).toEqual([200, ResponseStatus.Success, []]);
    const refused = await postTls(certs, `${integration}/xca/iti38`, envelope, { client: null });
    expect('error' in refused).toBe(true);
  });

  it('a gateway refuses a client that is not the broker (no client certificate)', async () => {
    const r = await postTls(certs, `${gateways[0]!.url}/xca/iti38`, findDocuments(nhs), {
      client: null,
      ca: `communities/${pack.communities[0]!.name}/ca.pem`,
    });
    expect('error' in r).toBe(true);
  });
});
