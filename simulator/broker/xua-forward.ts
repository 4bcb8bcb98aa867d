/**
 * The assertion the broker forwards to the communities it calls: NIR, as initiating gateway,
 * signs its own XUA assertion (IHE ITI TF-2 3.40: the X-Service User towards each responding
 * gateway) carrying the consumer's user, role, organisation and purpose of use, with the
 * communities as audiences and the queried patient as resource-id. One assertion per consumer
 * request, valid for all of its legs, or (with `reuse`) one per claims for a while
 * (forwarded-assertions.ts).
 */
import type { Clock } from '../shared/clock.js';
import { NIR_SANDBOX_IDENTITY, type CodedValue, type XuaClaims } from '../security/saml.js';
import {
  issueAssertion,
  issueAssertionAsync,
  type AssertionInput,
  type SigningCredential,
} from '../security/xua-issue.js';
import { buildSecurityHeader } from '../security/wss-header.js';
import type { ForwardedAssertions } from './forwarded-assertions.js';
import { DEFAULT_ROLES, CodeSystem } from '../security/saml.js';

/** How the broker signs what it forwards. */
export interface AssertionForwarder {
  /** NIR's signing certificate and key (PEM). */
  signer: SigningCredential;
  /** Issuer of the forwarded assertions (default `urn:nir-sim:nir-broker`). */
  issuer?: string;
  /** Lifetime of a forwarded assertion, ms (default 5 minutes). */
  lifetimeMs?: number;
  /**
   * Signed assertions reused across requests with the same claims (the communities must accept
   * an assertion on several messages); without it, one signature per request.
   */
  reuse?: ForwardedAssertions;
}

/** Default lifetime of a forwarded assertion, ms. */
export const FORWARDED_LIFETIME_MS = 5 * 60_000;

/** The sandbox port's consumer: unauthenticated, so the broker vouches for a fixed sandbox identity. */
const SANDBOX_ROLE: CodedValue = {
  code: DEFAULT_ROLES[0]!.code,
  codeSystem: CodeSystem.snomedCt,
  displayName: DEFAULT_ROLES[0]!.displayName,
};
const SANDBOX_PURPOSE: CodedValue = {
  code: 'TREATMENT',
  codeSystem: CodeSystem.nhinPurpose,
  displayName: 'Treatment',
};

/** The assertion the broker vouches with, issued at `now`. */
export function forwardedAssertion(
  f: AssertionForwarder,
  now: Date,
  audiences: readonly string[],
  consumer: XuaClaims | undefined,
  patientCx: string | undefined,
): AssertionInput {
  const resourceId = patientCx ?? consumer?.resourceId;
  const who = consumer
    ? {
        subjectId: consumer.subjectId,
        nameId: consumer.nameId,
        organization: consumer.organization,
        organizationId: consumer.organizationId,
        homeCommunityId: consumer.homeCommunityId,
        role: consumer.role,
        purposeOfUse: consumer.purposeOfUse,
      }
    : {
        subjectId: NIR_SANDBOX_IDENTITY.subjectId,
        organization: NIR_SANDBOX_IDENTITY.organization,
        organizationId: NIR_SANDBOX_IDENTITY.organizationId,
        homeCommunityId: NIR_SANDBOX_IDENTITY.homeCommunityId,
        role: SANDBOX_ROLE,
        purposeOfUse: SANDBOX_PURPOSE,
      };
  return {
    issuer: f.issuer ?? NIR_SANDBOX_IDENTITY.issuer,
    ...who,
    ...(resourceId !== undefined ? { resourceId } : {}),
    audiences,
    now,
    lifetimeMs: f.lifetimeMs ?? FORWARDED_LIFETIME_MS,
  };
}

/**
 * A `wsse:Security` header with a freshly signed assertion for the communities `audiences`.
 * @param consumer the validated claims of the consumer (integration port), or undefined for the
 *   sandbox port (then NIR_SANDBOX_IDENTITY, role Medical practitioner, purpose TREATMENT).
 * @param patientCx the queried patient as a CX, else the consumer's own resource-id.
 * @throws Error when the signing key is unusable (security/xua-issue.ts signAssertion).
 */
export function forwardedSecurityHeader(
  f: AssertionForwarder,
  clock: Clock,
  audiences: readonly string[],
  consumer: XuaClaims | undefined,
  patientCx: string | undefined,
): string {
  const now = new Date(clock.now());
  const assertion = issueAssertion(forwardedAssertion(f, now, audiences, consumer, patientCx), f.signer);
  return buildSecurityHeader(assertion, now);
}

/**
 * {@link forwardedSecurityHeader} with the RSA signature computed on libuv's thread pool
 * (security/xua-issue.ts signAssertionAsync): the event loop serves other requests and legs
 * while the key works. With `f.reuse`, an assertion signed earlier for the same claims is reused
 * while `f.reuse` allows (no signature at all); the wsu:Timestamp is the request's own either way.
 * @rejects Error when the signing key is unusable; never throws synchronously.
 */
export async function signForwardedSecurityHeader(
  f: AssertionForwarder,
  clock: Clock,
  audiences: readonly string[],
  consumer: XuaClaims | undefined,
  patientCx: string | undefined,
): Promise<string> {
  const now = new Date(clock.now());
  const input = forwardedAssertion(f, now, audiences, consumer, patientCx);
  const assertion = await (f.reuse
    ? f.reuse.get(input, (a) => issueAssertionAsync(a, f.signer))
    : issueAssertionAsync(input, f.signer));
  return buildSecurityHeader(assertion, now);
}
