/**
 * IHE IUA (Internet User Authorization) access tokens as nir-sim issues and accepts them: the JWT
 * claim names (RFC 7519 §4.1, RFC 9068 §2.2 "JWT Profile for OAuth 2.0 Access Tokens", and the
 * `extensions.ihe_iua` claims of IHE ITI TF-2 3.71.4.2.2.1 "JWT IUA extension"), the FHIR Coding
 * the coded claims are written as, the facts a validated token yields (the same requester facts as
 * a validated XUA assertion, saml.ts XuaClaims, so the broker can treat both alike), and the
 * policy a token is validated against. IUA maps each extension claim to the XUA attribute of the
 * same meaning (ITI TF-2 Table 3.71.4.2.2.1-1); the names here follow that table.
 */
import {
  CodeSystem,
  DEFAULT_PURPOSES,
  DEFAULT_ROLES,
  type CodeRule,
  type CodedValue,
  type XuaClaims,
} from './saml.js';

/** The registered and access-token claims IUA requires (ITI TF-2 3.71.4.2.2; RFC 9068 §2.2). */
export const JwtClaim = {
  issuer: 'iss',
  subject: 'sub',
  audience: 'aud',
  expiry: 'exp',
  notBefore: 'nbf',
  issuedAt: 'iat',
  tokenId: 'jti',
  clientId: 'client_id',
  scope: 'scope',
} as const;

/** The key of the IUA claims inside the `extensions` claim (ITI TF-2 3.71.4.2.2.1). */
export const IHE_IUA_EXTENSION = 'ihe_iua';

/** The `extensions.ihe_iua` claims and the XUA attribute each corresponds to (ITI TF-2 Table 3.71.4.2.2.1-1). */
export const IuaClaim = {
  /** XSPA subject-id: the user's name. */
  subjectName: 'subject_name',
  /** XSPA organization. */
  subjectOrganization: 'subject_organization',
  /** XSPA organization-id: a URI (an OID in URN notation or a URL). */
  subjectOrganizationId: 'subject_organization_id',
  /** XACML subject:role, a FHIR Coding. */
  subjectRole: 'subject_role',
  /** XSPA purposeofuse, a FHIR Coding. */
  purposeOfUse: 'purpose_of_use',
  /** `urn:ihe:iti:xca:2010:homeCommunityId`: the requesting community, an OID in URN notation. */
  homeCommunityId: 'home_community_id',
  /** XSPA subject:npi: the provider's identifier from a national authority (optional). */
  nationalProviderIdentifier: 'national_provider_identifier',
  /** The patient; nir-sim reads it as XUA's resource-id: the NHS number as an HL7 v2 CX. */
  personId: 'person_id',
} as const;
export type IuaClaim = (typeof IuaClaim)[keyof typeof IuaClaim];

/** A FHIR R4 Coding (http://hl7.org/fhir/R4/datatypes.html#Coding), as IUA writes role and purpose of use. */
export interface Coding {
  system?: string;
  code: string;
  display?: string;
}

/**
 * FHIR code-system URIs and the OIDs XUA names the same systems by (FHIR R4 terminologies-systems;
 * HL7 OID registry). A Coding whose system is `urn:oid:<oid>` needs no entry.
 */
