/**
 * IUA on a simulated MHD community (IHE ITI TF-2 3.72 Incorporate Access Token, JWT Option; RFC
 * 6750): with security on, ITI-67 and ITI-68 must carry `Authorization: Bearer <token>` that the
 * community validates (security/iua-validate.ts: audience its FHIR base, trust pinned to NIR's
 * signing certificate), the MHD counterpart of the XUA assertion an XCA community requires. A
 * refusal is the RFC 6750 challenge (401 / 400 / 403, `WWW-Authenticate`) with an OperationOutcome
 * saying no more than the challenge does (default deny with minimal detail); the detail is logged.
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import { issue } from '../fhir/operation-outcome.js';
import { bearerTokenOf } from '../security/iua-bearer.js';
import type { IuaClaims } from '../security/iua-claims.js';
import { bearerChallenge, IuaError } from '../security/iua-error.js';
import type { IuaValidator } from '../security/iua-validate.js';
import type { Logger } from '../shared/logger.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';

/** A refusal: status, `WWW-Authenticate` value and the OperationOutcome issue. */
export interface AccessRefusal {
  status: 400 | 401 | 403;
  wwwAuthenticate: string;
  issue: OperationOutcomeIssue;
}

/** The IssueType (FHIR R4) of each RFC 6750 status: 401 `login`, 403 `forbidden`, 400 `security`. */
const ISSUE_CODE = { 401: 'login', 403: 'forbidden', 400: 'security' } as const;

function refusal(err: IuaError, logger: Logger, community: string): AccessRefusal {
  logger.warn({ failure: err.failure, detail: err.detail, community }, 'IUA: request refused');
  const c = err.challenge();
  return {
    status: c.status,
    wwwAuthenticate: c.wwwAuthenticate,
    issue: issue({ severity: 'error', code: ISSUE_CODE[c.status], diagnostics: c.message }),
  };
}

/**
 * Why `personId` (an IUA token's `person_id`) cannot name a patient of this community: it is not
 * an NHS number CX (the form the broker's leg tokens carry, ITI TF-2 3.71.4.2.2); undefined when
 * it can. The `personIdProblem` of a community's IUA policy (security/iua-claims.ts).
 */
export function personIdProblem(personId: string): string | undefined {
  const r = nhsNumberFromPatientId(personId);
  return r.ok ? undefined : `not an NHS number CX (${r.reason})`;
}

/**
 * Check the request's bearer token.
 * @returns the validated claims, or the refusal to send.
 */
export async function checkAccess(
  validator: IuaValidator,
  authorization: string | readonly string[] | undefined,
  now: Date,
  logger: Logger,
  community: string,
): Promise<{ ok: true; claims: IuaClaims } | { ok: false; refusal: AccessRefusal }> {
  try {
    const token = bearerTokenOf(authorization, validator.policy.maxTokenBytes);
    return { ok: true, claims: await validator.validate(token, now) };
  } catch (err) {
    if (err instanceof IuaError) return { ok: false, refusal: refusal(err, logger, community) };
    throw err;
  }
}

/**
 * When the token names a patient (`person_id`), that patient must be the one the request is about
 * (`patientNhs`, when it names one), as an XCA community checks XUA's resource-id; else the
 * refusal, RFC 6750 `insufficient_scope` (403: the token does not permit this request).
 */
export function checkPatient(
  claims: IuaClaims,
  patientNhs: string | undefined,
  logger: Logger,
  community: string,
): AccessRefusal | undefined {
  if (claims.resourceId === undefined || patientNhs === undefined) return undefined;
  const r = nhsNumberFromPatientId(claims.resourceId);
  if (r.ok && r.nhsNumber === patientNhs) return undefined;
  logger.warn({ community, personId: claims.resourceId }, 'IUA: person_id names another patient');
  const c = bearerChallenge('role-not-allowed');
  return {
    status: c.status,
    wwwAuthenticate: c.wwwAuthenticate,
    issue: issue({ severity: 'error', code: 'forbidden', diagnostics: c.message }),
  };
}
