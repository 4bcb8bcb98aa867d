/**
 * The pieces of IUA enforcement that need no network (the rest runs over real mTLS in
 * test/integration/broker-fhir-iua.test.ts): the audience and its `NIR_FHIR_AUDIENCE` override,
 * the integration port's IUA policy derived from its XUA policy, and the sandbox requester read
 * from an unverified bearer token.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PURPOSES, DEFAULT_ROLES, xuaPolicy } from '../security/saml.js';
import { brokerIuaValidator, fhirAudience, unverifiedRequester } from './iua-enforcement.js';

const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('fhirAudience', () => {
  it('is https://localhost:8443/fhir unless NIR_FHIR_AUDIENCE names another', () => {
    expect(fhirAudience({})).toBe('https://localhost:8443/fhir');
    expect(fhirAudience({ NIR_FHIR_AUDIENCE: '  ' })).toBe('https://localhost:8443/fhir');
    expect(fhirAudience({ NIR_FHIR_AUDIENCE: 'https://nir.example/fhir' })).toBe('https://nir.example/fhir');
  });
});

describe('brokerIuaValidator', () => {
  it("pins the XUA policy's signers, roles, purposes and skew; the supplier IdP; person_id an NHS number", () => {
    const xua = xuaPolicy({ audiences: ['urn:nir-sim:nir-broker'], trustedSigners: [], clockSkewMs: 5_000 });
    const { policy } = brokerIuaValidator(xua, 'https://nir.example/fhir');
    expect(policy).toMatchObject({
      issuers: ['urn:nir-sim:supplier-idp'],
      audiences: ['https://nir.example/fhir'],
      trustedSigners: [],
      allowedRoles: DEFAULT_ROLES,
      allowedPurposes: DEFAULT_PURPOSES,
      clockSkewMs: 5_000,
      requirePersonId: true,
    });
    expect(policy.personIdProblem('9995649284^^^&2.16.840.1.113883.2.1.4.1&ISO')).toBeUndefined();
    expect(policy.personIdProblem('9995649285^^^&2.16.840.1.113883.2.1.4.1&ISO')).toMatch(
      /^not an NHS number CX/,
    );
  });
});

describe('unverifiedRequester', () => {
  it('nobody: unknown; the consumer header alone: unverified calling system', () => {
    expect(unverifiedRequester(undefined, undefined)).toEqual({ assurance: 'unknown' });
    expect(unverifiedRequester('pacs', undefined)).toEqual({
      assurance: 'unverified',
      callingSystem: { id: 'pacs', source: 'x-nir-consumer-header' },
    });
  });

  it('a readable JWT: its IUA claims, marked unverified; anything else is ignored', () => {
    const jwt = `${b64({ alg: 'ES256' })}.${b64({
      iss: 'urn:idp',
      sub: 'u-1',
      jti: 'j-1',
      extensions: {
        ihe_iua: {
          subject_organization: 'Org',
          subject_role: [
            { system: 'http://snomed.info/sct', code: '158965000', display: 'Medical practitioner' },
          ],
          home_community_id: 'urn:oid:1.2',
        },
      },
    })}.c2ln`;
    expect(unverifiedRequester(undefined, `Bearer ${jwt}`)).toEqual({
      assurance: 'unverified',
      user: { id: 'u-1', issuer: 'urn:idp' },
      organisation: { display: 'Org' },
      role: { code: '158965000', codeSystem: '2.16.840.1.113883.6.96', displayName: 'Medical practitioner' },
      homeCommunityId: 'urn:oid:1.2',
      assertionId: 'j-1',
    });
    expect(unverifiedRequester(undefined, 'Bearer not-a-jwt')).toEqual({ assurance: 'unknown' });
    expect(unverifiedRequester(undefined, 'Basic dXNlcjpwYXNz')).toEqual({ assurance: 'unknown' });
    expect(unverifiedRequester(undefined, [`Bearer ${jwt}`, `Bearer ${jwt}`])).toEqual({
      assurance: 'unknown',
    });
  });
});