const SYSTEM_URIS: readonly { uri: string; oid: string }[] = [
  { uri: 'http://snomed.info/sct', oid: CodeSystem.snomedCt },
  { uri: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', oid: '2.16.840.1.113883.5.8' },
];

/** A CE's code system (an OID) as a Coding system URI: the FHIR URI when known, else `urn:oid:<oid>`. */
export function systemUriOf(codeSystem: string): string {
  return SYSTEM_URIS.find((s) => s.oid === codeSystem)?.uri ?? `urn:oid:${codeSystem}`;
}

/** A Coding system URI as XUA's code system: the OID of a known URI or of `urn:oid:`, else the URI as given. */
export function codeSystemOf(system: string): string {
  if (system.startsWith('urn:oid:')) return system.slice('urn:oid:'.length);
  return SYSTEM_URIS.find((s) => s.uri === system)?.oid ?? system;
}

/** An XUA CE as the IUA Coding of the same meaning. */
export function codingOf(v: CodedValue): Coding {
  return {
    ...(v.codeSystem !== undefined ? { system: systemUriOf(v.codeSystem) } : {}),
    code: v.code,
    ...(v.displayName !== undefined ? { display: v.displayName } : {}),
  };
}

/** An IUA Coding as the XUA CE of the same meaning (what the policy's code rules are written in). */
export function codedValueOf(c: Coding): CodedValue {
  return {
    code: c.code,
    ...(c.system !== undefined ? { codeSystem: codeSystemOf(c.system) } : {}),
    ...(c.display !== undefined ? { displayName: c.display } : {}),
  };
}

/**
 * Who is asking, for what, about whom: what a validated XUA assertion (saml.ts XuaClaims) and a
 * validated IUA token both yield, so the broker's authorisation and audit read either alike. A
 * XuaClaims is one.
 */
export type RequesterFacts = Pick<
  XuaClaims,
  | 'issuer'
  | 'subjectId'
  | 'organization'
  | 'organizationId'
  | 'homeCommunityId'
  | 'role'
  | 'purposeOfUse'
  | 'resourceId'
  | 'audiences'
  | 'notBefore'
  | 'notOnOrAfter'
  | 'signer'
>;

/** What a validated IUA access token says, read only from its verified payload. */
export interface IuaClaims extends RequesterFacts {
  /** `jti`. */
  tokenId: string;
  /** `sub`: the user's unique identifier at the issuer (RFC 9068 §2.2). */
  subject: string;
  /** `client_id`: the OAuth client the token was issued to. */
  clientId: string;
  /** `scope`, split on spaces (RFC 6749 §3.3). */
  scopes: string[];
  /** `iat`. */
  issuedAt: Date;
  /** `national_provider_identifier`, when present. */
  nationalProviderIdentifier?: string;
  /** The JWS `alg` the signature verified with. */
  algorithm: IuaAlgorithm;
}

/**
 * JWS algorithms accepted and used (RFC 7518 §3.1): RS256 for an RSA signing certificate (IUA
 * requires it), ES256 for an EC P-256 one (IUA recommends it). Never `none` (IUA: "MUST NOT be
 * used") and never HMAC: the resource server holds only public keys, so an HS256 token keyed with
 * the certificate's public key is the classic forgery (RFC 8725 §2.1, §3.1).
 */
export const IUA_ALGORITHMS = ['RS256', 'ES256'] as const;
export type IuaAlgorithm = (typeof IUA_ALGORITHMS)[number];

/**
 * The JOSE `typ` values accepted: RFC 9068's `at+jwt` (what nir-sim writes), its media-type form,
 * IUA's example `IUA-JWT` and plain `JWT`; a token without `typ` is accepted too (RFC 7515 §4.1.9
 * makes it optional, and IUA does not require it).
 */
export const ACCEPTED_TYP = ['at+jwt', 'application/at+jwt', 'IUA-JWT', 'JWT'] as const;

/** What an access token is validated against. */
export interface IuaPolicy {
  /** `iss` values accepted (the authorization servers trusted). */
  issuers: readonly string[];
  /** Audiences this resource server answers to (its FHIR base); `aud` must name at least one (RFC 9068 §4). */
  audiences: readonly string[];
  /** PEM certificates whose keys may sign tokens (trust pinned to them; `x5c` only selects among them). */
  trustedSigners: readonly string[];
  /** Tolerance on `exp` / `nbf` / `iat`, ms (default 60 000). */
  clockSkewMs: number;
  /** Longest accepted `exp - iat`, ms (default 3 600 000: IUA, ITI TF-2 3.71.5, "1 hour or less"). */
  maxLifetimeMs: number;
  /** Largest accepted token, bytes of its compact serialisation (default 8 192). */
  maxTokenBytes: number;
  /** Longest accepted string claim, characters (default 1 024); at most 16 audiences. */
  maxClaimChars: number;
  allowedRoles: readonly CodeRule[];
  allowedPurposes: readonly CodeRule[];
  /** Require `person_id` (the broker: yes, every MHD request is about one patient). */
  requirePersonId: boolean;
  /**
   * Why a `person_id` value is not a patient identifier this server accepts, or undefined when it
   * is. The broker passes the NHS-number CX check of xca/patient-id.ts (security may not import xca).
   */
  personIdProblem: (personId: string) => string | undefined;
}

/** A policy with the defaults: skew 60 s, lifetime at most 1 h, 8 KiB tokens, the XUA default roles and purposes. */
export function iuaPolicy(
  p: Pick<IuaPolicy, 'issuers' | 'audiences' | 'trustedSigners' | 'personIdProblem'> & Partial<IuaPolicy>,
): IuaPolicy {
  return {
    clockSkewMs: 60_000,
    maxLifetimeMs: 3_600_000,
    maxTokenBytes: 8_192,
    maxClaimChars: 1_024,
    allowedRoles: DEFAULT_ROLES,
    allowedPurposes: DEFAULT_PURPOSES,
    requirePersonId: true,
    ...p,
  };
}

/**
 * The audience of the broker's FHIR endpoints in tokens `sim token issue` mints by default: the
 * FHIR base on the default integration port (8443, the sandbox port 8080 + 363). A broker on other
 * ports names its own base in its policy, and `--audience` mints for it.
 */
export const NIR_FHIR_AUDIENCE = 'https://localhost:8443/fhir';

/** The OAuth client id of the supplier's test tokens (`sim token issue`, tests). Synthetic. */
export const SUPPLIER_TEST_CLIENT_ID = 'nir-sim-supplier-client';

/** The scope of the supplier's test tokens: the MHD transactions the broker will serve (ITI-67, ITI-68). */
export const SUPPLIER_TEST_SCOPE = 'ITI-67 ITI-68';
