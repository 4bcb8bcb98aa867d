/**
 * Replay protection (SAML 2.0 Profiles §4.1.4.5): the same signed assertion presented twice within
 * its validity is refused with wsse:InvalidSecurity; time is injected, so expiry is exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayCache } from './replay-cache.js';
import { NIR_BROKER_AUDIENCE, xuaPolicy } from './saml.js';
import { createXuaValidator } from './xua-validate.js';
import { parseSoapEnvelope } from '../soap/envelope.js';
import { parseXml } from '../soap/xml.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import { findDocuments } from '../../test/helpers/requests.js';
import {
  mintCertDir,
  refusal,
  supplierAssertion,
  withSecurity,
  type CertDir,
} from '../../test/helpers/security-fixtures.js';

const CX = nhsNumberToCx('9995649284');
let certs: CertDir;
beforeAll(async () => {
  certs = await mintCertDir([]);
});
afterAll(() => certs.remove());

describe('ReplayCache', () => {
  it('answers false for a pair seen and unexpired, true again once it expired; issuers are separate', () => {
    const c = new ReplayCache();
    expect(c.firstUse('idp-a', '_1', 2_000, 1_000)).toBe(true);
    expect(c.firstUse('idp-a', '_1', 2_000, 1_999)).toBe(false);
    expect(c.firstUse('idp-b', '_1', 2_000, 1_999)).toBe(true);
    expect(c.firstUse('idp-a', '_1', 3_000, 2_000)).toBe(true);
    expect(c.stats()).toEqual({ entries: 2, evicted: 0 });
  });

  it('stays within maxEntries: expired entries go first, then the oldest (counted)', () => {
    const c = new ReplayCache(10);
    for (let i = 0; i < 10; i++) expect(c.firstUse('idp', `_${i}`, i < 5 ? 100 : 10_000, 0)).toBe(true);
    expect(c.firstUse('idp', '_10', 10_000, 100)).toBe(true); // the five expired ones swept
    expect(c.stats()).toEqual({ entries: 6, evicted: 0 });
    for (let i = 11; i < 15; i++) c.firstUse('idp', `_${i}`, 10_000, 100);
    expect(c.firstUse('idp', '_15', 10_000, 100)).toBe(true); // full of live entries: oldest dropped
    expect(c.stats()).toEqual({ entries: 9, evicted: 2 });
    expect(c.firstUse('idp', '_5', 10_000, 100)).toBe(true); // dropped, so no longer known
    expect(c.firstUse('idp', '_14', 10_000, 100)).toBe(false);
    expect(() => new ReplayCache(0)).toThrow('maxEntries must be an integer >= 1');
  });
});

describe('XUA validator with a replay cache', () => {
  it('refuses the same assertion the second time (wsse:InvalidSecurity) until NotOnOrAfter + skew', () => {
    const validator = createXuaValidator(
      xuaPolicy({ audiences: [NIR_BROKER_AUDIENCE], trustedSigners: [certs.read('supplier/signing.pem')] }),
      { replayCache: new ReplayCache() },
    );
    const now = new Date(Math.floor(Date.now() / 1000) * 1000); // within the minted certificates' validity
    const envelope = withSecurity(findDocuments('9995649284'), supplierAssertion(certs, CX, { now }), now);
    const validate = (at: Date) =>
      validator.validate(
        parseSoapEnvelope(parseXml(envelope), [], { enforceMustUnderstand: false }),
        envelope,
        at,
      );
    expect(validate(now).assertionId).toMatch(/^_[0-9a-f-]{36}$/);
    expect(refusal(() => validate(new Date(now.getTime() + 1_000)))).toEqual({
      failure: 'replayed',
      subcode: 'InvalidSecurity',
    });
    // Past NotOnOrAfter (5 min) plus the 60 s skew the message (its wsu:Timestamp first) has expired:
    // the cache never needs to remember it longer.
    expect(refusal(() => validate(new Date(now.getTime() + 360_000)))).toEqual({
      failure: 'message-expired',
      subcode: 'FailedAuthentication',
    });
  });
});
