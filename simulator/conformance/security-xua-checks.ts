/**
 * The XUA provider checks: the supplier's responding gateway, as X-Service Provider (IHE ITI TF-2
 * 3.40.4.2), accepts NIR's signed assertion and refuses, with a SOAP 1.2 Fault carrying a
 * WS-Security fault code (OASIS WSS SOAP Message Security 1.1 §12), a request whose assertion is
 * missing, out of its validity window (SAML 2.0 Core §2.5.1.2), addressed to another audience
 * (§2.5.1.4; ITI40-014), unsigned, or signed and then altered (XML Signature §3.2; SAML 2.0 Core
 * §5). Every variant differs from NIR's valid assertion in that one respect only.
 */
import { buildSecurityHeader } from '../security/wss-header.js';
import { XuaAttribute } from '../security/saml.js';
import { buildAssertionXml, issueAssertionAsync, type AssertionInput } from '../security/xua-issue.js';
import { result, type CheckDefinition, type CheckResult } from './check.js';
import type { ParsedSoapFault } from '../soap/fault.js';
import type { SentExchange } from './initiator.js';
import type { ProviderCheck, ProviderContext, ProviderSecurity } from './provider-check.js';
import { KIT_ASSERTION_LIFETIME_MS, KIT_IDENTITY, kitAssertionInput } from './security-material.js';
import { probePatientCx, sendProbe } from './security-request.js';
import { NO_SECURITY } from './security-tls-checks.js';
import { describeFault, isWssFault, securityVerdict, serverCertSkip } from './security-verdict.js';

const XUA = 'IHE ITI TF-2 3.40.4.2 (XUA X-Service Provider); OASIS WSS SOAP Message Security 1.1 §12';
const HOUR_MS = 3_600_000;

/** An audience no responding gateway is: a URN of the kit's own. */
export const FOREIGN_AUDIENCE = 'urn:nir-sim:conformance:another-service-provider';

const def = (d: Omit<CheckDefinition, 'area'>): CheckDefinition => ({ area: 'security', ...d });

/** One request of a check: its label and the wsse:Security header to send (null: none). */
interface Variant {
  label: string;
  header: (sec: ProviderSecurity, ctx: ProviderContext) => Promise<string | null>;
}

/** The kit's assertion input for the probe at the run's now, with `over` applied. */
function input(ctx: ProviderContext, over: Partial<AssertionInput> = {}): AssertionInput {
  return kitAssertionInput(
    {
      homeCommunityId: ctx.target.homeCommunityId,
      audience: ctx.target.iti38Url,
      patientCx: probePatientCx(ctx),
      now: new Date(ctx.clock.now()),
    },
    over,
  );
}

/** A wsse:Security header around `assertionXml` whose wsu:Timestamp is current (only the assertion is wrong). */
function header(ctx: ProviderContext, assertionXml: string): string {
  return buildSecurityHeader(assertionXml, new Date(ctx.clock.now()), KIT_ASSERTION_LIFETIME_MS);
}

/** A check that every variant is refused with a WS-Security SOAP Fault. */
function faultCheck(definition: CheckDefinition, what: string, variants: readonly Variant[]): ProviderCheck {
  const id = definition.id;
  return {
    definition,
    async run(ctx) {
      if (!ctx.security) return result(id, 'skipped', NO_SECURITY);
      const sent: SentExchange[] = [];
      const seen: string[] = [];
      for (const v of variants) {
        const s = await sendProbe(ctx, id, v.label, { securityHeaderXml: await v.header(ctx.security, ctx) });
        sent.push(s);
        const j = judge(id, `${what}${variants.length > 1 ? ` (${v.label})` : ''}`, s, sent);
        if ('result' in j) return j.result;
        seen.push(`HTTP ${j.status}, ${describeFault(j.fault)}`);
      }
      return result(
        id,
        'passed',
        `refused ${what} with a SOAP Fault: ${seen.join('; ')}`,
        sent.map((s) => s.record.name),
      );
    },
  };
}

