/**
 * Signing off the event loop: signAssertionAsync gives the same bytes as signAssertion (RSASSA-
 * PKCS1-v1_5 is deterministic, RFC 8017 §8.2), hands the RSA operation to libuv's thread pool (the
 * promise cannot settle while the current turn of the event loop runs), and reports every failure
 * as a rejection, never a synchronous throw. issueAssertion writes the same bytes without parsing
 * the text it just built: the canonical form it digests is written directly, and must be what
 * xml-crypto's exclusive canonicaliser makes of the text (xmlsec1 checks it in xua-attacks.test.ts).
 */
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { ExclusiveCanonicalization } from 'xml-crypto';
import {
  buildAssertionXml,
  canonicalAssertionXml,
  issueAssertion,
  issueAssertionAsync,
  signAssertion,
  signAssertionAsync,
  type SigningCredential,
} from './xua-issue.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import { assertionInput, useXuaHarness } from '../../test/helpers/security-fixtures.js';

const NHS = '9995649284';
const CX = nhsNumberToCx(NHS);
const xua = useXuaHarness(NHS);

const supplier = (): SigningCredential => ({
  certPem: xua.certs.read('supplier/signing.pem'),
  keyPem: xua.certs.read('supplier/signing.key'),
});

/** Let every queued microtask (and those they queue) run, without letting the event loop turn. */
async function drainMicrotasks(rounds = 1_000): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

describe('signAssertionAsync', () => {
  it('writes the same bytes as signAssertion, and the broker-side validator accepts them', async () => {
    const now = new Date();
    const xml = buildAssertionXml({ ...assertionInput(CX), now, id: '_async-signed' });
    const signed = await signAssertionAsync(xml, supplier());
    expect(signed).toBe(signAssertion(xml, supplier()));
    expect(xua.validate(signed, now).assertionId).toBe('_async-signed');
  });

  it('dispatches the RSA operation off the event loop: the promise is still pending after every microtask ran', async () => {
    const xml = buildAssertionXml({ ...assertionInput(CX), now: new Date(), id: '_pending' });
    let settled = false;
    const p = signAssertionAsync(xml, supplier()).then((s) => {
      settled = true;
      return s;
    });
    await drainMicrotasks();
    expect(settled).toBe(false);
    expect(await p).toContain('<ds:SignatureValue>');
    expect(settled).toBe(true);
  });

  it('rejects (never throws) for an unusable key', async () => {
    const xml = buildAssertionXml({ ...assertionInput(CX), now: new Date() });
    const bad = {
      certPem: supplier().certPem,
      keyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    };
    let p: Promise<string> | undefined;
    expect(() => (p = signAssertionAsync(xml, bad))).not.toThrow();
    await expect(p).rejects.toThrow(Error);
    expect(() => signAssertion(xml, bad)).toThrow(Error);
  });

  it("rejects (never throws) for text that is not a signable saml2:Assertion, with signAssertion's message", async () => {
    const cases: [string, string][] = [
      [
        '<Assertion ID="_x"><Issuer>i</Issuer></Assertion>',
        'signAssertion: the text is not a saml2:Assertion with a saml2:Issuer',
      ],
      [
        buildAssertionXml({ ...assertionInput(CX), now: new Date(), id: '1-starts-with-a-digit' }),
        "signAssertion: the assertion ID '1-starts-with-a-digit' is not a plain NCName",
      ],
    ];
    for (const [xml, message] of cases) {
      let p: Promise<string> | undefined;
      expect(() => (p = signAssertionAsync(xml, supplier()))).not.toThrow();
      await expect(p).rejects.toThrow(new Error(message));
      expect(() => signAssertion(xml, supplier())).toThrow(new Error(message));
    }
  });
});

