/**
 * The patient of a WADO-RS request, from its access token (IHE IUA, ITI TF-2 3.72: `Authorization:
 * Bearer`, RFC 6750 §2.1; the patient is the `extensions.ihe_iua.person_id` claim, ITI TF-2
 * 3.71.4.2.2.1, an NHS number CX as XUA's resource-id). A WADO-RS URL names a study, never a
 * patient, and the broker stores nothing: it asks the study's community for the patient's KOS
 * manifest, so the patient must come with the request.
 * - Integration port: the request was admitted by iua-enforcement.ts (mutual TLS, the token
 *   validated against the supplier's pinned certificate, issuer, audience, expiry, replay): its
 *   validated `person_id`.
 * - Sandbox port: the token is read unverified (like an XUA assertion there), only for its patient;
 *   no token is a 401 saying how to get one.
 */
import type { Request } from 'express';
import type { OperationOutcome } from 'fhir/r4.js';
import { decodeJwt } from 'jose';
import { IHE_IUA_EXTENSION, IuaClaim } from '../security/iua-claims.js';
import { bearerTokenOf } from '../security/iua-bearer.js';
import { IuaError } from '../security/iua-error.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import type { FhirAdmission } from './iua-enforcement.js';
import { errorOutcome } from './retrieve-document-http.js';

/** Largest token read on the sandbox port, bytes (the IUA policy default, iua-claims.ts). */
const SANDBOX_MAX_TOKEN_BYTES = 8_192;

/** How to get a token, for the messages. */
const HOW_TO_GET_ONE =
  'send Authorization: Bearer <IUA access token> naming the patient (extensions.ihe_iua.person_id); mint one with `sim token issue --patient <NHS number>`';

/** The token's patient, or the refusal to send. */
export type TokenPatient =
  | { ok: true; patientCx: string; nhsNumber: string }
  | { ok: false; status: 400 | 401; outcome: OperationOutcome; headers: Record<string, string> };

/**
 * The patient of an admitted request (see the module comment): the validated token's `person_id`
 * on the integration port (`admission.claims`, iua-enforcement.ts; its validator requires it and
 * checks it is an NHS number CX), else the bearer token's claim read unverified.
 */
export function tokenPatient(req: Request, admission: FhirAdmission): TokenPatient {
  if (admission.claims) return withPatient(admission.claims.resourceId);
  let token: string;
  try {
    token = bearerTokenOf(req.headers.authorization, SANDBOX_MAX_TOKEN_BYTES);
  } catch (err) {
    if (!(err instanceof IuaError)) throw err;
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
  return withPatient(typeof personId === 'string' ? personId : undefined);
}

function withPatient(personId: string | undefined): TokenPatient {
  if (personId === undefined || personId === '')
    return invalid(`the access token names no patient: ${HOW_TO_GET_ONE}`);
  const nhs = nhsNumberFromPatientId(personId);
  if (!nhs.ok)
    return invalid(
      `the access token's patient '${personId.slice(0, 80)}' is not an NHS number CX (<10 digits>^^^&2.16.840.1.113883.2.1.4.1&ISO): ${HOW_TO_GET_ONE}`,
    );
  return { ok: true, patientCx: personId, nhsNumber: nhs.nhsNumber };
}

function invalid(diagnostics: string): TokenPatient {
  return { ok: false, status: 400, outcome: errorOutcome('invalid', diagnostics), headers: {} };
}
