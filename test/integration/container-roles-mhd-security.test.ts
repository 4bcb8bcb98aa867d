/**
 * The gateway container role serving an MHD community with a certificate set (docs/security.md
 * "MHD communities"): ITI-67 needs the broker's IUA leg token, whose audience may be the FHIR base
 * the broker's directory names it by in the container network (`https://<community>:<port>/fhir`,
 * containers/container-plan.ts) or the listener's own; a token for another base is refused.
 */
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommunityEndpoint } from '../../simulator/broker/community-directory.js';
import { legBearerToken } from '../../simulator/broker/mhd-leg-token.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { CommunityData } from '../../simulator/data-pack/pack-format.js';
import { startGatewayRole } from '../../simulator/roles/gateway-container.js';
import type { RunningRole } from '../../simulator/roles/role.js';
import { securityFromDirectory, type SecurityRuntime } from '../../simulator/runtime/security-runtime.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { mintCertDir, type CertDir } from '../helpers/security-fixtures.js';
import { defaultPackDir } from '../helpers/topology.js';

const NHS = '9995649284';
let c: CommunityData;
let certs: CertDir;
let role: RunningRole;
let sec: SecurityRuntime;

beforeAll(async () => {
  const pack = await loadDataPack(defaultPackDir);
  c = pack.communities[0]!;
  certs = await mintCertDir([c.name]);
  role = await startGatewayRole([c], {
    host: '127.0.0.1',
    port: 0,
    controlPort: 0,
    seed: 1,
    logger: silentLogger(),
    maxBodyBytes: 1 << 20,
    certsDir: certs.dir,
    mhd: [c.name],
  });
  sec = securityFromDirectory(certs.dir, [c.name], {}, silentLogger());
});
afterAll(async () => {
  await role?.stop();
  sec?.stop();
  certs?.remove();
});

/** The broker's leg token for an MHD community known by `fhirBase`. */
function tokenFor(fhirBase: string): Promise<string> {
  const e: CommunityEndpoint = {
    name: c.name,
    homeCommunityId: c.homeCommunityId,
    protocol: 'mhd',
    endpoints: {},
    fhirBase,
  };
  return legBearerToken(sec.forward, systemClock, [e], undefined, undefined)!(new URL(`${fhirBase}/x`));
}

/** ITI-67 to the role's listener with the broker's client certificate and `token`. */
function search(token: string): Promise<number> {
  const u = new URL(`${role.url}/fhir/DocumentReference`);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}?patient.identifier=${encodeURIComponent(`https://fhir.nhs.uk/Id/nhs-number|${NHS}`)}&status=current`,
        agent: false,
        ca: certs.read(`communities/${c.name}/ca.pem`),
        cert: certs.read('nir/broker-client.pem'),
        key: certs.read('nir/broker-client.key'),
        headers: { accept: 'application/fhir+json', authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('an MHD community in a gateway container, security on', () => {
  it('accepts a token for its service-name FHIR base and for its listener base; refuses another', async () => {
    const port = new URL(role.url).port;
    expect(role.url.startsWith('https://')).toBe(true);
    expect([
      await search(await tokenFor(`https://${c.name}:${port}/fhir`)),
      await search(await tokenFor(`${role.url}/fhir`)),
      await search(await tokenFor(`https://elsewhere:${port}/fhir`)),
    ]).toEqual([200, 200, 401]);
  });
});
