/**
 * The signature verifications shared by the XUA validators of one process (verified-signatures.ts):
 * the bounded cache itself, and the validators over it as the runtime wires them for its simulated
 * gateways (runtime/security-runtime.ts): one verification per forwarded assertion, every check
 * that depends on time or on the gateway still made per call. Time is injected; nothing sleeps.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSoapEnvelope } from '../soap/envelope.js';
import { parseXml } from '../soap/xml.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import { silentLogger } from '../shared/logger.js';
import { securityFromDirectory, type SecurityRuntime } from '../runtime/security-runtime.js';
import { xuaPolicy, type XuaClaims } from './saml.js';
import { signerSetId, VerifiedSignatureCache } from './verified-signatures.js';
import { buildAssertionXml, signAssertion } from './xua-issue.js';
import { trustedSigners, type VerifiedSignature } from './xua-signature.js';
import { createXuaValidator, type XuaValidator } from './xua-validate.js';
import { findDocuments } from '../../test/helpers/requests.js';
import {
  assertionInput,
  COMMUNITIES,
  mintCertDir,
  refusal,
  withSecurity,
  type CertDir,
} from '../../test/helpers/security-fixtures.js';

const NHS = '9995649284';
const CX = nhsNumberToCx(NHS);
const HCID_A = 'urn:oid:2.25.310001';
const HCID_B = 'urn:oid:2.25.310002';
// Inside the validity of the certificates the run mints (all times below are this plus an offset).
const T0 = new Date();
const at = (ms: number): Date => new Date(T0.getTime() + ms);

function fakeVerified(tag: string): VerifiedSignature {
  return { signedXml: tag } as unknown as VerifiedSignature;
}

describe('VerifiedSignatureCache', () => {
  it('answers an entry until its expiry, then forgets it; counts hits and misses', () => {
    const c = new VerifiedSignatureCache(4);
    const v = fakeVerified('a');
    c.set('k', v, 1_000, 0);
    expect([c.get('k', 999), c.get('k', 1_000), c.get('k', 0)]).toEqual([v, undefined, undefined]);
    expect(c.stats()).toEqual({ entries: 0, hits: 1, misses: 2, evicted: 0 });
  });

  it('does not store what has already expired', () => {
    const c = new VerifiedSignatureCache(4);
    c.set('k', fakeVerified('a'), 500, 500);
    expect([c.get('k', 0), c.stats().entries]).toEqual([undefined, 0]);
  });

  it('stays within maxEntries: expired entries go first, then the least recently used', () => {
    const c = new VerifiedSignatureCache(3);
    c.set('old', fakeVerified('old'), 10, 0);
    c.set('a', fakeVerified('a'), 1_000, 0);
    c.set('b', fakeVerified('b'), 1_000, 0);
    c.set('c', fakeVerified('c'), 1_000, 20); // sweeps the expired 'old', evicts nothing else
    expect(c.stats()).toEqual({ entries: 3, hits: 0, misses: 0, evicted: 0 });
    expect(c.get('a', 20)?.signedXml).toBe('a'); // 'a' is now the most recently used
    c.set('d', fakeVerified('d'), 1_000, 20); // full, nothing expired: 'b' (least recently used) goes
    expect(['a', 'b', 'c', 'd'].map((k) => c.get(k, 20)?.signedXml)).toEqual(['a', undefined, 'c', 'd']);
    expect(c.stats().evicted).toBe(1);
  });

  it('keys by the exact text and the signer set', () => {
    expect(VerifiedSignatureCache.key('<a/>', 's1')).not.toBe(VerifiedSignatureCache.key('<a/> ', 's1'));
    expect(VerifiedSignatureCache.key('<a/>', 's1')).not.toBe(VerifiedSignatureCache.key('<a/>', 's2'));
    expect(VerifiedSignatureCache.key('<a/>', 's1')).toBe(VerifiedSignatureCache.key('<a/>', 's1'));
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new VerifiedSignatureCache(0)).toThrow(RangeError);
    expect(() => new VerifiedSignatureCache(1.5)).toThrow(RangeError);
  });
});

describe('validators sharing verifications', () => {
  let certs: CertDir;
  let security: SecurityRuntime;
  let gatewayA: XuaValidator;
  let gatewayB: XuaValidator;
  beforeAll(async () => {
    certs = await mintCertDir(COMMUNITIES.slice(0, 2));
    security = securityFromDirectory(certs.dir, COMMUNITIES.slice(0, 2), {}, silentLogger());
    gatewayA = security.gateway(COMMUNITIES[0]!, HCID_A).xua;
    gatewayB = security.gateway(COMMUNITIES[1]!, HCID_B).xua;
  });
  afterAll(() => {
    security.stop();
    certs.remove();
  });

  /** The broker's forwarded assertion: NIR-signed, for both communities, valid 5 minutes from T0. */
  const forwarded = (id: string, edit: (xml: string) => string = (x) => x): string =>
    signAssertion(edit(buildAssertionXml(assertionInput(CX, T0, { audiences: [HCID_A, HCID_B], id }))), {
      certPem: certs.read('nir/signing.pem'),
      keyPem: certs.read('nir/signing.key'),
    });
  const validate = (v: XuaValidator, assertion: string, now: Date, messageId?: string): XuaClaims => {
    const text = withSecurity(findDocuments(NHS, messageId ? { messageId } : {}), assertion, now);
    return v.validate(parseSoapEnvelope(parseXml(text), [], { enforceMustUnderstand: false }), text, now);
  };
  const stats = (): ReturnType<VerifiedSignatureCache['stats']> => security.verifiedSignatures.stats();

  it('the second gateway accepts the same assertion without verifying it again', () => {
    const a = forwarded('_shared-1');
    const before = stats();
    const claimsA = validate(gatewayA, a, at(1_000));
    const afterA = stats();
    const claimsB = validate(gatewayB, a, at(2_000));
    const afterB = stats();
    expect([
      afterA.misses - before.misses,
      afterA.hits - before.hits,
      afterA.entries - before.entries,
    ]).toEqual([1, 0, 1]);
    expect([afterB.misses - afterA.misses, afterB.hits - afterA.hits, afterB.entries]).toEqual([
      0,
      1,
      afterA.entries,
    ]);
    expect(claimsB).toEqual(claimsA);
    expect(claimsA.assertionId).toBe('_shared-1');
    expect(claimsA.signer).toBe(
      new X509Certificate(certs.read('nir/signing.pem')).subject.replace(/\n/g, ', '),
    );
  });

  it('a one-byte change misses the cache and is refused', () => {
    const a = forwarded('_shared-2');
    validate(gatewayA, a, at(1_000));
    const before = stats();
    const changed = a.replace('Dr Alex Example', 'Dr Alex Exampld');
    expect(changed).not.toBe(a);
    expect(refusal(() => validate(gatewayB, changed, at(1_000)))).toEqual({
      failure: 'bad-signature',
      subcode: 'FailedAuthentication',
    });
    const after = stats();
    expect([after.misses - before.misses, after.hits - before.hits, after.entries]).toEqual([
      1,
      0,
      before.entries,
    ]);
  });

  it('each gateway keeps its own replay cache: the same message a second time at one gateway is refused, the assertion on a new message accepted', () => {
    const a = forwarded('_shared-3');
    validate(gatewayA, a, at(1_000), 'urn:uuid:message-1');
    validate(gatewayB, a, at(1_000), 'urn:uuid:message-1');
    const before = stats();
    expect(refusal(() => validate(gatewayA, a, at(1_500), 'urn:uuid:message-1'))).toEqual({
      failure: 'replayed',
      subcode: 'InvalidSecurity',
    });
    expect(refusal(() => validate(gatewayB, a, at(1_500), 'urn:uuid:message-1')).failure).toBe('replayed');
    expect(validate(gatewayA, a, at(1_500), 'urn:uuid:message-2').assertionId).toBe('_shared-3');
    expect(stats().hits - before.hits).toBe(3);
  });

  it('a different signer set does not share entries', () => {
    const a = forwarded('_shared-4');
    validate(gatewayA, a, at(1_000));
    const nirPem = certs.read('nir/signing.pem');
    const supplierPem = certs.read('supplier/signing.pem');
    expect(signerSetId(trustedSigners([nirPem, supplierPem]))).toBe(
      signerSetId(trustedSigners([supplierPem, nirPem])),
    );
    const policy = { audiences: [HCID_A], requireResourceId: false };
    const wider = createXuaValidator(xuaPolicy({ ...policy, trustedSigners: [nirPem, supplierPem] }), {
      verifiedSignatures: security.verifiedSignatures,
    });
    const other = createXuaValidator(xuaPolicy({ ...policy, trustedSigners: [supplierPem] }), {
      verifiedSignatures: security.verifiedSignatures,
    });
    const before = stats();
    expect(refusal(() => validate(other, a, at(1_000))).failure).toBe('untrusted-signer');
    expect(validate(wider, a, at(1_000)).assertionId).toBe('_shared-4');
    const after = stats();
    expect([after.misses - before.misses, after.hits - before.hits, after.entries - before.entries]).toEqual([
      2, 0, 1,
    ]);
  });

  it('a cached verification does not stand in for the time checks', () => {
    const a = forwarded('_shared-5');
    const pem = certs.read('nir/signing.pem');
    const policy = { audiences: [HCID_A], requireResourceId: false, trustedSigners: [pem] };
    const lenient = createXuaValidator(xuaPolicy({ ...policy, clockSkewMs: 60_000 }), {
      verifiedSignatures: security.verifiedSignatures,
    });
    const strict = createXuaValidator(xuaPolicy({ ...policy, clockSkewMs: 0 }), {
      verifiedSignatures: security.verifiedSignatures,
    });
    // 30 s past NotOnOrAfter (T0 + 300 s): inside the lenient skew, so it verifies and is cached.
    expect(validate(lenient, a, at(330_000)).assertionId).toBe('_shared-5');
    const before = stats();
    expect(refusal(() => validate(strict, a, at(330_000))).failure).toBe('expired');
    expect(refusal(() => validate(strict, a, at(-1_000))).failure).toBe('not-yet-valid');
    expect(stats().hits - before.hits).toBe(2);
    // Past NotOnOrAfter + skew the entry is gone and the assertion refused as expired.
    expect(refusal(() => validate(lenient, a, at(360_000))).failure).toBe('expired');
    expect(stats().misses - before.misses).toBe(1);
  });

  it("a cached verification does not outlive its signer's certificate", () => {
    const a = forwarded('_shared-6');
    const pem = certs.read('nir/signing.pem');
    const validToMs = Date.parse(new X509Certificate(pem).validTo);
    // A skew reaching past the certificate's end keeps the entry alive beyond it.
    const skew = validToMs - T0.getTime() + 86_400_000;
    const v = createXuaValidator(
      xuaPolicy({ audiences: [HCID_A], requireResourceId: false, trustedSigners: [pem], clockSkewMs: skew }),
      { verifiedSignatures: security.verifiedSignatures },
    );
    const other = createXuaValidator(
      xuaPolicy({ audiences: [HCID_A], requireResourceId: false, trustedSigners: [pem], clockSkewMs: skew }),
      { verifiedSignatures: security.verifiedSignatures },
    );
    validate(v, a, at(1_000));
    const before = stats();
    const late = new Date(validToMs + 1_000);
    expect(refusal(() => validate(other, a, late)).failure).toBe('untrusted-signer');
    expect(stats().hits - before.hits).toBe(1);
  });
});
