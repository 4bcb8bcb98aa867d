/**
 * Validating the XUA assertion of a received SOAP message (IHE ITI TF-2 3.40.4.2, X-Service
 * Provider): locate the one assertion in wsse:Security, verify its signature (xua-signature.ts,
 * the safe recipe), then read everything from the signed content only and check Issuer, Subject,
 * NotBefore / NotOnOrAfter (with clock skew), AudienceRestriction, AuthnStatement and the
 * attributes against the policy. Whether resource-id names the queried patient is the caller's
 * check: only it knows the request.
 */
import type { SoapEnvelope } from '../soap/envelope.js';
import { childElements, textOf, verbatimXml } from '../soap/xml.js';
import {
  SamlNs,
  XuaAttribute,
  type CodeRule,
  type CodedValue,
  type XuaClaims,
  type XuaPolicy,
} from './saml.js';
import { findSecurityHeader } from './wss-header.js';
import {
  homeCommunityIds,
  purposes,
  readAssertion,
  roles,
  textValues,
  type AssertionView,
} from './xua-attributes.js';
import type { ReplayCache } from './replay-cache.js';
import { signerSetId, VerifiedSignatureCache } from './verified-signatures.js';
import { XuaError } from './xua-error.js';
import {
  signerValidAt,
  trustedSigners,
  verifyAssertionSignature,
  type TrustedSigner,
  type VerifiedSignature,
} from './xua-signature.js';

/** A policy prepared for repeated use (pinned certificates parsed once). */
export interface XuaValidator {
  readonly policy: XuaPolicy;
  /**
   * Validate the assertion in `envelope` (parsed from `rawXml`, the text as received) at `now`.
   * The signature is checked over the assertion's own bytes in that text (`verbatimXml`), which
   * the envelope's parse keeps, so `rawXml` itself is not read again.
   * @throws XuaError for the first check that fails.
   */
  validate(envelope: SoapEnvelope, rawXml: string, now: Date): XuaClaims;
}

/** Where a validator looks up and stores its signature verifications. */
interface SharedVerifications {
  cache: VerifiedSignatureCache;
  /** signerSetId of the validator's pinned signers. */
  setId: string;
}

/**
 * Prepare `policy`. With `replayCache`, an assertion whose Issuer + ID was already accepted by
 * this validator and has not expired is refused (`replayed`, wsse:InvalidSecurity): each listener
 * that validates keeps its own cache, so the broker's one forwarded assertion per request, sent
 * once to each community, is accepted by every community. With `assertionReuse` as well (the
 * gateways behind the broker, whose peer mutual TLS has authenticated), one assertion may carry
 * several messages within its validity (IHE ITI TF-2 3.40.4.2 leaves replay protection to the
 * X-Service Provider): the cache then remembers Issuer + ID + wsa:MessageID, so the same message
 * is still refused a second time (a message without a MessageID: Issuer + ID, as without
 * `assertionReuse`). With `verifiedSignatures` (one per
 * process, shared by the validators of its simulated gateways), an assertion whose exact text was
 * already verified under the same pinned signers is not verified again (verified-signatures.ts);
 * every other check (signer validity, wsu:Timestamp, Conditions, audience, attributes, replay)
 * still runs on each call.
 * @throws Error when a trusted signer PEM cannot be parsed.
 */
export function createXuaValidator(
  policy: XuaPolicy,
  opts: {
    replayCache?: ReplayCache;
    assertionReuse?: boolean;
    verifiedSignatures?: VerifiedSignatureCache;
  } = {},
): XuaValidator {
  const signers = trustedSigners(policy.trustedSigners);
  const replay = opts.replayCache;
  const shared: SharedVerifications | undefined = opts.verifiedSignatures
    ? { cache: opts.verifiedSignatures, setId: signerSetId(signers) }
    : undefined;
  return {
    policy,
    validate: (env, _rawXml, now) => {
      const claims = validateXua(env, now, policy, signers, shared);
      // Only after the signature and conditions held: an unsigned ID never takes a place in the cache.
      const until = claims.notOnOrAfter.getTime() + policy.clockSkewMs;
      const messageId = opts.assertionReuse ? env.addressing.messageId : undefined;
      const used = messageId === undefined ? claims.assertionId : `${claims.assertionId}\n${messageId}`;
      if (replay && !replay.firstUse(claims.issuer, used, until, now.getTime()))
        throw new XuaError(
          'replayed',
          `${messageId === undefined ? '' : `message ${messageId} with `}assertion ${claims.assertionId} of ${claims.issuer} was already presented; valid until ${claims.notOnOrAfter.toISOString()}`,
        );
      return claims;
    },
  };
}

