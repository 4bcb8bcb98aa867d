/**
 * Default deny on the FHIR endpoints of the integration port (IHE IUA, ITI TF-2 3.72 Incorporate
 * Access Token; RFC 6750 bearer tokens): mutual TLS (the listener's, checked again here) and an
 * `Authorization: Bearer` IUA access token validated by security/iua-validate.ts against the
 * supplier's pinned signing certificate, the same one the XUA validator of that port pins
 * (runtime/security-runtime.ts). A refusal tells the client no more than RFC 6750 §3 allows
 * (401 `invalid_token` or a bare `Bearer` challenge, 400 `invalid_request`, 403
 * `insufficient_scope`); the full reason is logged. The token's `person_id` must name the search's
 * patient (as XUA's resource-id must, xua-enforcement.ts), else 403.
 * On the open sandbox port nobody is refused; a bearer token, when sent, is read unverified for
 * the requester of the audit trail (like an XUA assertion there, transaction-record.ts).
 */
import type { Request } from 'express';
import { decodeJwt } from 'jose';
import type { TLSSocket } from 'node:tls';
import type { IssueType } from '../fhir/operation-outcome.js';
import type { CodedValue, RequesterIdentity } from '../events/transaction-events.js';
import { bearerTokenOf } from '../security/iua-bearer.js';
import {
  IHE_IUA_EXTENSION,
  IuaClaim,
  NIR_FHIR_AUDIENCE,
  codedValueOf,
  iuaPolicy,
  type IuaClaims,
} from '../security/iua-claims.js';
import { IuaError } from '../security/iua-error.js';
import { createIuaValidator, type IuaValidator } from '../security/iua-validate.js';
import { ReplayCache } from '../security/replay-cache.js';
import { SUPPLIER_TEST_IDENTITY, XuaAttribute, type XuaClaims, type XuaPolicy } from '../security/saml.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import type { BrokerContext } from './context.js';
import { legBearerToken } from './mhd-leg-token.js';
import { signForwardedSecurityHeader, type AssertionForwarder } from './xua-forward.js';

/** What the FHIR endpoints of a secured listener enforce. */
export interface FhirSecurity {
  validator: IuaValidator;
}

/** The environment variable that overrides the audience the broker's FHIR endpoints answer to. */
export const FHIR_AUDIENCE_ENV = 'NIR_FHIR_AUDIENCE';

/**
 * The audience (`aud`) the broker's FHIR endpoints accept: `NIR_FHIR_AUDIENCE` when set and
 * non-empty, else https://localhost:8443/fhir (the FHIR base of the default integration port, what
 * `sim token issue` mints for).
 */
export function fhirAudience(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const v = env[FHIR_AUDIENCE_ENV]?.trim();
  return v === undefined || v === '' ? NIR_FHIR_AUDIENCE : v;
}

/**
 * The IUA validator of the integration port, built from the XUA policy of the same port: the same
 * pinned supplier signing certificates, roles, purposes of use and clock skew; issuer the supplier
 * test IdP (`sim token issue`); `person_id` required, an NHS number CX; a replay cache (one token,
 * one request, as one assertion per request for XUA).
 * @throws Error when a pinned certificate cannot be parsed.
 */
export function brokerIuaValidator(xua: XuaPolicy, audience: string = fhirAudience()): IuaValidator {
  return createIuaValidator(
    iuaPolicy({
      issuers: [SUPPLIER_TEST_IDENTITY.issuer],
      audiences: [audience],
      trustedSigners: xua.trustedSigners,
      allowedRoles: xua.allowedRoles,
      allowedPurposes: xua.allowedPurposes,
      clockSkewMs: xua.clockSkewMs,
      personIdProblem: (personId) => {
        const r = nhsNumberFromPatientId(personId);
        return r.ok ? undefined : `not an NHS number CX (${r.reason})`;
      },
    }),
    { replayCache: new ReplayCache() },
  );
}

/**
 * A refused FHIR request: the HTTP status, the `WWW-Authenticate` challenge, the OperationOutcome
 * issue code and the client-facing text (no detail of the check), and the full reason for the log.
 */
export class FhirRefusal extends Error {
  override readonly name = 'FhirRefusal';
  constructor(
    readonly status: 400 | 401 | 403,
    readonly issueCode: IssueType,
    readonly diagnostics: string,
    readonly detail: string,
    readonly wwwAuthenticate?: string,
  ) {
    super(`${status} ${diagnostics}: ${detail}`);
  }
}

/** RFC 6750 status -> OperationOutcome IssueType (FHIR R4 valueset-issue-type). */
const ISSUE_CODE: Record<400 | 401 | 403, IssueType> = { 400: 'invalid', 401: 'login', 403: 'forbidden' };

