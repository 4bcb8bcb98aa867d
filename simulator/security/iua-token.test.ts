/**
 * IHE IUA access tokens without a network: issue with the supplier's pinned signing key (RS256) or
 * an EC P-256 one (ES256), validate (the requester facts read from the verified payload), a second
 * implementation (node:crypto) verifies the JWS, and every refusal as a whole outcome: the reason,
 * the HTTP status and the RFC 6750 challenge the client sees.
 */
import {
  createHash,
  createPrivateKey,
  verify as cryptoVerify,
  X509Certificate,
  webcrypto,
} from 'node:crypto';
import { SignJWT, base64url } from 'jose';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { bearerTokenOf } from './iua-bearer.js';
import {
  NIR_FHIR_AUDIENCE,
  SUPPLIER_TEST_CLIENT_ID,
  SUPPLIER_TEST_SCOPE,
  iuaPolicy,
  type IuaClaims,
  type IuaPolicy,
  type RequesterFacts,
} from './iua-claims.js';
import { IuaError, bearerChallenge, type IuaFailure } from './iua-error.js';
import { accessTokenClaims, issueAccessToken, x5cOf, type AccessTokenInput } from './iua-token.js';
import { createIuaValidator } from './iua-validate.js';
import { mintLeaf, type Credential } from './pki.js';
import { ReplayCache } from './replay-cache.js';
import { CodeSystem, SUPPLIER_TEST_IDENTITY, type XuaClaims } from './saml.js';
import type { SigningCredential } from './xua-issue.js';
import { nhsNumberFromPatientId, nhsNumberToCx, patientIdProblemText } from '../xca/patient-id.js';
import { mintCertDir, type CertDir } from '../../test/helpers/security-fixtures.js';

const NHS = '9995649284';
const CX = nhsNumberToCx(NHS);
/**
 * The time every token is issued and validated at: a whole second (JWT times are seconds) near the
 * wall clock, since the certificates are minted for the current time; the checks read only this.
 */
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);
/** iat of tokens issued at T0, in seconds. */
const IAT = T0.getTime() / 1000;

/** The broker's person_id rule: an NHS number CX (xca/patient-id.ts), as the broker will pass it. */
const nhsCxProblem = (v: string): string | undefined => {
  const r = nhsNumberFromPatientId(v);
  return r.ok ? undefined : patientIdProblemText[r.reason];
};

let certs: CertDir;
let supplier: SigningCredential;
let policy: IuaPolicy;
/** A signing credential nobody pins (RSA-2048, minted once for the file). */
let rogue: Credential;
beforeAll(async () => {
  rogue = await mintLeaf({ subject: 'CN=rogue signer', usage: 'signing' });
  certs = await mintCertDir([]);
  supplier = { certPem: certs.read('supplier/signing.pem'), keyPem: certs.read('supplier/signing.key') };
  policy = iuaPolicy({
    issuers: [SUPPLIER_TEST_IDENTITY.issuer],
    audiences: [NIR_FHIR_AUDIENCE],
    trustedSigners: [supplier.certPem],
    personIdProblem: nhsCxProblem,
  });
  return () => certs.remove();
});

function input(o: Partial<AccessTokenInput> = {}): AccessTokenInput {
  return {
    issuer: SUPPLIER_TEST_IDENTITY.issuer,
    clientId: SUPPLIER_TEST_CLIENT_ID,
    scope: SUPPLIER_TEST_SCOPE,
    subjectName: SUPPLIER_TEST_IDENTITY.subjectId,
    organization: SUPPLIER_TEST_IDENTITY.organization,
    organizationId: SUPPLIER_TEST_IDENTITY.organizationId,
    homeCommunityId: SUPPLIER_TEST_IDENTITY.homeCommunityId,
    role: { code: '158965000', codeSystem: CodeSystem.snomedCt, displayName: 'Medical practitioner' },
    purposeOfUse: { code: 'TREATMENT', codeSystem: CodeSystem.nhinPurpose },
    personId: CX,
    audiences: [NIR_FHIR_AUDIENCE],
    now: T0,
    tokenId: 'urn:uuid:7d0b3a56-4c2e-4f0e-9b7a-1f2e3d4c5b6a',
    ...o,
  };
}

/** A token over any claims set and header, signed with `key` (default the supplier's pinned key). */
async function signed(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  signer: SigningCredential = supplier,
): Promise<string> {
  const key = createPrivateKey(signer.keyPem);
  const alg = key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'at+jwt', x5c: x5cOf(signer.certPem), ...header })
    .sign(key);
}

