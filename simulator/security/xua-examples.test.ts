/**
 * Real XUA assertions (../shared/reference/examples/XUA, read at run time) through nir-sim's
 * readers: the Swiss EPR profile, IPF's wsse:Security with repeated and foreign values, and Norsk
 * Helsenett's with CE values as escaped XML text. Validation then refuses each for the reason a
 * real deployment would (SHA-1 signatures, a signer that is not pinned).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeRef } from '../../test/helpers/reference-tests.js';
import { homeCommunityIds, purposes, readAssertion, roles, textValues } from './xua-attributes.js';
import { SamlNs, XuaAttribute } from './saml.js';
import { buildSoapEnvelope } from '../soap/envelope.js';
import { parseXml, type Element } from '../soap/xml.js';
import { readReference } from '../../test/helpers/reference.js';
import {
  mintCertDir,
  refusal,
  xuaHarness,
  type CertDir,
  type XuaHarness,
} from '../../test/helpers/security-fixtures.js';

const DIR = 'examples/XUA';
/** The file's root (a leading BOM, comments and the XML declaration are not part of the element). */
const rootOf = (file: string): Element =>
  parseXml(readReference(`${DIR}/${file}`).replace(/^\uFEFF/, '')).documentElement!;

let certs: CertDir;
let validate: XuaHarness['validate'];
beforeAll(async () => {
  certs = await mintCertDir([]);
  validate = xuaHarness(certs, '9995649284').validate;
});
afterAll(() => certs.remove());

/** An ITI-38 envelope whose header holds `securityXml` (a whole wsse:Security element). */
function envelopeWith(securityXml: string): string {
  return buildSoapEnvelope({
    action: 'urn:ihe:iti:2007:CrossGatewayQuery',
    to: 'https://nir.invalid/xca/iti38',
    headersXml: securityXml,
    bodyXml: '<query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"/>',
  });
}
const strip = (xml: string): string => xml.replace(/^\uFEFF?(\s*<!--[\s\S]*?-->|\s*<\?xml[^?]*\?>)*\s*/, '');
const inSecurity = (assertion: string): string =>
  `<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">${strip(assertion)}</wsse:Security>`;

describeRef('the Swiss EPR-style assertion (IPF)', () => {
  const file = 'ipf_SAML2-XUA-assertion_Swiss-EPR-style.xml';

  it('reads Issuer, Subject, Conditions, AuthnStatement and the XUA attributes', () => {
    const v = readAssertion(rootOf(file));
    expect({
      id: v.id,
      issuer: v.issuer,
      nameId: v.nameId,
      audiences: v.audiences,
      window: [v.notBefore, v.notOnOrAfter],
      authn: [v.authnStatements, v.authnContext],
      organizations: textValues(v, XuaAttribute.organization).map((t) => t.replace(/\s+/g, ' ')),
      roles: roles(v),
      purposes: purposes(v),
      resource: textValues(v, XuaAttribute.resourceId),
      hcid: homeCommunityIds(v),
    }).toEqual({
      id: '_96189571-c72c-4a10-8f1c-6d5b27efa797',
      issuer: 'http://ith-icoserve.com/eHealthSolutionsSTS',
      nameId: '9801000050702',
      audiences: ['urn:e-health-suisse:token-audience:all-communities'],
      window: ['2020-09-21T13:39:22.200Z', '2020-09-21T13:54:23.200Z'],
      authn: [1, 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'],
      organizations: ['Org 1 AG', 'Org 2 SA'],
      roles: [
        {
          element: 'Role',
          value: {
            code: 'HCP',
            codeSystem: '2.16.756.5.30.1.127.3.10.6',
            codeSystemName: 'eHealth Suisse EPR Actors',
            displayName: 'Healthcare professional',
          },
        },
      ],
      purposes: [
        {
          element: 'PurposeOfUse',
          value: {
            code: 'NORM',
            codeSystem: '2.16.756.5.30.1.127.3.10.5',
            codeSystemName: 'eHealth Suisse Verwendungszweck',
            displayName: 'Normalzugriff',
          },
        },
      ],
      resource: ['761337610411353650^^^&2.16.756.5.30.1.127.3.10.3&ISO'],
      hcid: [
        { value: 'urn:oid:1.3.6.1.4.1.21367.2017.2.6.19', attribute: 'urn:ihe:iti:xca:2010:homeCommunityId' },
      ],
    });
  });

  it('is refused: its signature is RSA-SHA1', () => {
    const xml = envelopeWith(inSecurity(readReference(`${DIR}/${file}`)));
    expect(refusal(() => validate('', new Date('2020-09-21T13:40:00Z'), xml))).toEqual({
      failure: 'unsupported-algorithm',
      subcode: 'InvalidSecurity',
    });
  });
});

describeRef("IPF's wsse:Security with repeated and foreign values", () => {
  const file = 'ipf_wsse-Security_with_SAML2-assertion-for-xua.xml';
  const assertion = (): Element => rootOf(file).getElementsByTagNameNS(SamlNs.saml2, 'Assertion')[0]!;

  it('finds three roles across two AttributeStatements (ignoring Garbage and misplaced PurposeOfUse) and four purposes', () => {
    const v = readAssertion(assertion());
    expect(roles(v).map((r) => r.value?.code)).toEqual(['ELE', 'HCP', 'GYN']);
    expect(purposes(v).map((p) => p.value?.code)).toEqual(['12', '13', '14', '15']);
    expect(textValues(v, XuaAttribute.resourceId)).toEqual(['543797436^^^&1.2.840.113619.6.197&ISO']);
  });

  it('is refused as sent: RSA-SHA1', () => {
    const xml = envelopeWith(strip(readReference(`${DIR}/${file}`)));
    expect(refusal(() => validate('', new Date('2011-03-29T09:50:00Z'), xml)).failure).toBe(
      'unsupported-algorithm',
    );
  });
});

describeRef("Norsk Helsenett's assertion (CE values as escaped XML text)", () => {
  const file = 'nhn-xcads_SAML2-assertion_standalone.xml';

  it('reads the purpose of use from escaped text, and homeCommunityId', () => {
    const v = readAssertion(rootOf(file));
    expect(purposes(v)).toEqual([
      {
        element: 'PurposeOfUse',
        value: {
          code: '13',
          codeSystem: '1.0.14265.1',
          codeSystemName: 'ISO 14265 Classification of Purposes for processing personal health information',
          displayName: 'Subject of care uses',
        },
      },
    ]);
    expect(roles(v)).toEqual([]);
    expect(homeCommunityIds(v)).toEqual([
      { value: 'urn:oid:2.16.578.1.12.4.1.7.1.1', attribute: 'urn:ihe:iti:xca:2010:homeCommunityId' },
    ]);
    expect([v.authnStatements, v.authnContext]).toEqual([1, 'urn:oasis:names:tc:SAML:2.0:ac:classes:X509']);
  });

  it('is refused: its KeyInfo certificate is not a pinned signer', () => {
    const xml = envelopeWith(inSecurity(readReference(`${DIR}/${file}`)));
    expect(refusal(() => validate('', new Date('2026-03-23T15:20:00Z'), xml))).toEqual({
      failure: 'untrusted-signer',
      subcode: 'FailedAuthentication',
    });
  });
});