/** What admission knows of the requester, and the patient check of the request. */
export interface FhirAdmission {
  requester: RequesterIdentity;
  /** The validated token (integration port). */
  claims?: IuaClaims;
  /**
   * Refuse when the validated token's `person_id` is not the patient `patientCx` the request is
   * about (CX.1 and CX.4 compared as NHS numbers). Nothing on the sandbox port.
   * @throws FhirRefusal 403 `insufficient_scope`.
   */
  checkPatient(patientCx: string): void;
  /**
   * The broker context of this request about `patientCx` (a CX, or undefined): with forwarding on
   * (the communities require XUA), every leg carries one broker-signed assertion naming the
   * token's user, organisation, role and purpose of use (the sandbox identity on the sandbox
   * port) and the patient, signed once per request as xua-enforcement.ts does for SOAP.
   */
  contextFor(patientCx: string | undefined): BrokerContext;
}

/**
 * The validated token as the claims an XUA assertion would carry (IUA ITI TF-2 Table
 * 3.71.4.2.2.1-1 maps each IUA claim to its XUA attribute), for the assertion forwarded on legs.
 */
function asXuaClaims(c: IuaClaims): XuaClaims {
  return {
    assertionId: c.tokenId,
    issuer: c.issuer,
    nameId: c.subject,
    subjectId: c.subjectId,
    organization: c.organization,
    organizationId: c.organizationId,
    homeCommunityId: c.homeCommunityId,
    homeCommunityIdAttribute: XuaAttribute.homeCommunityId,
    role: c.role,
    purposeOfUse: c.purposeOfUse,
    purposeOfUseElement: 'PurposeOfUse',
    ...(c.resourceId !== undefined ? { resourceId: c.resourceId } : {}),
    audiences: c.audiences,
    notBefore: c.notBefore,
    notOnOrAfter: c.notOnOrAfter,
    signer: c.signer,
  };
}

/**
 * `bc` for a request of `consumer` (undefined: the sandbox port) about `patientCx`, legs signed when
 * `forward`: an XUA assertion on XCA legs, an IUA bearer token on MHD legs (mhd-leg-token.ts).
 */
function legContext(
  bc: BrokerContext,
  forward: AssertionForwarder | undefined,
  consumer: IuaClaims | undefined,
  patientCx: string | undefined,
): BrokerContext {
  if (!forward) return bc;
  const audiences = bc.directory.communities.map((c) => c.homeCommunityId);
  const claims = consumer ? asXuaClaims(consumer) : undefined;
  // One signature per request, started by the first leg; every leg awaits the same promise.
  let header: Promise<string> | undefined;
  const securityHeader = (): Promise<string> =>
    (header ??= signForwardedSecurityHeader(forward, bc.clock, audiences, claims, patientCx));
  // MHD communities: one IUA token per request (mhd-leg-token.ts), minted by the first MHD leg.
  const bearerToken = legBearerToken(forward, bc.clock, bc.directory.communities, claims, patientCx);
  return { ...bc, transport: { ...bc.transport, securityHeader, ...(bearerToken ? { bearerToken } : {}) } };
}

function refusalOf(err: IuaError): FhirRefusal {
  const c = err.challenge();
  return new FhirRefusal(c.status, ISSUE_CODE[c.status], c.message, err.message, c.wwwAuthenticate);
}

/** The peer certificate's CN, when the request came over mutual TLS. */
function peerCn(req: Request): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cn = (socket.getPeerCertificate().subject as Partial<Record<string, string>> | undefined)?.['CN'];
  return typeof cn === 'string' ? cn : undefined;
}

const coded = (v: CodedValue): CodedValue => ({
  code: v.code,
  ...(v.codeSystem !== undefined ? { codeSystem: v.codeSystem } : {}),
  ...(v.displayName !== undefined ? { displayName: v.displayName } : {}),
});