/** The failed or skipped result for `s`, or the WS-Security SOAP Fault (and HTTP status) it is. */
function judge(
  id: string,
  what: string,
  s: SentExchange,
  all: readonly SentExchange[],
): { result: CheckResult } | { fault: ParsedSoapFault; status: number } {
  const ex = all.map((x) => x.record.name);
  const v = securityVerdict(s);
  const r = (outcome: 'failed' | 'skipped', message: string) => ({
    result: result(id, outcome, message, ex),
  });
  switch (v.kind) {
    case 'server-cert':
      return r('skipped', serverCertSkip(v));
    case 'accepted':
      return r(
        'failed',
        `accepted ${what}: ${v.what}; it must answer a SOAP Fault (wsse:InvalidSecurity or wsse:FailedAuthentication)`,
      );
    case 'inconclusive':
      return r('failed', `sent ${what} and got ${v.why}, not a SOAP Fault`);
    case 'refused':
      if (!v.fault)
        return r(
          'failed',
          `refused ${what} with ${v.how}, not with a SOAP Fault carrying a WS-Security fault code`,
        );
      if (!isWssFault(v.fault))
        return r(
          'failed',
          `refused ${what} with ${describeFault(v.fault)}: expected env:Sender with a wsse: subcode of WSS 1.1 §12 (e.g. wsse:InvalidSecurity, wsse:FailedAuthentication)`,
        );
      if (v.status === undefined || (v.status >= 200 && v.status < 300))
        return r(
          'failed',
          `the SOAP Fault for ${what} came with HTTP ${v.status}; SOAP 1.2 Part 2 §7.5.2 sends a fault with 400 or 500`,
        );
      return { fault: v.fault, status: v.status };
  }
}

const missing = faultCheck(
  def({
    id: 'SEC-XUA-MISSING',
    title: 'Refuses a request without an XUA assertion',
    given: 'the gateway requires an XUA assertion on every request',
    when: 'NIR sends an ITI-38 query without a wsse:Security header, and one whose wsse:Security holds no assertion',
    then: 'the gateway answers a SOAP Fault with a WS-Security fault code (wsse:InvalidSecurity) and no data',
    source: `${XUA}; ITI TF-2 3.40.4.1`,
  }),
  'a request without an assertion',
  [
    { label: 'no security header', header: () => Promise.resolve(null) },
    {
      label: 'security header without assertion',
      header: (_sec, ctx) => Promise.resolve(header(ctx, '')),
    },
  ],
);

const expired = faultCheck(
  def({
    id: 'SEC-XUA-EXPIRED',
    title: 'Refuses an expired assertion',
    given: 'NIR signs an assertion whose Conditions NotOnOrAfter passed an hour ago',
    when: 'NIR sends an ITI-38 query carrying it (the wsu:Timestamp current)',
    then: 'the gateway answers a SOAP Fault with a WS-Security fault code (wsse:FailedAuthentication) and no data',
    source: `${XUA}; SAML 2.0 Core §2.5.1.2`,
  }),
  'an expired assertion',
  [
    {
      label: 'expired assertion',
      header: async (sec, ctx) =>
        header(
          ctx,
          await issueAssertionAsync(
            input(ctx, { now: new Date(ctx.clock.now() - 2 * HOUR_MS), lifetimeMs: HOUR_MS }),
            sec.signer,
          ),
        ),
    },
  ],
);

const notYetValid = faultCheck(
  def({
    id: 'SEC-XUA-NOT-YET-VALID',
    title: 'Refuses an assertion that is not yet valid',
    given: 'NIR signs an assertion whose Conditions NotBefore is an hour ahead',
    when: 'NIR sends an ITI-38 query carrying it (the wsu:Timestamp current)',
    then: 'the gateway answers a SOAP Fault with a WS-Security fault code (wsse:FailedAuthentication) and no data',
    source: `${XUA}; SAML 2.0 Core §2.5.1.2`,
  }),
  'an assertion that is not yet valid',
  [
    {
      label: 'not yet valid assertion',
      header: async (sec, ctx) =>
        header(
          ctx,
          await issueAssertionAsync(
            input(ctx, { now: new Date(ctx.clock.now() + HOUR_MS), lifetimeMs: HOUR_MS }),
            sec.signer,
          ),
        ),
    },
  ],
);

const wrongAudience = faultCheck(
  def({
    id: 'SEC-XUA-WRONG-AUDIENCE',
    title: 'Refuses an assertion for another audience',
    given:
      "NIR signs an assertion whose AudienceRestriction names another service provider, not the gateway's homeCommunityId or URL",
    when: 'NIR sends an ITI-38 query carrying it',
    then: 'the gateway answers a SOAP Fault with a WS-Security fault code (wsse:FailedAuthentication) and no data',
    source: `${XUA}; ITI40-014; SAML 2.0 Core §2.5.1.4`,
  }),
  'an assertion for another audience',
  [
    {
      label: 'wrong audience',
      header: async (sec, ctx) =>
        header(ctx, await issueAssertionAsync(input(ctx, { audiences: [FOREIGN_AUDIENCE] }), sec.signer)),
    },
  ],
);

