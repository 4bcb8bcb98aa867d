/**
 * What the broker reads of the requester for audit (unverified until XUA validation lands): the
 * X-NIR-Consumer header and an XUA assertion's attributes, spelled either way senders spell them.
 */
import { describe, expect, it } from 'vitest';
import { requesterFromRequest } from './transaction-record.js';
import { parseSoapEnvelope } from '../soap/envelope.js';
import { parseXml } from '../soap/xml.js';

const headers = (security: string) =>
  parseSoapEnvelope(
    parseXml(
      `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Header>${security}</env:Header><env:Body><x/></env:Body></env:Envelope>`,
    ),
    [
      {
        ns: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
        local: 'Security',
      },
    ],
  ).headerBlocks;

const attribute = (name: string, value: string) =>
  `<saml2:Attribute Name="${name}"><saml2:AttributeValue>${value}</saml2:AttributeValue></saml2:Attribute>`;

describe('requesterFromRequest', () => {
  it('is unknown when the request names nobody, unverified with only the consumer header', () => {
    expect(requesterFromRequest(undefined, [])).toEqual({ assurance: 'unknown' });
    expect(requesterFromRequest('acme', [])).toEqual({
      assurance: 'unverified',
      callingSystem: { id: 'acme', source: 'x-nir-consumer-header' },
    });
  });

  it('reads an XUA assertion without validating it: NameID fallback, NHIN homeCommunityId, PurposeForUse', () => {
    const security = `<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
      <saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_x9" Version="2.0">
        <saml2:Issuer>urn:oid:1.2.840.114350</saml2:Issuer>
        <saml2:Subject><saml2:NameID>CONE, Stephen</saml2:NameID></saml2:Subject>
        <saml2:AttributeStatement>
          ${attribute('urn:oasis:names:tc:xspa:1.0:subject:organization', 'UCLH - University College London Hospitals - TST')}
          ${attribute('urn:oasis:names:tc:xspa:1.0:subject:organization-id', 'urn:oid:1.2.840.114350.1.13.525.3.7.3.688884.100')}
          ${attribute('urn:nhin:names:saml:homeCommunityId', 'urn:oid:1.2.840.114350.1.13.525.3.7.3.688884.100')}
          ${attribute('urn:oasis:names:tc:xacml:2.0:subject:role', '<Role xmlns="urn:hl7-org:v3" code="224608005" codeSystem="2.16.840.1.113883.6.96" displayName="Administrative healthcare staff"/>')}
          ${attribute('urn:oasis:names:tc:xspa:1.0:subject:purposeofuse', '<PurposeForUse xmlns="urn:hl7-org:v3" code="TREATMENT" codeSystem="2.16.840.1.113883.3.18.7.1" displayName="Treatment"/>')}
          ${attribute('urn:oasis:names:tc:xacml:2.0:resource:resource-id', '9690937278^^^&amp;2.16.840.1.113883.2.1.4.1&amp;ISO')}
        </saml2:AttributeStatement>
      </saml2:Assertion>
    </wsse:Security>`;
    expect(requesterFromRequest(undefined, headers(security))).toEqual({
      assurance: 'unverified',
      user: { id: 'CONE, Stephen', issuer: 'urn:oid:1.2.840.114350' },
      organisation: {
        id: 'urn:oid:1.2.840.114350.1.13.525.3.7.3.688884.100',
        display: 'UCLH - University College London Hospitals - TST',
      },
      role: {
        code: '224608005',
        codeSystem: '2.16.840.1.113883.6.96',
        displayName: 'Administrative healthcare staff',
      },
      purposeOfUse: { code: 'TREATMENT', codeSystem: '2.16.840.1.113883.3.18.7.1', displayName: 'Treatment' },
      homeCommunityId: 'urn:oid:1.2.840.114350.1.13.525.3.7.3.688884.100',
      patientId: '9690937278^^^&2.16.840.1.113883.2.1.4.1&ISO',
      assertionId: '_x9',
    });
  });
});
