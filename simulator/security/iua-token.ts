/**
 * Issuing IHE IUA access tokens (IHE ITI TF-2 3.71.4.2.2, JSON Web Token Option): a JWT (RFC 7519)
 * in JWS compact serialisation (RFC 7515 §7.1) signed by jose with the signing certificate's key,
 * RS256 for RSA or ES256 for EC P-256 (RFC 7518 §3.1); the protected header names the signer by
 * `x5c` (RFC 7515 §4.1.6, the certificate chain as in the PEM) and has `typ: at+jwt` (RFC 9068
 * §2.1). The payload carries the RFC 9068 §2.2 claims IUA requires (iss, sub, client_id, aud, jti,
 * exp, iat, scope) plus nbf, and the XUA facts as `extensions.ihe_iua` (ITI TF-2 3.71.4.2.2.1),
 * role and purpose of use as FHIR Codings in one-element arrays as IUA's example writes them.
 * Used by `sim token issue` (supplier test keys) and by tests.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { IHE_IUA_EXTENSION, IuaClaim, codingOf, type IuaAlgorithm } from './iua-claims.js';
import type { CodedValue } from './saml.js';
import { privateKeyOf, type SigningCredential } from './xua-issue.js';

/** What a token says. `lifetimeMs` is from `now`. */
export interface AccessTokenInput {
  /** `iss`: the authorization server, e.g. `urn:nir-sim:supplier-idp`. */
  issuer: string;
  /** `sub`: the user's identifier at the issuer (default `subjectName`). */
  subject?: string;
  /** `client_id`. */
  clientId: string;
  /** `scope`: space-separated (RFC 6749 §3.3). */
  scope: string;
  /** `subject_name` (XSPA subject-id). */
  subjectName: string;
  organization: string;
  /** URI, e.g. `urn:oid:...`. */
  organizationId: string;
  /** The requesting community, `urn:oid:...`. */
  homeCommunityId: string;
  role: CodedValue;
  purposeOfUse: CodedValue;
  /** `person_id`: the patient as a CX; omitted when absent. */
  personId?: string;
  nationalProviderIdentifier?: string;
  /** `aud` (at least one; a single audience is written as a string, RFC 7519 §4.1.3). */
  audiences: readonly string[];
  now: Date;
  /** Validity from `now`, ms (default 5 minutes, what IUA recommends: ITI TF-2 3.71.5). */
  lifetimeMs?: number;
  /** `jti` (default a UUID URN). */
  tokenId?: string;
}

/**
 * The JWS algorithm for a key: RS256 for RSA, ES256 for EC P-256.
 * @throws Error for any other key (IUA's algorithms need one of these, RFC 7518 §3.1).
 */
export function algorithmFor(key: KeyObject): IuaAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(
    `a ${key.asymmetricKeyType ?? 'secret'} key cannot sign an IUA token: use an RSA or an EC P-256 signing key`,
  );
}

/** The base64 (not base64url) DER bodies of the certificates in `pem`, in order: an `x5c` (RFC 7515 §4.1.6). */
export function x5cOf(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----/g)].map((m) =>
    m[1]!.replace(/\s+/g, ''),
  );
}

/** The JWT claims set of `a` (what {@link issueAccessToken} signs). */
export function accessTokenClaims(a: AccessTokenInput): Record<string, unknown> {
  const iat = Math.floor(a.now.getTime() / 1000);
  const exp = iat + Math.ceil((a.lifetimeMs ?? 5 * 60_000) / 1000);
  const iua: Record<string, unknown> = {
    [IuaClaim.subjectName]: a.subjectName,
    [IuaClaim.subjectOrganization]: a.organization,
    [IuaClaim.subjectOrganizationId]: a.organizationId,
    [IuaClaim.homeCommunityId]: a.homeCommunityId,
    [IuaClaim.subjectRole]: [codingOf(a.role)],
    [IuaClaim.purposeOfUse]: [codingOf(a.purposeOfUse)],
    ...(a.nationalProviderIdentifier !== undefined
      ? { [IuaClaim.nationalProviderIdentifier]: a.nationalProviderIdentifier }
      : {}),
    ...(a.personId !== undefined ? { [IuaClaim.personId]: a.personId } : {}),
  };
  return {
    iss: a.issuer,
    sub: a.subject ?? a.subjectName,
    aud: a.audiences.length === 1 ? a.audiences[0] : [...a.audiences],
    client_id: a.clientId,
    scope: a.scope,
    jti: a.tokenId ?? `urn:uuid:${randomUUID()}`,
    iat,
    nbf: iat,
    exp,
    extensions: { [IHE_IUA_EXTENSION]: iua },
  };
}

/**
 * Sign an access token for `a` with `signer` (its certificate chain goes in `x5c`).
 * @returns the JWS compact serialisation (`header.payload.signature`, base64url).
 * @rejects Error when the key is neither RSA nor EC P-256 or cannot be parsed, or `audiences` is empty.
 */
export async function issueAccessToken(a: AccessTokenInput, signer: SigningCredential): Promise<string> {
  if (a.audiences.length === 0) throw new Error('issueAccessToken: name at least one audience');
  const key = privateKeyOf(signer);
  return new SignJWT(accessTokenClaims(a))
    .setProtectedHeader({ alg: algorithmFor(key), typ: 'at+jwt', x5c: x5cOf(signer.certPem) })
    .sign(key);
}
