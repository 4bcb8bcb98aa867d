/**
 * Attacks on XUA validation: signature wrapping (XSW) and comment injection, each refused; and
 * xmlsec1 (an independent XML-signature implementation) verifying what nir-sim signs.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { skipWithoutTool } from '../../test/helpers/system-tools.js';
import { forwardedSecurityHeader } from '../broker/xua-forward.js';
import { buildAssertionXml, issueAssertion } from './xua-issue.js';
import { checkResourceId } from './xua-validate.js';
import { nhsNumberToCx } from '../xca/patient-id.js';
import {
  assertionInput,
  refusal,
  runTool,
  supplierAssertion,
  useXuaHarness,
} from '../../test/helpers/security-fixtures.js';

const NHS = '9995649284';
const CX = nhsNumberToCx(NHS);
const xua = useXuaHarness(NHS);

describe('attacks', () => {
  it('signature wrapping: an unsigned assertion wrapping the genuine one in Advice is refused', () => {
    const genuine = supplierAssertion(xua.certs, nhsNumberToCx('9995527421'));
    const evil = buildAssertionXml(
      assertionInput(CX, new Date(), { subjectId: 'Mallory', id: '_evil' }),
    ).replace('<saml2:Conditions', `<saml2:Advice>${genuine}</saml2:Advice><saml2:Conditions`);
    expect(refusal(() => xua.validate(evil))).toEqual({
      failure: 'several-assertions',
      subcode: 'InvalidSecurity',
    });
  });

  it('signature wrapping: the genuine signature moved onto an evil assertion does not cover it', () => {
    const genuine = supplierAssertion(xua.certs, CX, { id: '_genuine' });
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(genuine)![0];
    const evil = buildAssertionXml(
      assertionInput(CX, new Date(), { subjectId: 'Mallory', id: '_genuine' }),
    ).replace('</saml2:Issuer>', `</saml2:Issuer>${signature}`);
    expect(refusal(() => xua.validate(evil))).toEqual({
      failure: 'bad-signature',
      subcode: 'FailedAuthentication',
    });
    const other = evil.replace('ID="_genuine"', 'ID="_evil"');
    expect(refusal(() => xua.validate(other))).toEqual({
      failure: 'bad-signature',
      subcode: 'FailedAuthentication',
    });
  });

  it('comment injection in a signed value: the whole value is read, so the truncated patient is not', () => {
    const signedFor = `${CX}.evil`;
    const a = supplierAssertion(xua.certs, signedFor).replace(
      `${CX.replace(/&/g, '&amp;')}.evil`,
      `${CX.replace(/&/g, '&amp;')}<!---->.evil`,
    );
    const c = xua.validate(a);
    expect(c.resourceId).toBe(signedFor);
    expect(refusal(() => checkResourceId(c, CX))).toEqual({
      failure: 'resource-mismatch',
      subcode: 'FailedAuthentication',
    });
  });

  it('comment injection in DigestValue (CVE-2025-29775 style) does not pass off tampered content', () => {
    const a = supplierAssertion(xua.certs, CX);
    const tampered = a.replace('Dr Alex Example</saml2:AttributeValue>', 'Dr Mallory</saml2:AttributeValue>');
    const forged = tampered.replace(
      /<ds:DigestValue>([^<]*)<\/ds:DigestValue>/,
      '<ds:DigestValue><!--AAAA-->$1</ds:DigestValue>',
    );
    expect(refusal(() => xua.validate(forged))).toEqual({
      failure: 'bad-signature',
      subcode: 'FailedAuthentication',
    });
  });
});

describe.skipIf(skipWithoutTool('xmlsec1'))(
  'xmlsec1 (an independent XML-signature implementation) verifies what nir-sim signs',
  () => {
    const xmlsec = (file: string, trusted: string[]): { status: number; output: string } =>
      runTool('xmlsec1', [
        '--verify',
        ...trusted.flatMap((t) => ['--trusted-pem', path.join(xua.certs.dir, t)]),
        '--id-attr:ID',
        'urn:oasis:names:tc:SAML:2.0:assertion:Assertion',
        file,
      ]);

    it('a supplier assertion, chained to the supplier root; a tampered copy fails', () => {
      const file = path.join(xua.certs.dir, 'assertion.xml');
      const a = supplierAssertion(xua.certs, CX);
      writeFileSync(file, a);
      const ok = xmlsec(file, ['supplier/root-ca.pem', 'supplier/intermediate-ca.pem']);
      expect([ok.status, ok.output]).toEqual([
        0,
        expect.stringMatching(/^OK\nSignedInfo References \(ok\/all\): 1\/1\n/),
      ]);
      writeFileSync(file, a.replace('Dr Alex Example<', 'Dr Mallory<'));
      expect(xmlsec(file, ['supplier/root-ca.pem', 'supplier/intermediate-ca.pem']).status).not.toBe(0);
    });

    it('an issued assertion whose values need every escape (its canonical form written directly) verifies', () => {
      const file = path.join(xua.certs.dir, 'awkward.xml');
      const signer = {
        certPem: xua.certs.read('supplier/signing.pem'),
        keyPem: xua.certs.read('supplier/signing.key'),
      };
      const a = issueAssertion(
        assertionInput(CX, new Date(), {
          issuer: 'urn:a&b<c>"d\'e',
          nameId: 'line\r\nends\u2028and\u0085more',
          organization: 'Ørg \t😀 & <Co>',
          role: { code: 'R&<>"\'\t\n\r', codeSystem: 'cs\u2028', displayName: ' a\tb ' },
          audiences: ['urn:x&y', 'urn:\r'],
        }),
        signer,
      );
      writeFileSync(file, a);
      const ok = xmlsec(file, ['supplier/root-ca.pem', 'supplier/intermediate-ca.pem']);
      expect([ok.status, ok.output]).toEqual([0, expect.stringMatching(/^OK\n/)]);
    });

    it("the broker's forwarded assertion, in its wsse:Security header, chained to the NIR root", () => {
      const file = path.join(xua.certs.dir, 'forwarded.xml');
      const header = forwardedSecurityHeader(
        { signer: { certPem: xua.certs.read('nir/signing.pem'), keyPem: xua.certs.read('nir/signing.key') } },
        { now: () => Date.now() },
        ['urn:oid:1.2.3'],
        undefined,
        CX,
      );
      writeFileSync(file, header);
      const ok = xmlsec(file, ['nir/root-ca.pem']);
      expect([ok.status, ok.output]).toEqual([0, expect.stringMatching(/^OK\n/)]);
    });
  },
);