/** The `ihe_iua` claims of `input()`, changed by `change`. */
function withIua(
  change: (iua: Record<string, unknown>) => void,
  o: Partial<AccessTokenInput> = {},
): Record<string, unknown> {
  const claims = accessTokenClaims(input(o));
  change((claims['extensions'] as Record<string, Record<string, unknown>>)['ihe_iua']!);
  return claims;
}

/** What the caller and the client see of a refused token. */
async function refusal(
  token: string | Promise<string>,
  o: { now?: Date; p?: IuaPolicy; replay?: ReplayCache } = {},
): Promise<{ failure: IuaFailure; status: number; wwwAuthenticate: string; message: string }> {
  const v = createIuaValidator(o.p ?? policy, o.replay ? { replayCache: o.replay } : {});
  try {
    await v.validate(await token, o.now ?? T0);
  } catch (err) {
    if (!(err instanceof IuaError)) throw err;
    const { status, wwwAuthenticate, message } = err.challenge();
    return { failure: err.failure, status, wwwAuthenticate, message };
  }
  throw new Error('accepted');
}

const invalidToken = (failure: IuaFailure) => ({
  failure,
  status: 401,
  wwwAuthenticate: 'Bearer error="invalid_token"',
  message: 'the access token is not valid',
});

describe('issue and validate', () => {
  it('a supplier token (RS256, x5c) yields every requester fact, read from the verified payload', async () => {
    const token = await issueAccessToken(input(), supplier);
    const subject = new X509Certificate(supplier.certPem).subject.replace(/\n/g, ', ');
    expect(await createIuaValidator(policy).validate(token, T0)).toEqual({
      issuer: SUPPLIER_TEST_IDENTITY.issuer,
      tokenId: 'urn:uuid:7d0b3a56-4c2e-4f0e-9b7a-1f2e3d4c5b6a',
      subject: SUPPLIER_TEST_IDENTITY.subjectId,
      clientId: SUPPLIER_TEST_CLIENT_ID,
      scopes: ['ITI-67', 'ITI-68'],
      subjectId: SUPPLIER_TEST_IDENTITY.subjectId,
      organization: SUPPLIER_TEST_IDENTITY.organization,
      organizationId: SUPPLIER_TEST_IDENTITY.organizationId,
      homeCommunityId: SUPPLIER_TEST_IDENTITY.homeCommunityId,
      role: { code: '158965000', codeSystem: CodeSystem.snomedCt, displayName: 'Medical practitioner' },
      purposeOfUse: { code: 'TREATMENT', codeSystem: CodeSystem.nhinPurpose },
      resourceId: CX,
      audiences: [NIR_FHIR_AUDIENCE],
      issuedAt: T0,
      notBefore: T0,
      notOnOrAfter: new Date(T0.getTime() + 300_000),
      signer: subject,
      algorithm: 'RS256',
    });
  });

  it('yields RequesterFacts, as a validated XUA assertion does, so the broker reads either alike', () => {
    expectTypeOf<IuaClaims>().toExtend<RequesterFacts>();
    expectTypeOf<XuaClaims>().toExtend<RequesterFacts>();
  });

  it('writes the IUA claims as ITI TF-2 3.71.4.2.2 shows them: ihe_iua extension, Codings with FHIR system URIs', async () => {
    const token = await issueAccessToken(input(), supplier);
    const json = (part: string): unknown => JSON.parse(new TextDecoder().decode(base64url.decode(part)));
    const [h, p] = token.split('.').slice(0, 2).map(json);
    expect(h).toEqual({ alg: 'RS256', typ: 'at+jwt', x5c: x5cOf(supplier.certPem) });
    expect(p).toEqual({
      iss: SUPPLIER_TEST_IDENTITY.issuer,
      sub: SUPPLIER_TEST_IDENTITY.subjectId,
      aud: NIR_FHIR_AUDIENCE,
      client_id: SUPPLIER_TEST_CLIENT_ID,
      scope: 'ITI-67 ITI-68',
      jti: 'urn:uuid:7d0b3a56-4c2e-4f0e-9b7a-1f2e3d4c5b6a',
      iat: IAT,
      nbf: IAT,
      exp: IAT + 300,
      extensions: {
        ihe_iua: {
          subject_name: SUPPLIER_TEST_IDENTITY.subjectId,
          subject_organization: SUPPLIER_TEST_IDENTITY.organization,
          subject_organization_id: SUPPLIER_TEST_IDENTITY.organizationId,
          home_community_id: SUPPLIER_TEST_IDENTITY.homeCommunityId,
          subject_role: [
            { system: 'http://snomed.info/sct', code: '158965000', display: 'Medical practitioner' },
          ],
          purpose_of_use: [{ system: 'urn:oid:2.16.840.1.113883.3.18.7.1', code: 'TREATMENT' }],
          person_id: CX,
        },
      },
    });
  });

  it('node:crypto verifies the RS256 signature over the JWS signing input (RFC 7515 §5.2) with the certificate alone', async () => {
    const token = await issueAccessToken(input(), supplier);
    const [h, p, s] = token.split('.') as [string, string, string];
    const key = new X509Certificate(supplier.certPem).publicKey;
    expect(cryptoVerify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).toBe(true);
    expect(cryptoVerify('sha256', Buffer.from(`${h}.${p}x`), key, Buffer.from(s, 'base64url'))).toBe(false);
  });

  it('ES256 for an EC P-256 signing certificate, pinned the same way', async () => {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]);
    const ec: Credential = await mintLeaf({ subject: 'CN=supplier EC signer', usage: 'signing', keys });
    const p = iuaPolicy({ ...policy, trustedSigners: [supplier.certPem, ec.certPem] });
    const claims = await createIuaValidator(p).validate(await issueAccessToken(input(), ec), T0);
    expect([claims.algorithm, claims.signer, claims.resourceId]).toEqual([
      'ES256',
      'CN=supplier EC signer',
      CX,
    ]);
    // An ES256 token whose x5c names the pinned RSA certificate: alg and key disagree.
    const mismatch = signed(accessTokenClaims(input()), { x5c: x5cOf(supplier.certPem) }, ec);
    expect(await refusal(mismatch, { p })).toEqual(invalidToken('unsupported-algorithm'));
  });

  it('the signer named by x5t#S256 alone (RFC 7515 §4.1.8) is accepted; a header that contradicts itself, or an unexpected typ, is not', async () => {
    const thumb = createHash('sha256').update(new X509Certificate(supplier.certPem).raw).digest('base64url');
    const claims = accessTokenClaims(input());
    const byThumb = await signed(claims, { x5c: undefined, 'x5t#S256': thumb });
    await expect(createIuaValidator(policy).validate(byThumb, T0)).resolves.toMatchObject({ resourceId: CX });
    const rogueThumb = createHash('sha256')
      .update(new X509Certificate(rogue.certPem).raw)
      .digest('base64url');
    expect(await refusal(signed(claims, { 'x5t#S256': rogueThumb }))).toEqual(invalidToken('malformed'));
    expect(await refusal(signed(claims, { typ: 'JOSE' }))).toEqual(invalidToken('malformed'));
  });

  it('a single Coding (not an array) and several audiences are read too', async () => {
    const claims = withIua(
      (iua) => {
        iua['subject_role'] = { system: 'urn:oid:2.16.840.1.113883.6.96', code: '309343006' };
      },
      { audiences: ['urn:example:other', NIR_FHIR_AUDIENCE] },
    );
    const out = await createIuaValidator(policy).validate(await signed(claims), T0);
    expect([out.role, out.audiences]).toEqual([
      { code: '309343006', codeSystem: CodeSystem.snomedCt },
      ['urn:example:other', NIR_FHIR_AUDIENCE],
    ]);
  });

  it('within the clock skew (60 s) on either side the token is accepted', async () => {
    const token = await issueAccessToken(input(), supplier);
    const v = createIuaValidator(policy);
    await expect(v.validate(token, new Date(T0.getTime() - 59_000))).resolves.toMatchObject({
      resourceId: CX,
    });
    await expect(v.validate(token, new Date(T0.getTime() + 300_000 + 59_000))).resolves.toMatchObject({
      resourceId: CX,
    });
  });
});

