/**
 * The IHE IUA access token the broker's legs to MHD communities carry (IHE ITI TF-2 3.71.4.2.2,
 * JWT Option; RFC 6750 bearer): the MHD counterpart of the XUA assertion the broker forwards to XCA
 * communities (xua-forward.ts). Same facts, same signer: NIR, as the initiating side, vouches for
 * the consumer's user, role, organisation and purpose of use (or the sandbox identity), with the
 * queried patient as `person_id`. Audiences: the MHD communities' FHIR bases (what a resource
 * server names itself by, RFC 9068 section 4), at most {@link MAX_TOKEN_AUDIENCES}.
 * Wire it as `MhdLegTransport.bearerToken` (mhd-leg-http.ts): one token per consumer request,
 * every MHD leg of it awaiting the same promise.
 */
import { issueAccessToken } from '../security/iua-token.js';
import type { XuaClaims } from '../security/saml.js';
import type { Clock } from '../shared/clock.js';
import { forwardedAssertion, type AssertionForwarder } from './xua-forward.js';

/** The scope of the broker's leg tokens: the MHD transactions its legs send (ITI-67, ITI-68). */
export const LEG_TOKEN_SCOPE = 'ITI-67 ITI-68';

/** Most audiences in one token (security/iua-validate.ts refuses more than 16). */
export const MAX_TOKEN_AUDIENCES = 16;

/**
 * Sign the access token of one consumer request for the MHD communities `audiences`.
 * `client_id` is the broker's issuer; `sub` the user's NameID (else subject-id).
 * @param patientCx the queried patient as a CX (`person_id`); absent for a retrieve, which has none.
 * @rejects Error when `audiences` is empty or longer than {@link MAX_TOKEN_AUDIENCES}, or the
 *   signing key is unusable (security/iua-token.ts issueAccessToken).
 */
export async function forwardedAccessToken(
  f: AssertionForwarder,
  clock: Clock,
  audiences: readonly string[],
  consumer: XuaClaims | undefined,
  patientCx: string | undefined,
): Promise<string> {
  if (audiences.length > MAX_TOKEN_AUDIENCES)
    throw new Error(
      `a leg token names at most ${MAX_TOKEN_AUDIENCES} audiences (MHD communities), not ${audiences.length}`,
    );
  const a = forwardedAssertion(f, new Date(clock.now()), audiences, consumer, patientCx);
  return issueAccessToken(
    {
      issuer: a.issuer,
      subject: a.nameId ?? a.subjectId,
      clientId: a.issuer,
      scope: LEG_TOKEN_SCOPE,
      subjectName: a.subjectId,
      organization: a.organization,
      organizationId: a.organizationId,
      homeCommunityId: a.homeCommunityId,
      role: a.role,
      purposeOfUse: a.purposeOfUse,
      ...(a.resourceId !== undefined ? { personId: a.resourceId } : {}),
      audiences,
      now: a.now,
      ...(a.lifetimeMs !== undefined ? { lifetimeMs: a.lifetimeMs } : {}),
    },
    f.signer,
  );
}