/** Inputs that exercise every escape of the wire and canonical forms, and every optional part. */
const AWKWARD = {
  issuer: 'urn:a&b<c>"d\'e',
  nameId: 'spaced \t\r\n name',
  organization: 'Ørg\r\n\t😀 & <Co> "q" \'a\'',
  organizationId: 'urn:oid:1.2.\r3',
  homeCommunityId: 'urn:oid:2.16.840.1.113883.2.1.3.34.9001',
  role: { code: 'R&<>"\'\t\n\r', codeSystem: 'cs\r\n', codeSystemName: 'Ø "n"', displayName: ' a\tb ' },
  purposeOfUse: { code: 'TREATMENT', displayName: ">'<" },
  purposeOfUseElement: 'PurposeForUse' as const,
  homeCommunityIdAttribute: 'urn:nhin:names:saml:homeCommunityId' as const,
  audiences: ['urn:oid:1.2.3.1', 'urn:x&y', 'urn:\u2028\u0085'],
};

/** xml-crypto's exclusive C14N of `xml` as @xmldom/xmldom parses it (the general signing path). */
const xmlCryptoCanonical = (xml: string): string =>
  new ExclusiveCanonicalization().process(
    new DOMParser().parseFromString(xml, 'text/xml').documentElement!,
    {},
  );

describe('canonicalAssertionXml', () => {
  it("is xml-crypto's exclusive C14N of buildAssertionXml's text: plain, awkward, and without the optional parts", () => {
    const now = new Date('2026-12-03T08:00:00.123Z');
    const bare = assertionInput(CX);
    delete bare.resourceId;
    const cases = [
      { ...assertionInput(CX), now, id: '_plain' },
      { ...assertionInput(CX), ...AWKWARD, now, id: '_awkward' },
      { ...bare, now, id: '_bare', role: { code: 'x' }, purposeOfUse: { code: 'y' } },
    ];
    for (const input of cases) {
      const canonical = canonicalAssertionXml(input);
      expect(canonical).toBe(xmlCryptoCanonical(buildAssertionXml(input)));
      expect(canonical).not.toBe(buildAssertionXml(input));
    }
  });

  it('is what the validator reads back: awkward values survive the wire text unchanged', () => {
    const now = new Date();
    const { issuer, nameId, organization, organizationId } = AWKWARD;
    const input = {
      ...assertionInput(CX),
      issuer,
      nameId,
      organization,
      organizationId,
      now,
      id: '_read-back',
    };
    const claims = xua.validate(issueAssertion(input, supplier()), now);
    expect({
      issuer: claims.issuer,
      nameId: claims.nameId,
      organization: claims.organization,
      organizationId: claims.organizationId,
    }).toEqual({ issuer, nameId, organization, organizationId });
  });
});

describe('issueAssertion / issueAssertionAsync', () => {
  it('write the same bytes as signAssertion over buildAssertionXml (the Issuer found without a parse)', async () => {
    const now = new Date();
    const input = {
      ...assertionInput(CX),
      issuer: 'urn:a&b<c>"d\'e',
      organization: 'Ørg\r\n\t😀',
      now,
      id: '_built',
    };
    const expected = signAssertion(buildAssertionXml(input), supplier());
    expect(issueAssertion(input, supplier())).toBe(expected);
    expect(await issueAssertionAsync(input, supplier())).toBe(expected);
  });

  it('refuse a character XML 1.0 does not allow, and an unsignable ID, as signAssertion does', async () => {
    const now = new Date();
    const cases: [object, string][] = [
      [
        { subjectId: 'a\u0001b' },
        'signAssertion: the assertion holds a character XML 1.0 does not allow (§2.2 Char)',
      ],
      [{ id: 'has space' }, "signAssertion: the assertion ID 'has space' is not a plain NCName"],
    ];
    for (const [change, message] of cases) {
      const input = { ...assertionInput(CX), now, ...change };
      expect(() => issueAssertion(input, supplier())).toThrow(new Error(message));
      let p: Promise<string> | undefined;
      expect(() => (p = issueAssertionAsync(input, supplier()))).not.toThrow();
      await expect(p).rejects.toThrow(new Error(message));
    }
  });
});