describe('every refusal, as the client sees it', () => {
  it('expired: exp plus the skew has passed', async () => {
    const token = issueAccessToken(input(), supplier);
    expect(await refusal(token, { now: new Date(T0.getTime() + 360_000) })).toEqual(invalidToken('expired'));
  });

  it('not yet valid: nbf is later than now plus the skew', async () => {
    const token = issueAccessToken(input(), supplier);
    expect(await refusal(token, { now: new Date(T0.getTime() - 61_000) })).toEqual(
      invalidToken('not-yet-valid'),
    );
  });

  it('a lifetime longer than an hour (IUA: "1 hour or less")', async () => {
    const token = issueAccessToken(input({ lifetimeMs: 3_601_000 }), supplier);
    expect(await refusal(token)).toEqual(invalidToken('lifetime-too-long'));
  });

  it('wrong audience', async () => {
    const token = issueAccessToken(input({ audiences: ['https://elsewhere.example/fhir'] }), supplier);
    expect(await refusal(token)).toEqual(invalidToken('wrong-audience'));
  });

  it('wrong issuer', async () => {
    const token = issueAccessToken(input({ issuer: 'urn:example:rogue-idp' }), supplier);
    expect(await refusal(token)).toEqual(invalidToken('wrong-issuer'));
  });

  it('unsigned: alg none with an empty signature (RFC 7519 §6)', async () => {
    const enc = (o: unknown): string => base64url.encode(JSON.stringify(o));
    const token = `${enc({ alg: 'none', typ: 'at+jwt' })}.${enc(accessTokenClaims(input()))}.`;
    expect(await refusal(token)).toEqual(invalidToken('unsigned'));
  });

  it("HS256 keyed with the pinned certificate's public key (the algorithm-confusion forgery, RFC 8725 §2.1)", async () => {
    const secret = new TextEncoder().encode(
      new X509Certificate(supplier.certPem).publicKey.export({ type: 'spki', format: 'pem' }) as string,
    );
    const token = new SignJWT(accessTokenClaims(input()))
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', x5c: x5cOf(supplier.certPem) })
      .sign(secret);
    expect(await refusal(token)).toEqual(invalidToken('unsupported-algorithm'));
  });

  it('a tampered payload (another patient) under the original signature', async () => {
    const [h, , s] = (await issueAccessToken(input(), supplier)).split('.');
    const other = base64url.encode(
      JSON.stringify(accessTokenClaims(input({ personId: nhsNumberToCx('9434765919') }))),
    );
    expect(await refusal(`${h}.${other}.${s}`)).toEqual(invalidToken('bad-signature'));
  });

  it('an unknown signer: x5c names a certificate that is not pinned', async () => {
    expect(await refusal(issueAccessToken(input(), rogue))).toEqual(invalidToken('untrusted-signer'));
  });

  it('an unknown signer naming nobody, or claiming the pinned certificate: the signature does not verify', async () => {
    const claims = accessTokenClaims(input());
    expect(await refusal(signed(claims, { x5c: undefined }, rogue))).toEqual(invalidToken('bad-signature'));
    expect(await refusal(signed(claims, { x5c: x5cOf(supplier.certPem) }, rogue))).toEqual(
      invalidToken('bad-signature'),
    );
  });

  it('the pinned signer outside its validity', async () => {
    const old = await mintLeaf({
      subject: 'CN=expired signer',
      usage: 'signing',
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2021-01-01T00:00:00Z'),
    });
    const p = iuaPolicy({ ...policy, trustedSigners: [old.certPem] });
    expect(await refusal(issueAccessToken(input(), old), { p })).toEqual(invalidToken('untrusted-signer'));
  });

  it('a replayed jti: accepted once, refused the second time while valid', async () => {
    const token = await issueAccessToken(input(), supplier);
    const replay = new ReplayCache();
    const v = createIuaValidator(policy, { replayCache: replay });
    await expect(v.validate(token, T0)).resolves.toMatchObject({ tokenId: input().tokenId });
    expect(await refusal(token, { replay })).toEqual(invalidToken('replayed'));
  });

  it.each([
    ['subject_name', (iua: Record<string, unknown>) => delete iua['subject_name']],
    ['home_community_id', (iua: Record<string, unknown>) => delete iua['home_community_id']],
    ['person_id', (iua: Record<string, unknown>) => delete iua['person_id']],
    ['purpose_of_use (empty array)', (iua: Record<string, unknown>) => (iua['purpose_of_use'] = [])],
  ])('a missing ihe_iua claim: %s', async (_name, change) => {
    expect(await refusal(signed(withIua(change)))).toEqual(invalidToken('missing-claim'));
  });

  it.each(['client_id', 'jti', 'scope', 'extensions'])('a missing registered claim: %s', async (claim) => {
    const claims = accessTokenClaims(input());
    delete claims[claim];
    expect(await refusal(signed(claims))).toEqual(invalidToken('missing-claim'));
  });

  it.each([
    ['an NHS number failing Modulus 11', '9995649285^^^&2.16.840.1.113883.2.1.4.1&ISO'],
    ['another assigning authority', '9995649284^^^&1.2.3.4&ISO'],
    ['a bare NHS number, not a CX', '9995649284'],
  ])('a person_id that is not an NHS number CX: %s', async (_name, personId) => {
    expect(await refusal(signed(withIua((iua) => (iua['person_id'] = personId))))).toEqual(
      invalidToken('bad-person-id'),
    );
  });

  it('oversize: a token over 8 KiB is refused before it is decoded; a claim over 1,024 characters too', async () => {
    const huge = signed(withIua((iua) => (iua['subject_name'] = 'x'.repeat(9_000))));
    expect(await refusal(huge)).toEqual(invalidToken('oversize'));
    const long = signed(withIua((iua) => (iua['subject_organization'] = 'y'.repeat(1_025))));
    expect(await refusal(long)).toEqual(invalidToken('oversize'));
  });

  it('two roles, or a claim of the wrong type', async () => {
    const two = withIua((iua) => {
      iua['subject_role'] = [
        { system: 'http://snomed.info/sct', code: '158965000' },
        { system: 'http://snomed.info/sct', code: '309343006' },
      ];
    });
    expect(await refusal(signed(two))).toEqual(invalidToken('several-roles'));
    expect(await refusal(signed(withIua((iua) => (iua['subject_name'] = 42))))).toEqual(
      invalidToken('malformed'),
    );
    expect(await refusal('not.a-token')).toEqual(invalidToken('malformed'));
  });

  it('a role or purpose of use not allowed: 403 insufficient_scope', async () => {
    const scope = {
      status: 403,
      wwwAuthenticate: 'Bearer error="insufficient_scope"',
      message: 'the access token does not permit this request',
    };
    const role = issueAccessToken(
      input({ role: { code: '46255001', codeSystem: CodeSystem.snomedCt } }),
      supplier,
    );
    expect(await refusal(role)).toEqual({ failure: 'role-not-allowed', ...scope });
    const purpose = issueAccessToken(input({ purposeOfUse: { code: 'MARKETING' } }), supplier);
    expect(await refusal(purpose)).toEqual({ failure: 'purpose-not-allowed', ...scope });
  });
});

