/**
 * The SAML-profile signature check (xua-dsig-profile.ts) beside xml-crypto's general reference
 * processing: the same canonical bytes for what both accept, each refusal with its reason, and
 * the shapes it leaves to xml-crypto (which the validator then still accepts or refuses).
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { DsigAlgorithm, SamlNs } from './saml.js';
import { verifyProfileSignature } from './xua-dsig-profile.js';
import { buildAssertionXml } from './xua-issue.js';
import { trustedSigners } from './xua-signature.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import {
  assertionInput,
  refusal,
  supplierAssertion,
  useXuaHarness,
  type CertDir,
} from '../../test/helpers/security-fixtures.js';

const CX = nhsNumberToCx('9995649284');
const xua = useXuaHarness('9995649284');
const ID = '_profile-test';

const pinned = (certs: CertDir) => trustedSigners([certs.read('supplier/signing.pem')]);

/** What xml-crypto 6 itself says is signed in `xml` (its one signed reference). */
function xmlCryptoSigned(xml: string, certs: CertDir): string {
  const sx = new SignedXml({
    publicCert: certs.read('supplier/signing.pem'),
    getCertFromKeyInfo: () => null,
  });
  sx.idAttributes = ['ID'];
  sx.loadSignature(/<ds:Signature[\s\S]*<\/ds:Signature>/.exec(xml)![0]);
  expect(sx.checkSignature(xml)).toBe(true);
  return sx.getSignedReferences()[0]!;
}

/** Sign `xml` with the supplier key, choosing the Reference's transforms and PrefixList. */
function signWith(
  certs: CertDir,
  xml: string,
  transforms: string[],
  inclusiveNamespacesPrefixList?: string[],
): string {
  const sig = new SignedXml({
    privateKey: certs.read('supplier/signing.key'),
    publicCert: certs.read('supplier/signing.pem'),
    signatureAlgorithm: DsigAlgorithm.rsaSha256,
    canonicalizationAlgorithm: DsigAlgorithm.excC14n,
  });
  sig.addReference({
    xpath: `/*[local-name(.)='Assertion' and namespace-uri(.)='${SamlNs.saml2}']`,
    transforms,
    digestAlgorithm: DsigAlgorithm.sha256,
    ...(inclusiveNamespacesPrefixList ? { inclusiveNamespacesPrefixList } : {}),
  });
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `/*/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return sig.getSignedXml();
}

describe('the SAML-profile signature check', () => {
  it('accepts what nir-sim signs, with exactly the canonical bytes xml-crypto digests', () => {
    const a = supplierAssertion(xua.certs, CX, { id: ID });
    const r = verifyProfileSignature(a, ID, pinned(xua.certs));
    expect(r).not.toBeInstanceOf(Error);
    expect(r && !(r instanceof Error) ? r.signedXml : r).toBe(xmlCryptoSigned(a, xua.certs));
  });

  it('honours an InclusiveNamespaces PrefixList on the Reference, as xml-crypto does', () => {
    const unsigned = buildAssertionXml(assertionInput(CX, new Date(), { id: ID })).replace(
      '<saml2:Assertion ',
      '<saml2:Assertion xmlns:xs="http://www.w3.org/2001/XMLSchema" ',
    );
    const a = signWith(xua.certs, unsigned, [DsigAlgorithm.enveloped, DsigAlgorithm.excC14n], ['xs']);
    expect(a).toContain('PrefixList="xs"');
    const r = verifyProfileSignature(a, ID, pinned(xua.certs));
    const signed = r && !(r instanceof Error) ? r.signedXml : String(r);
    expect(signed).toBe(xmlCryptoSigned(a, xua.certs));
    expect(signed).toMatch(/^<saml2:Assertion xmlns:saml2="[^"]+" xmlns:xs=/);
  });

  it('refuses tampered content: the Reference digest does not match', () => {
    const a = supplierAssertion(xua.certs, CX, { id: ID }).replace('Dr Alex Example<', 'Dr Mallory<');
    expect(verifyProfileSignature(a, ID, pinned(xua.certs))).toEqual(
      new Error('the Reference digest does not match the assertion'),
    );
  });

  it('refuses a signature made with another key than the pinned one', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const a = supplierAssertion(xua.certs, CX, { id: ID });
    expect(verifyProfileSignature(a, ID, [{ key: other }])).toEqual(
      new Error('the SignatureValue does not verify with the pinned key'),
    );
  });

  it('refuses a second element carrying the assertion ID, before any digest', () => {
    const a = supplierAssertion(xua.certs, CX, { id: ID }).replace(
      '<saml2:Issuer>',
      `<saml2:Issuer ID="${ID}">`,
    );
    expect(verifyProfileSignature(a, ID, pinned(xua.certs))).toEqual(
      new Error(`more than one element has the ID '${ID}'`),
    );
  });

  it('leaves another allowed shape (enveloped-signature alone) to xml-crypto, which the validator still uses', () => {
    const a = signWith(xua.certs, buildAssertionXml(assertionInput(CX, new Date(), { id: ID })), [
      DsigAlgorithm.enveloped,
    ]);
    expect(verifyProfileSignature(a, ID, pinned(xua.certs))).toBeUndefined();
    expect(xua.validate(a).assertionId).toBe(ID);
    expect(refusal(() => xua.validate(a.replace('Dr Alex Example<', 'Dr Mallory<')))).toEqual({
      failure: 'bad-signature',
      subcode: 'FailedAuthentication',
    });
  });
  it('leaves a Reference without ds:Transforms to xml-crypto, even when the assertion carries ds:Transform children', () => {
    // The transforms are read from the Reference only: ds:Transform elements placed in the signed
    // assertion must not stand in for a missing ds:Transforms (XMLDSig Core 1.1 §4.4.3.4).
    const unsigned = buildAssertionXml(assertionInput(CX, new Date(), { id: ID })).replace(
      '</saml2:Assertion>',
      `<ds:Transform xmlns:ds="${SamlNs.ds}" Algorithm="${DsigAlgorithm.enveloped}"/>` +
        `<ds:Transform xmlns:ds="${SamlNs.ds}" Algorithm="${DsigAlgorithm.excC14n}"/></saml2:Assertion>`,
    );
    const a = signWith(xua.certs, unsigned, [DsigAlgorithm.enveloped, DsigAlgorithm.excC14n]).replace(
      /<ds:Transforms>[\s\S]*?<\/ds:Transforms>/,
      '',
    );
    expect(a).not.toContain('<ds:Transforms>');
    expect(verifyProfileSignature(a, ID, pinned(xua.certs))).toBeUndefined();
  });
});
