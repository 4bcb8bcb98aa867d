/**
 * A simulated MHD community with security on (docs/security.md): the same mutual-TLS listener as
 * an XCA community's. The broker's client certificate gets the FHIR answers (the
 * CapabilityStatement then declares the security), a client without a certificate is dropped, and
 * the provisioning faults re-provision the listener with a faulty certificate, as on XCA.
 */
import https from 'node:https';
import type { CapabilityStatement } from 'fhir/r4.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { CommunityData } from '../../simulator/data-pack/pack-format.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { startRespondingGateway, type RunningGateway } from '../../simulator/gateway/gateway-server.js';
import { securityFromDirectory, type SecurityRuntime } from '../../simulator/runtime/security-runtime.js';
import { communityFiles, NirFiles } from '../../simulator/security/cert-layout.js';
import { FhirPath } from '../../simulator/shared/fhir-endpoints.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { mintCertDir, type CertDir } from '../helpers/security-fixtures.js';
import { defaultPackDir } from '../helpers/topology.js';

type Outcome = { status: number; body: string } | { error: string };

describe('a simulated MHD community with security on', () => {
  let c: CommunityData;
  let certs: CertDir;
  let security: SecurityRuntime;
  let g: RunningGateway;
  let faults: FaultStore;
  beforeAll(async () => {
    const pack = await loadDataPack(defaultPackDir);
    c = pack.communities[0]!;
    certs = await mintCertDir([c.name]);
    security = securityFromDirectory(certs.dir, [c.name], {}, silentLogger());
    faults = new FaultStore(1, () => [c.name]);
    g = await startRespondingGateway({
      community: c,
      logger: silentLogger(),
      maxBodyBytes: 1 << 20,
      host: '127.0.0.1',
      port: 0,
      faults,
      ...security.gateway(c.name, c.homeCommunityId),
      protocol: 'mhd',
    });
  });
  afterAll(async () => {
    await g.stop();
    security.stop();
    certs.remove();
  });
  afterEach(() => faults.reset());

  /** GET over HTTPS on a fresh connection, trusting the community's CA, presenting the broker's client certificate (or none). */
  const get = (path: string, client = true): Promise<Outcome> =>
    new Promise((resolve) => {
      const u = new URL(g.url + path);
      const req = https.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          agent: false,
          ca: certs.read(communityFiles(c.name).ca),
          ...(client
            ? { cert: certs.read(NirFiles.brokerClient), key: certs.read(NirFiles.brokerClientKey) }
            : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (x: Buffer) => chunks.push(x));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      req.end();
    });

  it('serves the broker over mutual TLS; the CapabilityStatement says so', async () => {
    expect(g.url.startsWith('https://127.0.0.1:')).toBe(true);
    const r = await get(FhirPath.metadata);
    expect('status' in r && r.status).toBe(200);
    const cs = JSON.parse((r as { body: string }).body) as CapabilityStatement;
    expect(cs.implementation?.url).toBe(`${g.url}/fhir`);
    expect(cs.rest?.[0]?.security?.service?.[0]?.coding?.map((x) => x.code)).toEqual([
      'Certificates',
      'OAuth',
    ]);
  });

  it('drops a client without a certificate', async () => {
    const r = await get(FhirPath.metadata, false);
    expect('error' in r).toBe(true);
  });

  it.each([
    ['cert-expired', 'CERT_HAS_EXPIRED'],
    ['cert-untrusted', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ] as const)('%s: the listener presents that certificate (%s) until the fault goes', async (kind, code) => {
    expect(faults.add({ name: 'cert', gateway: c.name, kind }).ok).toBe(true);
    let r = await get(FhirPath.metadata);
    while (!('error' in r)) r = await get(FhirPath.metadata); // the change is applied asynchronously
    expect(r).toEqual({ error: code });
    faults.reset();
    while ('error' in (r = await get(FhirPath.metadata)));
    expect(r.status).toBe(200);
  });
});