describe('the bearer token of a request (ITI-72, RFC 6750 §2.1)', () => {
  it('reads one Bearer token, scheme case-insensitive', () => {
    expect(bearerTokenOf('Bearer abc.def.ghi', 8_192)).toBe('abc.def.ghi');
    expect(bearerTokenOf(['bearer abc.def.ghi'], 8_192)).toBe('abc.def.ghi');
  });

  const required = {
    status: 401,
    wwwAuthenticate: 'Bearer',
    message: 'an access token is required (Authorization: Bearer)',
  };
  const badRequest = {
    status: 400,
    wwwAuthenticate: 'Bearer error="invalid_request"',
    message: 'the Authorization header does not carry one bearer token',
  };
  const invalid = {
    status: 401,
    wwwAuthenticate: 'Bearer error="invalid_token"',
    message: 'the access token is not valid',
  };
  it.each([
    ['no Authorization header', undefined, 'no-token', required],
    ['Basic credentials', 'Basic dXNlcjpwYXNz', 'no-token', required],
    ['two Authorization headers', ['Bearer a.b.c', 'Bearer d.e.f'], 'invalid-request', badRequest],
    ['two words after Bearer', 'Bearer a b', 'invalid-request', badRequest],
    ['a token over 8 KiB', 'Bearer ' + 'a'.repeat(8_193), 'oversize', invalid],
  ])('%s: %s', (_label, header, failure, answer) => {
    let caught: unknown;
    try {
      bearerTokenOf(header, 8_192);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(IuaError);
    const e = caught as IuaError;
    const { status, wwwAuthenticate, message } = e.challenge();
    expect({ failure: e.failure, status, wwwAuthenticate, message }).toEqual({ failure, ...answer });
  });

  it('a realm is quoted into the challenge (RFC 6750 §3)', () => {
    expect(bearerChallenge('expired', 'nir "sim"')).toEqual({
      status: 401,
      error: 'invalid_token',
      wwwAuthenticate: 'Bearer realm="nir \\"sim\\"", error="invalid_token"',
      message: 'the access token is not valid',
    });
  });
});
