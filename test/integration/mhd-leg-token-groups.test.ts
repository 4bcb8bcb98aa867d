/**
 * The bound on a leg token's audiences (broker/mhd-leg-token.ts legBearerToken): up to 16 MHD
 * communities share one token per request; above that each group of 16, in directory order, gets
 * its own token, minted once, naming only that group, so no token exceeds what a resource server
 * accepts (security/iua-validate.ts: at most 16 `aud` entries).
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommunityEndpoint } from '../../simulator/broker/community-directory.js';
import { legBearerToken, MAX_TOKEN_AUDIENCES } from '../../simulator/broker/mhd-leg-token.js';
import type { AssertionForwarder } from '../../simulator/broker/xua-forward.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { mintCertDir, type CertDir } from '../helpers/security-fixtures.js';

let certs: CertDir;
let forward: AssertionForwarder;

beforeAll(async () => {
  certs = await mintCertDir([]);
  forward = { signer: { certPem: certs.read('nir/signing.pem'), keyPem: certs.read('nir/signing.key') } };
});
afterAll(() => certs.remove());

const mhd = (k: number): CommunityEndpoint => ({
  name: `c${k}`,
  homeCommunityId: `urn:oid:1.2.826.0.1.99.${k}`,
  protocol: 'mhd',
  endpoints: { 'ITI-67': `https://c${k}:9443/fhir/DocumentReference` },
  fhirBase: `https://c${k}:9443/fhir`,
});
const xca: CommunityEndpoint = {
  name: 'x',
  homeCommunityId: 'urn:oid:1.2.826.0.1.98.1',
  endpoints: { 'ITI-38': 'https://x:9443/xca/iti38', 'ITI-39': 'https://x:9443/xca/iti39' },
};
const audOf = async (p: Promise<string>): Promise<unknown> => decodeJwt(await p).aud;

describe('legBearerToken audiences', () => {
  it('16 MHD communities (and an XCA one): one token for every leg, naming the 16 FHIR bases', async () => {
    const communities = [xca, ...Array.from({ length: MAX_TOKEN_AUDIENCES }, (_, k) => mhd(k))];
    const bearer = legBearerToken(forward, systemClock, communities, undefined, undefined)!;
    const first = bearer(new URL('https://c0:9443/fhir/DocumentReference?patient=x'));
    expect(bearer(new URL('https://c15:9443/fhir/document?uniqueId=1'))).toBe(first);
    expect(await audOf(first)).toEqual(communities.slice(1).map((c) => c.fhirBase));
  });

  it('17 MHD communities: two tokens, 16 audiences then 1, each minted once', async () => {
    const communities = Array.from({ length: 17 }, (_, k) => mhd(k));
    const bearer = legBearerToken(forward, systemClock, communities, undefined, undefined)!;
    const a = bearer(new URL('https://c3:9443/fhir/DocumentReference'));
    const b = bearer(new URL('https://c16:9443/fhir/DocumentReference'));
    expect(b).not.toBe(a);
    expect(bearer(new URL('https://c16:9443/fhir/document'))).toBe(b);
    expect([await audOf(a), await audOf(b)]).toEqual([
      communities.slice(0, 16).map((c) => c.fhirBase),
      'https://c16:9443/fhir', // one audience: a string (RFC 7519 section 4.1.3)
    ]);
  });

  it('no MHD community: no token at all', () => {
    expect(legBearerToken(forward, systemClock, [xca], undefined, undefined)).toBeUndefined();
  });
});
