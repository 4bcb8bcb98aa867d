/**
 * XUA assertions without a network: issue and validate (the claims read from the signed content),
 * and every refusal with its reason and WS-Security subcode. Attacks and xmlsec1 are in
 * xua-attacks.test.ts, the real example assertions in xua-examples.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { mintLeaf } from './pki.js';
import { NIR_BROKER_AUDIENCE, SUPPLIER_TEST_IDENTITY, XuaAttribute } from './saml.js';
import type { XuaFailure } from './xua-error.js';
import { buildAssertionXml, signAssertion } from './xua-issue.js';
import { checkResourceId } from './xua-validate.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import { findDocuments } from '../../test/helpers/requests.js';
import {
  assertionInput,
  refusal,
  supplierAssertion,
  supplierSigned,
  useXuaHarness,
} from '../../test/helpers/security-fixtures.js';

const NHS = '9995649284';
const CX = nhsNumberToCx(NHS);
const xua = useXuaHarness(NHS);

describe('issue and validate', () => {
  it('a supplier assertion yields every claim, read from the signed content', () => {
    const now = new Date();
    const a = supplierAssertion(xua.certs, CX, { now, id: '_fixed-id' });
    expect(xua.validate(a, now)).toEqual({
      assertionId: '_fixed-id',
      issuer: SUPPLIER_TEST_IDENTITY.issuer,
      nameId: SUPPLIER_TEST_IDENTITY.subjectId,
      subjectId: SUPPLIER_TEST_IDENTITY.subjectId,
      organization: SUPPLIER_TEST_IDENTITY.organization,
      organizationId: SUPPLIER_TEST_IDENTITY.organizationId,
      homeCommunityId: SUPPLIER_TEST_IDENTITY.homeCommunityId,
      homeCommunityIdAttribute: XuaAttribute.homeCommunityId,
      role: { code: '158965000', codeSystem: '2.16.840.1.113883.6.96', displayName: 'Medical practitioner' },
      purposeOfUse: { code: 'TREATMENT', codeSystem: '2.16.840.1.113883.3.18.7.1', displayName: 'Treatment' },
      purposeOfUseElement: 'PurposeOfUse',
      resourceId: CX,
      audiences: [NIR_BROKER_AUDIENCE],
      notBefore: now,
      notOnOrAfter: new Date(now.getTime() + 300_000),
      signer: 'CN=supplier XUA signing, O=nir-sim synthetic test PKI',
    });
  });

  it('accepts the NHIN homeCommunityId name and the PurposeForUse element', () => {
    const a = supplierAssertion(xua.certs, CX, {
      homeCommunityIdAttribute: 'urn:nhin:names:saml:homeCommunityId',
      purposeOfUseElement: 'PurposeForUse',
    });
    const c = xua.validate(a);
    expect([
      c.homeCommunityIdAttribute,
      c.homeCommunityId,
      c.purposeOfUseElement,
      c.purposeOfUse.code,
    ]).toEqual([
      'urn:nhin:names:saml:homeCommunityId',
      SUPPLIER_TEST_IDENTITY.homeCommunityId,
      'PurposeForUse',
      'TREATMENT',
    ]);
  });

  it('tolerates clock skew up to 60 s on both ends, not beyond', () => {
    const now = new Date();
    const a = supplierAssertion(xua.certs, CX, { now, lifetimeMs: 60_000 });
    expect(xua.validate(a, new Date(now.getTime() - 59_000)).assertionId).toMatch(/^_/);
    expect(xua.validate(a, new Date(now.getTime() + 119_000)).assertionId).toMatch(/^_/);
    expect(refusal(() => xua.validate(a, new Date(now.getTime() - 61_000))).failure).toBe('not-yet-valid');
    expect(refusal(() => xua.validate(a, new Date(now.getTime() + 120_000))).failure).toBe('expired');
  });
});

const role2 = (x: string): string =>
  x.replace(
    '</saml2:Attribute><saml2:Attribute Name="urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"',
    '<saml2:AttributeValue><Role xmlns="urn:hl7-org:v3" xsi:type="CE" code="309343006" codeSystem="2.16.840.1.113883.6.96"/></saml2:AttributeValue></saml2:Attribute><saml2:Attribute Name="urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"',
  );
const purpose2 = (x: string): string =>
  x.replace(
    /(<saml2:Attribute Name="urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"[^>]*>)/,
    '$1<saml2:AttributeValue><PurposeOfUse xmlns="urn:hl7-org:v3" xsi:type="CE" code="TREATMENT"/></saml2:AttributeValue>',
  );

describe('refusals, each with its WS-Security subcode', () => {
  const past = (): Date => new Date(Date.now() - 600_000);
  const future = (): Date => new Date(Date.now() + 600_000);
  const cases: [string, () => string, XuaFailure, string][] = [
    ['expired', () => supplierAssertion(xua.certs, CX, { now: past() }), 'expired', 'FailedAuthentication'],
    [
      'not yet valid',
      () => supplierAssertion(xua.certs, CX, { now: future() }),
      'not-yet-valid',
      'FailedAuthentication',
    ],
    ['unsigned', () => buildAssertionXml(assertionInput(CX)), 'unsigned', 'FailedAuthentication'],
    [
      'wrong audience',
      () => supplierAssertion(xua.certs, CX, { audiences: ['urn:other'] }),
      'wrong-audience',
      'FailedAuthentication',
    ],
    [
      'missing AuthnStatement',
      () =>
        supplierAssertion(xua.certs, CX, {}, (x) =>
          x.replace(/<saml2:AuthnStatement[\s\S]*<\/saml2:AuthnStatement>/, ''),
        ),
      'no-authn-statement',
      'InvalidSecurity',
    ],
    ['two roles', () => supplierAssertion(xua.certs, CX, {}, role2), 'several-roles', 'InvalidSecurity'],
    [
      'two purposes of use',
      () => supplierAssertion(xua.certs, CX, {}, purpose2),
      'several-purposes',
      'InvalidSecurity',
    ],
    [
      'a role not allowed',
      () => supplierAssertion(xua.certs, CX, { role: { code: '1' } }),
      'role-not-allowed',
      'FailedAuthentication',
    ],
    [
      'a purpose not allowed',
      () => supplierAssertion(xua.certs, CX, { purposeOfUse: { code: 'RESEARCH' } }),
      'purpose-not-allowed',
      'FailedAuthentication',
    ],
    [
      'no homeCommunityId',
      () =>
        supplierAssertion(xua.certs, CX, {}, (x) =>
          x.replace(
            /<saml2:Attribute Name="urn:ihe:iti:xca:2010:homeCommunityId"[\s\S]*?<\/saml2:Attribute>/,
            '',
          ),
        ),
      'missing-attribute',
      'InvalidSecurity',
    ],
    [
      'SHA-1 signature',
      () =>
        supplierSigned(xua.certs, buildAssertionXml(assertionInput(CX))).replace(
          /xmldsig-more#rsa-sha256/,
          'xmldsig#rsa-sha1',
        ),
      'unsupported-algorithm',
      'InvalidSecurity',
    ],
    [
      'tampered content',
      () =>
        supplierAssertion(xua.certs, CX).replace(
          'Dr Alex Example</saml2:AttributeValue>',
          'Dr Mallory</saml2:AttributeValue>',
        ),
      'bad-signature',
      'FailedAuthentication',
    ],
  ];
  it.each(cases)('%s', (_name, make, failure, subcode) => {
    expect(refusal(() => xua.validate(make()))).toEqual({ failure, subcode });
  });

  it('signed by an untrusted key (its certificate in KeyInfo is not pinned)', async () => {
    const rogue = await mintLeaf({ subject: 'CN=rogue signer', usage: 'signing' });
    const a = signAssertion(buildAssertionXml(assertionInput(CX)), rogue);
    expect(refusal(() => xua.validate(a))).toEqual({
      failure: 'untrusted-signer',
      subcode: 'FailedAuthentication',
    });
  });

  it('no wsse:Security header, or no assertion in it', () => {
    const none = findDocuments(NHS);
    expect(refusal(() => xua.validate('', new Date(), none)).failure).toBe('no-security-header');
    expect(refusal(() => xua.validate('')).failure).toBe('no-assertion');
  });

  it('resource-id for another patient', () => {
    const c = xua.validate(supplierAssertion(xua.certs, nhsNumberToCx('9995527421')));
    expect(refusal(() => checkResourceId(c, CX))).toEqual({
      failure: 'resource-mismatch',
      subcode: 'FailedAuthentication',
    });
    expect(() => checkResourceId(c, undefined)).not.toThrow();
  });
});
