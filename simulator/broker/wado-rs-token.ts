/**
 * The patient of a WADO-RS request, from its access token (IHE IUA, ITI TF-2 3.72: `Authorization:
 * Bearer`, RFC 6750 §2.1; the patient is the `extensions.ihe_iua.person_id` claim, ITI TF-2
 * 3.71.4.2.2.1, an NHS number CX as XUA's resource-id). A WADO-RS URL names a study, never a
 * patient, and the broker stores nothing: it asks the study's community for the patient's KOS
 * manifest, so the patient must come with the request.
 * - Integration port (`validator` given): the token is validated (security/iua-validate.ts:
 *   signature against the supplier's pinned certificate, issuer, audience, expiry, replay); a
 *   refusal is RFC 6750 §3 minimal (status, WWW-Authenticate, no detail in the body).
 * - Sandbox port: the token is read unverified (like an XUA assertion there), only for its patient.
 */
import type { Request } from 'express';
import type { OperationOutcome } from 'fhir/r4.js';
import { decodeJwt } from 'jose';
import type { RequesterIdentity } from '../events/transaction-events.js';
import { IHE_IUA_EXTENSION, IuaClaim, type IuaClaims } from '../security/iua-claims.js';
import { bearerTokenOf } from '../security/iua-bearer.js';
import { IuaError } from '../security/iua-error.js';
import type { IuaValidator } from '../security/iua-validate.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import { errorOutcome } from './retrieve-document-http.js';

/** Largest token read on the sandbox port, bytes (the IUA policy default, iua-claims.ts). */
const SANDBOX_MAX_TOKEN_BYTES = 8_192;

/** How to get a token, for the messages. */
const HOW_TO_GET_ONE =
  'send Authorization: Bearer <IUA access token> naming the patient (extensions.ihe_iua.person_id); mint one with `sim token issue --patient <NHS number>`';

/** The token's patient and who asked, or the refusal to send. */
export type TokenPatient =
  | { ok: true; patientCx: string; nhsNumber: string; requester: RequesterIdentity }
  | { ok: false; status: 400 | 401 | 403; outcome: OperationOutcome; headers: Record<string, string> };

/**
 * Read the patient of `req`'s bearer token (see the module comment).
 * @param now the broker clock's time, for validation.
 */
export async function tokenPatient(
  req: Request,
  requester: RequesterIdentity,
  validator: IuaValidator | undefined,
  now: Date,
): Promise<TokenPatient> {
  let token: string;
  try {
    token = bearerTokenOf(
      req.headers.authorization,
      validator?.policy.maxTokenBytes ?? SANDBOX_MAX_TOKEN_BYTES,
    );
  } catch (err) {
    if (!(err instanceof IuaError)) throw err;
    if (validator) return refusal(err);
    const missing = err.failure === 'no-token';
    return {
      ok: false,
      status: missing ? 401 : 400,
      outcome: errorOutcome(
        missing ? 'login' : 'invalid',
        `${missing ? 'no access token' : err.detail}: ${HOW_TO_GET_ONE}`,
      ),
      headers: missing ? { 'WWW-Authenticate': 'Bearer' } : {},
    };
  }
  if (validator) {
    try {
      const claims = await validator.validate(token, now);
      return withPatient(claims.resourceId, validatedRequester(requester, claims));
    } catch (err) {
      if (err instanceof IuaError) return refusal(err);
      throw err;
    }
  }
  let personId: unknown;
  try {
    const payload = decodeJwt(token);
    const ext = payload.extensions;
    const iua =
      typeof ext === 'object' && ext !== null
        ? (ext as Record<string, unknown>)[IHE_IUA_EXTENSION]
        : undefined;
    personId =
      typeof iua === 'object' && iua !== null
        ? (iua as Record<string, unknown>)[IuaClaim.personId]
        : undefined;
  } catch {
    return invalid(`the bearer token is not a JWT: ${HOW_TO_GET_ONE}`);
  }
  return withPatient(typeof personId === 'string' ? personId : undefined, requester);
}

function withPatient(personId: string | undefined, requester: RequesterIdentity): TokenPatient {
  if (personId === undefined || personId === '')
    return invalid(`the access token names no patient: ${HOW_TO_GET_ONE}`);
  const nhs = nhsNumberFromPatientId(personId);
  if (!nhs.ok)
    return invalid(
      `the access token's patient '${personId.slice(0, 80)}' is not an NHS number CX (<10 digits>^^^&2.16.840.1.113883.2.1.4.1&ISO): ${HOW_TO_GET_ONE}`,
    );
  return {
    ok: true,
    patientCx: personId,
    nhsNumber: nhs.nhsNumber,
    requester: { ...requester, patientId: personId },
  };
}

function invalid(diagnostics: string): TokenPatient {
  return { ok: false, status: 400, outcome: errorOutcome('invalid', diagnostics), headers: {} };
}

/** RFC 6750 §3: the challenge's status and header, its one-line message; no detail of the check. */
function refusal(err: IuaError): TokenPatient {
  const c = err.challenge();
  return {
    ok: false,
    status: c.status,
    outcome: errorOutcome(c.status === 403 ? 'forbidden' : c.status === 400 ? 'invalid' : 'login', c.message),
    headers: { 'WWW-Authenticate': c.wwwAuthenticate },
  };
}

/** The requester a validated token names (the XUA attributes it carries, iua-claims.ts RequesterFacts). */
function validatedRequester(base: RequesterIdentity, c: IuaClaims): RequesterIdentity {
  return {
    ...base,
    assurance: 'validated',
    user: { id: c.subjectId, issuer: c.issuer },
    organisation: { id: c.organizationId, display: c.organization },
    role: c.role,
    purposeOfUse: c.purposeOfUse,
    homeCommunityId: c.homeCommunityId,
  };
}