const unsigned = faultCheck(
  def({
    id: 'SEC-XUA-UNSIGNED',
    title: 'Refuses an unsigned assertion',
    given: "an assertion identical to NIR's but without its ds:Signature",
    when: 'NIR sends an ITI-38 query carrying it',
    then: 'the gateway answers a SOAP Fault with a WS-Security fault code (wsse:FailedAuthentication) and no data',
    source: `${XUA}; WSS SAML Token Profile 1.1 §3.5; SAML 2.0 Core §5`,
  }),
  'an unsigned assertion',
  [
    {
      label: 'unsigned assertion',
      header: (_sec, ctx) => Promise.resolve(header(ctx, buildAssertionXml(input(ctx)))),
    },
  ],
);

/**
 * NIR's signed assertion with the subject-id AttributeValue changed after signing.
 * @throws Error when the value is not found exactly once (the kit's own assertion changed shape).
 */
export function tamperedAssertion(signedXml: string): string {
  const value = `<saml2:AttributeValue>${KIT_IDENTITY.subjectId}</saml2:AttributeValue>`;
  const at = signedXml.indexOf(`Name="${XuaAttribute.subjectId}"`);
  const found = at < 0 ? -1 : signedXml.indexOf(value, at);
  if (found < 0 || signedXml.indexOf(value, found + 1) >= 0)
    throw new Error(`the kit's assertion has no single ${XuaAttribute.subjectId} value to alter`);
  const altered = `<saml2:AttributeValue>${KIT_IDENTITY.subjectId} (altered after signing)</saml2:AttributeValue>`;
  return signedXml.slice(0, found) + altered + signedXml.slice(found + value.length);
}

const tampered = faultCheck(
  def({
    id: 'SEC-XUA-TAMPERED',
    title: 'Refuses an assertion altered after signing',
    given: "NIR's signed assertion with its subject-id attribute value changed afterwards",
    when: 'NIR sends an ITI-38 query carrying it',
    then: 'the gateway answers a SOAP Fault with a WS-Security fault code (wsse:FailedAuthentication or wsse:FailedCheck) and no data',
    source: `${XUA}; XML Signature 1.1 §3.2.1 (reference validation)`,
  }),
  'an assertion altered after signing',
  [
    {
      label: 'tampered assertion',
      header: async (sec, ctx) =>
        header(ctx, tamperedAssertion(await issueAssertionAsync(input(ctx), sec.signer))),
    },
  ],
);

const valid: ProviderCheck = {
  definition: def({
    id: 'SEC-XUA-VALID',
    title: "Accepts NIR's valid assertion",
    given: "the gateway trusts NIR's XUA signing certificate",
    when: "NIR sends an ITI-38 query carrying its signed assertion (audience the gateway's homeCommunityId, resource-id the queried patient)",
    then: 'the gateway answers the query, not a SOAP Fault',
    source: XUA,
    items: ['UAT-01'],
  }),
  async run(ctx) {
    const id = 'SEC-XUA-VALID';
    if (!ctx.security) return result(id, 'skipped', NO_SECURITY);
    const s = await sendProbe(ctx, id, 'valid assertion');
    const v = securityVerdict(s);
    const ex = [s.record.name];
    switch (v.kind) {
      case 'accepted':
        return result(id, 'passed', `accepted NIR's signed assertion: ${v.what}`, ex);
      case 'refused':
        return result(id, 'failed', `refused NIR's valid signed assertion: ${v.how}`, ex);
      case 'server-cert':
        return result(id, 'skipped', serverCertSkip(v), ex);
      case 'inconclusive':
        return result(id, 'failed', `sent NIR's valid assertion and got ${v.why}`, ex);
    }
  },
};

/** In the order the report shows them: the valid assertion, then each way one is wrong. */
export const xuaChecks: readonly ProviderCheck[] = [
  valid,
  missing,
  expired,
  notYetValid,
  wrongAudience,
  unsigned,
  tampered,
];
