/**
 * The IHE IUA access token the broker's legs to MHD communities carry (IHE ITI TF-2 3.71.4.2.2,
 * JWT Option; RFC 6750 bearer): the MHD counterpart of the XUA assertion the broker forwards to XCA
 * communities (xua-forward.ts). Same facts, same signer: NIR, as the initiating side, vouches for
 * the consumer's user, role, organisation and purpose of use (or the sandbox identity), with the
 * queried patient as `person_id`. Audiences: the MHD communities' FHIR bases (what a resource
 * server names itself by, RFC 9068 section 4), at most {@link MAX_TOKEN_AUDIENCES}.
 * Wired as `LegTransport.bearerToken` (community-client.ts) by {@link legBearerToken}: one token
 * per consumer request, every MHD leg of it awaiting the same promise.
 */
import { issueAccessToken } from '../security/iua-token.js';
import type { XuaClaims } from '../security/saml.js';
import type { Clock } from '../shared/clock.js';
import type { CommunityEndpoint } from './community-directory.js';
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

/**
 * The `bearerToken` of one consumer request's legs (LegTransport, community-client.ts), or
 * undefined when `communities` holds no MHD community (an all-XCA network mints no token).
 * Audiences: the FHIR bases of the MHD communities, in directory order. Up to
 * {@link MAX_TOKEN_AUDIENCES} of them: one token for the request, signed by the first leg that
 * asks, every leg awaiting the same promise. Above it (a directory of more than 16 MHD
 * communities): the communities are taken in groups of 16 in directory order and each group gets
 * its own token, minted when the first leg to one of its communities asks, so no token names more
 * than 16 audiences and a community receives only a token naming it. A URL under no MHD
 * community's FHIR base gets the first group's token (the community then refuses it: wrong audience).
 * @param consumer the consumer's validated claims (integration port), else the sandbox identity.
 * @param patientCx the patient the request is about (`person_id`), absent for a retrieve.
 */
export function legBearerToken(
  f: AssertionForwarder,
  clock: Clock,
  communities: readonly CommunityEndpoint[],
  consumer: XuaClaims | undefined,
  patientCx: string | undefined,
): ((url: URL) => Promise<string>) | undefined {
  const bases = communities.flatMap((c) =>
    c.protocol === 'mhd' && c.fhirBase !== undefined ? [c.fhirBase.replace(/\/+$/, '')] : [],
  );
  if (bases.length === 0) return undefined;
  const tokens = new Map<number, Promise<string>>();
  return (url) => {
    const href = url.href;
    const at = bases.findIndex((b) => href === b || href.startsWith(`${b}/`) || href.startsWith(`${b}?`));
    const group = Math.floor(Math.max(0, at) / MAX_TOKEN_AUDIENCES);
    let token = tokens.get(group);
    if (token === undefined) {
      const audiences = bases.slice(group * MAX_TOKEN_AUDIENCES, (group + 1) * MAX_TOKEN_AUDIENCES);
      token = forwardedAccessToken(f, clock, audiences, consumer, patientCx);
      tokens.set(group, token);
    }
    return token;
  };
}