function time(value: string | undefined, what: string): number {
  const t = value === undefined ? NaN : Date.parse(value);
  if (!Number.isFinite(t) || !/(Z|[+-]\d\d:\d\d)$/.test(value ?? ''))
    throw new XuaError('malformed', `${what} '${value ?? ''}' is not an xs:dateTime with a time zone`);
  return t;
}

function checkTimestamp(
  timestamp: Parameters<typeof textOf>[0] | undefined,
  now: Date,
  skewMs: number,
): void {
  if (!timestamp) return;
  const expires = childElements(timestamp, SamlNs.wsu, 'Expires')[0];
  if (expires && time(textOf(expires), 'wsu:Expires') + skewMs <= now.getTime())
    throw new XuaError('message-expired', `wsu:Timestamp expired at ${textOf(expires)}`);
}

function checkConditions(v: AssertionView, now: Date, p: XuaPolicy): { notBefore: Date; notOnOrAfter: Date } {
  const nb = time(v.notBefore, 'Conditions/@NotBefore');
  const nooa = time(v.notOnOrAfter, 'Conditions/@NotOnOrAfter');
  const t = now.getTime();
  if (t + p.clockSkewMs < nb)
    throw new XuaError('not-yet-valid', `NotBefore ${v.notBefore} is after now (${now.toISOString()})`);
  if (t - p.clockSkewMs >= nooa)
    throw new XuaError('expired', `NotOnOrAfter ${v.notOnOrAfter} has passed (${now.toISOString()})`);
  if (!v.audiences.some((a) => p.audiences.includes(a)))
    throw new XuaError(
      'wrong-audience',
      `Audience [${v.audiences.join(', ')}] names none of [${p.audiences.join(', ')}]`,
    );
  return { notBefore: new Date(nb), notOnOrAfter: new Date(nooa) };
}

function single(v: AssertionView, name: string): string {
  const values = textValues(v, name);
  if (values.length === 0) throw new XuaError('missing-attribute', `attribute ${name} is missing or empty`);
  return values[0]!;
}

function allowed(rules: readonly CodeRule[], v: CodedValue): boolean {
  return rules.some(
    (r) => r.code === v.code && (r.codeSystem === undefined || r.codeSystem === v.codeSystem),
  );
}

const show = (v: CodedValue): string => `${v.code}${v.codeSystem ? ` (${v.codeSystem})` : ''}`;

function coded(
  found: { value?: CodedValue; element: string }[],
  what: string,
  rules: readonly CodeRule[],
): CodedValue {
  const many = what === 'role' ? 'several-roles' : 'several-purposes';
  if (found.length === 0) throw new XuaError('missing-attribute', `no ${what} CE`);
  if (found.length > 1) throw new XuaError(many, `${found.length} ${what} values; exactly one is required`);
  const value = found[0]!.value;
  if (!value) throw new XuaError('malformed', `the ${what} CE has no code`);
  if (!allowed(rules, value)) {
    const f = what === 'role' ? 'role-not-allowed' : 'purpose-not-allowed';
    throw new XuaError(f, `${what} ${show(value)} is not one of ${rules.map(show).join(', ')}`);
  }
  return value;
}