/** The validated requester of the audit trail (PARS agents), from the token's verified claims. */
function requesterOf(c: IuaClaims, cn: string | undefined): RequesterIdentity {
  return {
    assurance: 'validated',
    ...(cn !== undefined ? { callingSystem: { id: cn, source: 'tls-certificate' as const } } : {}),
    user: { id: c.subjectId, display: c.subject, issuer: c.issuer },
    organisation: { id: c.organizationId, display: c.organization },
    role: coded(c.role),
    purposeOfUse: coded(c.purposeOfUse),
    homeCommunityId: c.homeCommunityId,
    ...(c.resourceId !== undefined ? { patientId: c.resourceId } : {}),
    assertionId: c.tokenId,
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A Coding claim read without validation (the first of a list). */
function codingClaim(v: unknown): CodedValue | undefined {
  const c: unknown = Array.isArray(v) ? v[0] : v;
  if (typeof c !== 'object' || c === null) return undefined;
  const r = c as Record<string, unknown>;
  const code = str(r['code']);
  if (code === undefined) return undefined;
  const system = str(r['system']);
  const display = str(r['display']);
  return codedValueOf({
    code,
    ...(system !== undefined ? { system } : {}),
    ...(display !== undefined ? { display } : {}),
  });
}

/**
 * The requester as the request tells it, NOT validated (the sandbox port): the `X-NIR-Consumer`
 * header and the bearer token's claims, when it carries a readable JWT; `unknown` when neither.
 */
export function unverifiedRequester(
  consumerId: string | undefined,
  authorization: string | readonly string[] | undefined,
): RequesterIdentity {
  const base: RequesterIdentity = {
    assurance: consumerId !== undefined ? 'unverified' : 'unknown',
    ...(consumerId !== undefined
      ? { callingSystem: { id: consumerId, source: 'x-nir-consumer-header' as const } }
      : {}),
  };
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(bearerTokenOf(authorization, 8_192));
  } catch {
    return base;
  }
  const ext = payload['extensions'];
  const iua = (
    typeof ext === 'object' && ext !== null ? (ext as Record<string, unknown>)[IHE_IUA_EXTENSION] : undefined
  ) as Record<string, unknown> | undefined;
  const claim = (name: string): unknown => (typeof iua === 'object' && iua !== null ? iua[name] : undefined);
  const user = str(claim(IuaClaim.subjectName)) ?? str(payload['sub']);
  const issuer = str(payload['iss']);
  const orgId = str(claim(IuaClaim.subjectOrganizationId));
  const org = str(claim(IuaClaim.subjectOrganization));
  const role = codingClaim(claim(IuaClaim.subjectRole));
  const pou = codingClaim(claim(IuaClaim.purposeOfUse));
  const hcid = str(claim(IuaClaim.homeCommunityId));
  const person = str(claim(IuaClaim.personId));
  const jti = str(payload['jti']);
  return {
    ...base,
    assurance: 'unverified',
    ...(user !== undefined ? { user: { id: user, ...(issuer !== undefined ? { issuer } : {}) } } : {}),
    ...(orgId !== undefined || org !== undefined
      ? {
          organisation: {
            ...(orgId !== undefined ? { id: orgId } : {}),
            ...(org !== undefined ? { display: org } : {}),
          },
        }
      : {}),
    ...(role ? { role } : {}),
    ...(pou ? { purposeOfUse: pou } : {}),
    ...(hcid !== undefined ? { homeCommunityId: hcid } : {}),
    ...(person !== undefined ? { patientId: person } : {}),
    ...(jti !== undefined ? { assertionId: jti } : {}),
  };
}

/** The NHS number of a CX, or the CX itself when it is none (compared as given). */
const patientKey = (cx: string): string => {
  const r = nhsNumberFromPatientId(cx);
  return r.ok ? r.nhsNumber : cx;
};

/**
 * Admit one FHIR request. With `security` (the integration port): the TLS peer must be authorised
 * and the bearer token valid at the broker clock's now, else a FhirRefusal (401/400/403; the full reason logged).
 * Without it (the sandbox port): admitted, the requester read unverified.
 * @rejects FhirRefusal when refused; nothing else.
 */
export async function admitBearer(
  req: Request,
  consumerId: string | undefined,
  bc: BrokerContext,
  security: FhirSecurity | undefined,
  forward: AssertionForwarder | undefined,
): Promise<FhirAdmission> {
  const logger = bc.logger;
  if (!security)
    return {
      requester: unverifiedRequester(consumerId, req.headers.authorization),
      checkPatient: () => undefined,
      contextFor: (patientCx) => legContext(bc, forward, undefined, patientCx),
    };
  const refuse = (r: FhirRefusal): FhirRefusal => {
    logger.warn(
      { status: r.status, detail: r.detail, remoteAddress: req.socket.remoteAddress, path: req.path },
      'IUA: FHIR request refused',
    );
    return r;
  };
  let claims: IuaClaims;
  try {
    const socket = req.socket as Partial<TLSSocket>;
    if (!socket.encrypted || socket.authorized !== true)
      throw new IuaError(
        'untrusted-signer',
        `TLS peer not authorised (${String(socket.authorizationError ?? 'no TLS')})`,
      );
    const token = bearerTokenOf(req.headers.authorization, security.validator.policy.maxTokenBytes);
    claims = await security.validator.validate(token, new Date(bc.clock.now()));
  } catch (err) {
    if (err instanceof IuaError) throw refuse(refusalOf(err));
    throw err;
  }
  return {
    claims,
    requester: requesterOf(claims, peerCn(req)),
    contextFor: (patientCx) => legContext(bc, forward, claims, patientCx),
    checkPatient: (patientCx) => {
      if (claims.resourceId !== undefined && patientKey(claims.resourceId) === patientKey(patientCx)) return;
      throw refuse(
        new FhirRefusal(
          403,
          'forbidden',
          'the access token does not permit this request',
          `person_id ${claims.resourceId ?? '(none)'} is not the searched patient ${patientCx}`,
          'Bearer error="insufficient_scope"',
        ),
      );
    },
  };
}
