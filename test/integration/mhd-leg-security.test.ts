/**
 * The `mhd` codec's legs with security on: https with the broker's client certificate (mutual TLS,
 * docs/security.md) to a simulated MHD community on its TLS listener, and a provisioning fault
 * (an expired server certificate) refused and named as on an XCA leg.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommunityEndpoint } from '../../simulator/broker/community-directory.js';
import { mhdCodec } from '../../simulator/broker/mhd-community-client.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { CommunityData } from '../../simulator/data-pack/pack-format.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { warmFhirValidators } from '../../simulator/fhir/schema-validator.js';
import { startRespondingGateway, type RunningGateway } from '../../simulator/gateway/gateway-server.js';
import { securityFromDirectory, type SecurityRuntime } from '../../simulator/runtime/security-runtime.js';
import { mhdEndpoints } from '../../simulator/shared/fhir-endpoints.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { EntryStatus, StoredQueryId } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import type { AdhocQueryRequest } from '../../simulator/xca/types.js';
import { mintCertDir, type CertDir } from '../helpers/security-fixtures.js';
import { defaultPackDir } from '../helpers/topology.js';

let certs: CertDir;
let sec: SecurityRuntime;
let c: CommunityData;
let gateway: RunningGateway;
let faults: FaultStore;
let community: CommunityEndpoint;
let nhs: string;

beforeAll(async () => {
  warmFhirValidators();
  const pack = await loadDataPack(defaultPackDir);
  c = pack.communities[0]!;
  nhs = pack.manifest.examples.inAllCommunities!;
  certs = await mintCertDir([c.name]);
  sec = securityFromDirectory(certs.dir, [c.name], { certsDir: certs.dir, crlPollMs: 100 }, silentLogger());
  faults = new FaultStore(1, () => [c.name]);
  gateway = await startRespondingGateway({
    community: c,
    protocol: 'mhd',
    faults,
    tls: sec.gateway(c.name, c.homeCommunityId).tls,
    logger: silentLogger(),
    maxBodyBytes: 1 << 20,
    host: '127.0.0.1',
    port: 0,
  });
  community = {
    name: c.name,
    homeCommunityId: c.homeCommunityId,
    protocol: 'mhd',
    endpoints: mhdEndpoints(gateway.url),
    fhirBase: `${gateway.url}/fhir`,
  };
});

afterAll(async () => {
  await gateway.stop();
  sec.stop();
  certs.remove();
});

const findDocuments = (): AdhocQueryRequest => ({
  returnType: 'LeafClass',
  returnComposedObjects: true,
  queryId: StoredQueryId.FindDocuments,
  slots: [
    { name: '$XDSDocumentEntryPatientId', values: [`'${nhsNumberToCx(nhs)}'`] },
    { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
  ],
});

describe('mhd legs with security on', () => {
  it('ITI-67 over mutual TLS with the broker client certificate answers the community documents', async () => {
    expect(gateway.url.startsWith('https://')).toBe(true);
    const t = { httpsAgent: sec.httpsAgent, maxResponseBytes: 16 * 1024 * 1024 };
    const r = await mhdCodec.query(community, findDocuments(), AbortSignal.timeout(20_000), t);
    const expected = c.entries
      .filter((e) => e.patientId === nhsNumberToCx(nhs) && e.availabilityStatus === EntryStatus.Approved)
      .map((e) => e.uniqueId);
    expect(expected.length).toBeGreaterThan(0);
    expect(r.value.errors).toEqual([]);
    expect(r.value.objects.map((o) => o.form === 'fhir' && o.entry.uniqueId)).toEqual(expected);
    expect(r.exchange.httpStatus).toBe(200);
  });

  it('an expired server certificate (cert-expired) is refused by the broker and named, as on an XCA leg', async () => {
    expect(faults.add({ name: 'expired', gateway: c.name, kind: 'cert-expired' }).ok).toBe(true);
    const t = { httpsAgent: sec.httpsAgent, maxResponseBytes: 16 * 1024 * 1024 };
    let failure: unknown;
    // The listener re-provisions once the fault store has changed: ask until the handshake fails.
    for (let i = 0; i < 200; i++) {
      const err = await mhdCodec.query(community, findDocuments(), AbortSignal.timeout(20_000), t).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (err !== undefined) {
        failure = mhdCodec.classify(err, false, 20_000);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    faults.remove('expired');
    expect(failure).toEqual({
      reason: 'refused',
      detail: 'TLS handshake refused: server certificate expired (CERT_HAS_EXPIRED)',
      certificate: 'expired',
      code: 'CERT_HAS_EXPIRED',
    });
  });
});