/** Check a signed assertion's content; claims on success. */
function claimsOf(v: AssertionView, now: Date, p: XuaPolicy, signer: string): XuaClaims {
  if (!v.issuer) throw new XuaError('malformed', 'saml2:Issuer is missing');
  if (!v.nameId) throw new XuaError('malformed', 'saml2:Subject/NameID is missing');
  if (v.confirmations.length === 0)
    throw new XuaError('malformed', 'saml2:Subject has no SubjectConfirmation');
  const { notBefore, notOnOrAfter } = checkConditions(v, now, p);
  if (v.authnStatements === 0 || !v.authnContext)
    throw new XuaError('no-authn-statement', 'no AuthnStatement with an AuthnContextClassRef or DeclRef');
  const hcid = homeCommunityIds(v)[0];
  if (!hcid)
    throw new XuaError(
      'missing-attribute',
      `attribute ${XuaAttribute.homeCommunityId} (or the NHIN name) is missing`,
    );
  const role = coded(roles(v), 'role', p.allowedRoles);
  const purposeFound = purposes(v);
  const purposeOfUse = coded(purposeFound, 'purpose of use', p.allowedPurposes);
  const resource = textValues(v, XuaAttribute.resourceId);
  if (p.requireResourceId && resource.length === 0)
    throw new XuaError('missing-attribute', `attribute ${XuaAttribute.resourceId} is missing`);
  return {
    assertionId: v.id,
    issuer: v.issuer,
    nameId: v.nameId,
    subjectId: single(v, XuaAttribute.subjectId),
    organization: single(v, XuaAttribute.organization),
    organizationId: single(v, XuaAttribute.organizationId),
    homeCommunityId: hcid.value,
    homeCommunityIdAttribute: hcid.attribute,
    role,
    purposeOfUse,
    purposeOfUseElement: purposeFound[0]!.element,
    ...(resource[0] !== undefined ? { resourceId: resource[0] } : {}),
    audiences: v.audiences,
    notBefore,
    notOnOrAfter,
    signer,
  };
}

function validateXua(
  env: SoapEnvelope,
  now: Date,
  p: XuaPolicy,
  signers: readonly TrustedSigner[],
  shared: SharedVerifications | undefined,
): XuaClaims {
  const found = findSecurityHeader(env.headerBlocks, env.document);
  if (!found.ok) throw new XuaError(found.problem, `wsse:Security: ${found.problem.replace(/-/g, ' ')}`);
  checkTimestamp(found.timestamp, now, p.clockSkewMs);
  const assertionXml = verbatimXml(found.assertion);
  const key = shared ? VerifiedSignatureCache.key(assertionXml, shared.setId) : '';
  // A cached result stands only while its signer's certificate is valid now; else verify afresh.
  const hit = shared?.cache.get(key, now.getTime());
  const verified: VerifiedSignature =
    hit && signerValidAt(hit.signer, now)
      ? hit
      : verifyAssertionSignature(found.assertion, assertionXml, signers, now);
  const claims = claimsOf(
    readAssertion(verified.assertion),
    now,
    p,
    verified.signer.cert.subject.replace(/\n/g, ', '),
  );
  // Stored only after the signature and the claims held, until the assertion expires.
  if (shared && verified !== hit)
    shared.cache.set(key, verified, claims.notOnOrAfter.getTime() + p.clockSkewMs, now.getTime());
  return claims;
}

/** CX.1 (the id) and CX.4 (the assigning authority, `&oid&ISO`) of an HL7 v2 CX value, trimmed. */
function cxKey(cx: string): string {
  const parts = cx.trim().split('^');
  return `${(parts[0] ?? '').trim()}^${(parts[3] ?? '').trim()}`;
}

/**
 * The resource-id rule (XACML resource-id = the patient the user asked about): when the request
 * names a patient (`patientCx`, a CX), the assertion's resource-id must name the same one (CX.1
 * and CX.4 equal); a request naming no patient (GetDocuments, ITI-39) is not constrained here.
 * @throws XuaError `resource-mismatch`, or `missing-attribute` when the patient is named and the
 *   assertion has no resource-id.
 */
export function checkResourceId(claims: XuaClaims, patientCx: string | undefined): void {
  if (patientCx === undefined) return;
  if (claims.resourceId === undefined)
    throw new XuaError(
      'missing-attribute',
      `the request names patient ${patientCx} and the assertion has no resource-id`,
    );
  if (cxKey(claims.resourceId) !== cxKey(patientCx))
    throw new XuaError(
      'resource-mismatch',
      `resource-id ${claims.resourceId} is not the queried patient ${patientCx}`,
    );
}
