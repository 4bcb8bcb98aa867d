/**
 * Validating an IHE IUA access token as the Resource Server does (IHE ITI TF-2 3.72.7: validate
 * the token, ensure it has not expired, refuse otherwise; RFC 9068 §4 for JWT access tokens; RFC
 * 8725 JWT Best Current Practices). Order: size and shape, the JOSE header (`alg` on the
 * allow-list, never `none` or HMAC; `typ`; the signer named by `x5c` / `x5t#S256` must be a pinned
 * certificate valid now), then jose verifies the signature with the pinned key and the registered
 * claims (`iss`, `aud`, `exp`, `nbf`, `iat` against the injected time with a bounded skew), then
 * the IUA claims are read from the verified payload only, and last the `jti` replay check.
 * Whether `person_id` names the patient a request is about is the caller's check: only it knows
 * the request.
 */
import { createHash, X509Certificate } from 'node:crypto';
import {
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';
import {
  ACCEPTED_TYP,
  IHE_IUA_EXTENSION,
  IUA_ALGORITHMS,
  IuaClaim,
  codedValueOf,
  type Coding,
  type IuaAlgorithm,
  type IuaClaims,
  type IuaPolicy,
} from './iua-claims.js';
import { IuaError } from './iua-error.js';
import type { ReplayCache } from './replay-cache.js';
import type { CodeRule, CodedValue } from './saml.js';
import { signerValidAt, trustedSigners, type TrustedSigner } from './xua-signature.js';

/** A policy prepared for repeated use (pinned certificates parsed once). */
export interface IuaValidator {
  readonly policy: IuaPolicy;
  /**
   * Validate the compact-serialised `token` at `now` (the injected clock's time).
   * @rejects IuaError for the first check that fails; never anything else.
   */
  validate(token: string, now: Date): Promise<IuaClaims>;
}

/** The most audiences (`aud` entries) and `x5c` certificates a token may carry. */
const MAX_AUDIENCES = 16;
const MAX_X5C = 10;

/** A JWS compact serialisation: three base64url parts, the signature possibly empty (RFC 7515 §7.1). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Prepare `policy`. With `replayCache`, a token whose `iss` + `jti` this validator already
 * accepted, and whose `exp` (plus the skew) has not passed, is refused (`replayed`): each client
 * request then needs a token of its own, as each XUA request needs its own assertion.
 * @throws Error when a trusted signer PEM cannot be parsed.
 */
export function createIuaValidator(
  policy: IuaPolicy,
  opts: { replayCache?: ReplayCache } = {},
): IuaValidator {
  const signers = trustedSigners(policy.trustedSigners).map((signer) => ({
    signer,
    thumb: thumbprint(signer.cert.raw),
  }));
  const replay = opts.replayCache;
  return {
    policy,
    validate: async (token, now) => {
      const claims = await validateIua(token, now, policy, signers);
      // Only after the signature and the claims held: an unsigned jti never takes a place in the cache.
      const until = claims.notOnOrAfter.getTime() + policy.clockSkewMs;
      if (replay && !replay.firstUse(claims.issuer, claims.tokenId, until, now.getTime()))
        throw new IuaError(
          'replayed',
          `token ${claims.tokenId} of ${claims.issuer} was already presented; valid until ${claims.notOnOrAfter.toISOString()}`,
        );
      return claims;
    },
  };
}

/** The protected header, its `alg` checked against the allow-list. */
function header(token: string, p: IuaPolicy): ProtectedHeaderParameters & { alg: IuaAlgorithm } {
  const bytes = Buffer.byteLength(token);
  if (bytes > p.maxTokenBytes)
    throw new IuaError('oversize', `the token is ${bytes} bytes; at most ${p.maxTokenBytes} are accepted`);
  if (!COMPACT_JWS.test(token))
    throw new IuaError('malformed', 'the token is not a JWS compact serialisation (three base64url parts)');
  let h: ProtectedHeaderParameters;
  try {
    h = decodeProtectedHeader(token);
  } catch (err) {
    throw new IuaError('malformed', `the JOSE header cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const alg = typeof h.alg === 'string' ? h.alg : '';
  if (alg.toLowerCase() === 'none') throw new IuaError('unsigned', 'alg is none (an unsecured JWT)');
  if (!(IUA_ALGORITHMS as readonly string[]).includes(alg))
    throw new IuaError(
      'unsupported-algorithm',
      `alg ${alg || '(none given)'} is not one of ${IUA_ALGORITHMS.join(', ')}`,
    );
  if (h.typ !== undefined && !(ACCEPTED_TYP as readonly string[]).includes(h.typ))
    throw new IuaError('malformed', `typ ${h.typ} is not one of ${ACCEPTED_TYP.join(', ')}`);
  return h as ProtectedHeaderParameters & { alg: IuaAlgorithm };
}

const thumbprint = (der: Buffer): string => createHash('sha256').update(der).digest('base64url');
const subjectOf = (s: TrustedSigner): string => s.cert.subject.replace(/\n/g, ', ');

/** A pinned signer with its certificate's SHA-256 thumbprint (what `x5t#S256` names, RFC 7515 §4.1.8). */
interface PinnedSigner {
  signer: TrustedSigner;
  thumb: string;
}

/** The subject of the certificate `x5c` carries, for the log; a placeholder when it does not parse. */
function x5cSubject(der: Buffer): string {
  try {
    return new X509Certificate(der).subject.replace(/\n/g, ', ');
  } catch {
    return '(unparsable certificate)';
  }
}

/** The pinned signers the header names (`x5c[0]`, `x5t#S256`), or every pinned one when it names none. */
function candidates(h: ProtectedHeaderParameters, pinned: readonly PinnedSigner[]): TrustedSigner[] {
  const named: { by: string; thumb: string; der?: Buffer }[] = [];
  if (h.x5c !== undefined) {
    if (!Array.isArray(h.x5c) || h.x5c.length === 0 || h.x5c.length > MAX_X5C || typeof h.x5c[0] !== 'string')
      throw new IuaError('malformed', `x5c is not an array of 1 to ${MAX_X5C} base64 certificates`);
    const der = Buffer.from(h.x5c[0], 'base64');
    named.push({ by: 'x5c', thumb: thumbprint(der), der });
  }
  const t = h['x5t#S256'];
  if (t !== undefined) {
    if (typeof t !== 'string') throw new IuaError('malformed', 'x5t#S256 is not a string');
    named.push({ by: 'x5t#S256', thumb: t });
  }
  if (named.length === 2 && named[0]!.thumb !== named[1]!.thumb)
    throw new IuaError('malformed', 'x5c and x5t#S256 name different certificates');
  const first = named[0];
  if (!first) return pinned.map((p) => p.signer);
  const found = pinned.find((p) => p.thumb === first.thumb);
  if (!found)
    throw new IuaError(
      'untrusted-signer',
      `${first.by} names a certificate that is not a trusted signer` +
        (first.der ? `: ${x5cSubject(first.der)}` : ''),
    );
  return [found.signer];
}

/** Whether `alg` is the algorithm of `signer`'s key (RS256: RSA; ES256: EC P-256). */
function fits(alg: IuaAlgorithm, signer: TrustedSigner): boolean {
  const k = signer.key;
  return alg === 'RS256'
    ? k.asymmetricKeyType === 'rsa'
    : k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

const isoOf = (seconds: unknown): string =>
  typeof seconds === 'number' && Number.isFinite(seconds)
    ? new Date(seconds * 1000).toISOString()
    : String(seconds);

/** A jose refusal as the IuaFailure it is. */
function fromJose(err: unknown, now: Date): IuaError {
  if (err instanceof IuaError) return err;
  const at = now.toISOString();
  if (err instanceof errors.JWTExpired) {
    const p = err.payload;
    return err.claim === 'iat'
      ? new IuaError('expired', `iat ${isoOf(p.iat)} is older than the longest accepted lifetime (${at})`)
      : new IuaError('expired', `exp ${isoOf(p.exp)} has passed (${at})`);
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    const p = err.payload;
    if (err.reason === 'missing') return new IuaError('missing-claim', `the ${err.claim} claim is missing`);
    if (err.reason === 'check_failed')
      switch (err.claim) {
        case 'nbf':
          return new IuaError('not-yet-valid', `nbf ${isoOf(p.nbf)} is after now (${at})`);
        case 'iat':
          return new IuaError('not-yet-valid', `iat ${isoOf(p.iat)} is after now (${at})`);
        case 'iss':
          return new IuaError('wrong-issuer', `iss ${JSON.stringify(p.iss)} is not a trusted issuer`);
        case 'aud':
          return new IuaError(
            'wrong-audience',
            `aud ${JSON.stringify(p.aud)} names none of this server's audiences`,
          );
      }
    return new IuaError('malformed', err.message);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new IuaError('bad-signature', 'the signature does not verify with the pinned key');
  if (err instanceof errors.JOSEAlgNotAllowed) return new IuaError('unsupported-algorithm', err.message);
  return new IuaError('malformed', err instanceof Error ? err.message : String(err), { cause: err });
}

async function verified(
  token: string,
  alg: IuaAlgorithm,
  usable: readonly TrustedSigner[],
  now: Date,
  p: IuaPolicy,
): Promise<{ payload: JWTPayload; signer: TrustedSigner }> {
  for (const signer of usable) {
    try {
      const { payload } = await jwtVerify(token, signer.key, {
        algorithms: [alg],
        issuer: [...p.issuers],
        audience: [...p.audiences],
        currentDate: now,
        clockTolerance: p.clockSkewMs / 1000,
        maxTokenAge: p.maxLifetimeMs / 1000,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope'],
      });
      return { payload, signer };
    } catch (err) {
      // Another pinned key may have signed it; any other refusal stands.
      if (err instanceof errors.JWSSignatureVerificationFailed && signer !== usable.at(-1)) continue;
      throw fromJose(err, now);
    }
  }
  throw new IuaError('untrusted-signer', 'no trusted signing certificate is valid now');
}

/** A string claim: present, a non-empty string, at most `maxClaimChars`. */
function text(obj: Record<string, unknown>, name: string, p: IuaPolicy): string {
  const v = obj[name];
  if (v === undefined || v === null || v === '')
    throw new IuaError('missing-claim', `the ${name} claim is missing or empty`);
  if (typeof v !== 'string') throw new IuaError('malformed', `the ${name} claim is not a string`);
  if (v.length > p.maxClaimChars)
    throw new IuaError(
      'oversize',
      `the ${name} claim has ${v.length} characters; at most ${p.maxClaimChars} are accepted`,
    );
  return v;
}

function optionalText(obj: Record<string, unknown>, name: string, p: IuaPolicy): string | undefined {
  return obj[name] === undefined ? undefined : text(obj, name, p);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The one Coding of a coded claim (a Coding or an array of Codings), as a CE, checked against `rules`. */
function coded(
  iua: Record<string, unknown>,
  name: typeof IuaClaim.subjectRole | typeof IuaClaim.purposeOfUse,
  rules: readonly CodeRule[],
  p: IuaPolicy,
): CodedValue {
  const isRole = name === IuaClaim.subjectRole;
  const v = iua[name];
  const list: unknown[] = v === undefined ? [] : Array.isArray(v) ? v : [v];
  if (list.length === 0) throw new IuaError('missing-claim', `the ${name} claim is missing or empty`);
  if (list.length > 1)
    throw new IuaError(
      isRole ? 'several-roles' : 'several-purposes',
      `${list.length} ${name} codings; exactly one is required`,
    );
  const c = list[0];
  if (!isObject(c)) throw new IuaError('malformed', `${name} is not a FHIR Coding`);
  const coding: Coding = { code: text(c, 'code', p) };
  const system = optionalText(c, 'system', p);
  const display = optionalText(c, 'display', p);
  if (system !== undefined) coding.system = system;
  if (display !== undefined) coding.display = display;
  const value = codedValueOf(coding);
  if (
    !rules.some(
      (r) => r.code === value.code && (r.codeSystem === undefined || r.codeSystem === value.codeSystem),
    )
  ) {
    const shown = `${value.code}${value.codeSystem ? ` (${value.codeSystem})` : ''}`;
    throw new IuaError(
      isRole ? 'role-not-allowed' : 'purpose-not-allowed',
      `${name} ${shown} is not allowed`,
    );
  }
  return value;
}

/** `aud` as a list of strings, bounded. */
function audiences(aud: unknown, p: IuaPolicy): string[] {
  const list = Array.isArray(aud) ? (aud as unknown[]) : [aud];
  if (list.length > MAX_AUDIENCES)
    throw new IuaError('oversize', `aud has ${list.length} entries; at most ${MAX_AUDIENCES} are accepted`);
  return list.map((a) => text({ aud: a }, 'aud', p));
}

/** Check a verified payload's content; claims on success. */
function claimsOf(payload: JWTPayload, alg: IuaAlgorithm, signer: TrustedSigner, p: IuaPolicy): IuaClaims {
  const exp = payload.exp!;
  const iat = payload.iat!;
  if ((exp - iat) * 1000 > p.maxLifetimeMs)
    throw new IuaError(
      'lifetime-too-long',
      `exp - iat is ${exp - iat} s; at most ${p.maxLifetimeMs / 1000} s are accepted`,
    );
  const extensions = payload['extensions'];
  const iua = isObject(extensions) ? extensions[IHE_IUA_EXTENSION] : undefined;
  if (!isObject(iua))
    throw new IuaError('missing-claim', `extensions.${IHE_IUA_EXTENSION} is missing or not an object`);
  const scope = text(payload, 'scope', p);
  const personId = p.requirePersonId
    ? text(iua, IuaClaim.personId, p)
    : optionalText(iua, IuaClaim.personId, p);
  const problem = personId === undefined ? undefined : p.personIdProblem(personId);
  if (problem !== undefined)
    throw new IuaError('bad-person-id', `${IuaClaim.personId} ${personId}: ${problem}`);
  const npi = optionalText(iua, IuaClaim.nationalProviderIdentifier, p);
  return {
    issuer: text(payload, 'iss', p),
    tokenId: text(payload, 'jti', p),
    subject: text(payload, 'sub', p),
    clientId: text(payload, 'client_id', p),
    scopes: scope.split(' ').filter((s) => s !== ''),
    subjectId: text(iua, IuaClaim.subjectName, p),
    organization: text(iua, IuaClaim.subjectOrganization, p),
    organizationId: text(iua, IuaClaim.subjectOrganizationId, p),
    homeCommunityId: text(iua, IuaClaim.homeCommunityId, p),
    role: coded(iua, IuaClaim.subjectRole, p.allowedRoles, p),
    purposeOfUse: coded(iua, IuaClaim.purposeOfUse, p.allowedPurposes, p),
    ...(personId !== undefined ? { resourceId: personId } : {}),
    ...(npi !== undefined ? { nationalProviderIdentifier: npi } : {}),
    audiences: audiences(payload.aud, p),
    issuedAt: new Date(iat * 1000),
    notBefore: new Date((payload.nbf ?? iat) * 1000),
    notOnOrAfter: new Date(exp * 1000),
    signer: subjectOf(signer),
    algorithm: alg,
  };
}

async function validateIua(
  token: string,
  now: Date,
  p: IuaPolicy,
  pinned: readonly PinnedSigner[],
): Promise<IuaClaims> {
  const h = header(token, p);
  const named = candidates(h, pinned);
  const valid = named.filter((s) => signerValidAt(s, now));
  if (valid.length === 0)
    throw new IuaError('untrusted-signer', 'no trusted signing certificate is valid now');
  const usable = valid.filter((s) => fits(h.alg, s));
  if (usable.length === 0)
    throw new IuaError('unsupported-algorithm', `alg ${h.alg} is not the algorithm of the signer's key`);
  const { payload, signer } = await verified(token, h.alg, usable, now, p);
  return claimsOf(payload, h.alg, signer, p);
}
