/**
 * Why an IUA access token was refused (IHE ITI TF-2 3.72.7: the Resource Server validates the token
 * and refuses it otherwise), and what the client is told: no more than RFC 6750 §3 lets a resource
 * server say (`invalid_request` 400, `invalid_token` 401, `insufficient_scope` 403, or a bare
 * `Bearer` challenge when no token was sent). The full reason stays in the log and the audit.
 */

/** Each way a request's bearer token fails. */
export type IuaFailure =
  /** No `Authorization: Bearer` credentials (RFC 6750 §3.1: answer without an error code). */
  | 'no-token'
  /** The Authorization header cannot be read as one bearer token (several headers, bad characters). */
  | 'invalid-request'
  /** The token is larger than the policy allows, or a claim is longer. */
  | 'oversize'
  /** Not a JWS compact serialisation, not JSON, or a claim of the wrong type. */
  | 'malformed'
  /** `alg: none` (an unsecured JWT, RFC 7519 §6). */
  | 'unsigned'
  /** `alg` not on the allow-list (HMAC included), or not the algorithm of the signer's key. */
  | 'unsupported-algorithm'
  /** `x5c` / `x5t#S256` names a certificate that is not pinned, or the pinned one is not valid now. */
  | 'untrusted-signer'
  | 'bad-signature'
  | 'expired'
  /** `nbf` (or `iat`) is later than now plus the allowed skew. */
  | 'not-yet-valid'
  /** `exp - iat` is longer than the policy allows. */
  | 'lifetime-too-long'
  | 'wrong-issuer'
  | 'wrong-audience'
  /** A required claim (registered or `ihe_iua`) is absent or empty. */
  | 'missing-claim'
  | 'several-roles'
  | 'several-purposes'
  | 'role-not-allowed'
  | 'purpose-not-allowed'
  /** `person_id` is not a patient identifier the policy accepts (for NIR: an NHS number CX). */
  | 'bad-person-id'
  /** The same `iss` + `jti` was accepted before and has not expired (replay-cache.ts). */
  | 'replayed';

/** RFC 6750 §3.1 error codes. */
export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** What a refusal looks like on the wire: status, challenge, and a one-line message without details. */
export interface BearerChallenge {
  /** 400, 401 or 403 (RFC 6750 §3.1). */
  status: 400 | 401 | 403;
  /** The RFC 6750 error code; absent when the request carried no token (§3.1). */
  error?: BearerErrorCode;
  /** The `WWW-Authenticate` header value (RFC 6750 §3). */
  wwwAuthenticate: string;
  /** The message for the body (e.g. an OperationOutcome's diagnostics): no detail of the check. */
  message: string;
}

/** Which RFC 6750 error each failure is reported with (undefined: no token, a bare challenge). */
const BEARER_ERROR: Record<IuaFailure, BearerErrorCode | undefined> = {
  'no-token': undefined,
  'invalid-request': 'invalid_request',
  oversize: 'invalid_token',
  malformed: 'invalid_token',
  unsigned: 'invalid_token',
  'unsupported-algorithm': 'invalid_token',
  'untrusted-signer': 'invalid_token',
  'bad-signature': 'invalid_token',
  expired: 'invalid_token',
  'not-yet-valid': 'invalid_token',
  'lifetime-too-long': 'invalid_token',
  'wrong-issuer': 'invalid_token',
  'wrong-audience': 'invalid_token',
  'missing-claim': 'invalid_token',
  'several-roles': 'invalid_token',
  'several-purposes': 'invalid_token',
  // The token is genuine but grants less than the request needs (RFC 6750 §3.1 insufficient_scope).
  'role-not-allowed': 'insufficient_scope',
  'purpose-not-allowed': 'insufficient_scope',
  'bad-person-id': 'invalid_token',
  replayed: 'invalid_token',
};

/** Which RFC 6750 error a failure is reported with (undefined: no token, a bare challenge). */
export function bearerErrorOf(f: IuaFailure): BearerErrorCode | undefined {
  return BEARER_ERROR[f];
}

const STATUS: Record<BearerErrorCode, 400 | 401 | 403> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
};

const MESSAGE: Record<BearerErrorCode | 'none', string> = {
  none: 'an access token is required (Authorization: Bearer)',
  invalid_request: 'the Authorization header does not carry one bearer token',
  invalid_token: 'the access token is not valid',
  insufficient_scope: 'the access token does not permit this request',
};

/** A quoted-string (RFC 9110 §5.6.4) of a realm: `"` and `\` escaped. */
const quoted = (s: string): string => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/**
 * The RFC 6750 §3 answer to a refused request: HTTP status, `WWW-Authenticate: Bearer` with the
 * error code (none when no token was sent) and, when given, the realm; never an
 * `error_description` (default deny with minimal detail).
 */
export function bearerChallenge(f: IuaFailure, realm?: string): BearerChallenge {
  const error = bearerErrorOf(f);
  const params = [
    ...(realm !== undefined ? [`realm=${quoted(realm)}`] : []),
    ...(error !== undefined ? [`error="${error}"`] : []),
  ];
  return {
    status: error === undefined ? 401 : STATUS[error],
    ...(error !== undefined ? { error } : {}),
    wwwAuthenticate: params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`,
    message: MESSAGE[error ?? 'none'],
  };
}

/** A refused token: `failure` says which check, `detail` says exactly what (log and audit only). */
export class IuaError extends Error {
  override readonly name = 'IuaError';
  constructor(
    readonly failure: IuaFailure,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${failure}: ${detail}`, options);
  }

  /** The client-facing answer for this refusal ({@link bearerChallenge}). */
  challenge(realm?: string): BearerChallenge {
    return bearerChallenge(this.failure, realm);
  }
}
