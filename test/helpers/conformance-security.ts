/**
 * Test support for the kit's security checks: a provider context over a target and NIR's
 * material, running checks in order, and purpose-built misbehaving responding gateways (one that
 * never asks for a client certificate, one whose XUA validation skips the signature).
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CheckResult } from '../../simulator/conformance/check.js';
import { Initiator } from '../../simulator/conformance/initiator.js';
import type {
  ProviderCheck,
  ProviderContext,
  ProviderSecurity,
  ProviderTarget,
} from '../../simulator/conformance/provider-check.js';
import type { ConformanceTestData } from '../../simulator/conformance/test-data.js';
import type { CommunityData } from '../../simulator/data-pack/pack-format.js';
import { createRespondingGateway } from '../../simulator/gateway/responding-gateway.js';
import type { PemPair } from '../../simulator/security/cert-layout.js';
import { findSecurityHeader } from '../../simulator/security/wss-header.js';
import { SamlNs, type XuaPolicy } from '../../simulator/security/saml.js';
import { XuaError } from '../../simulator/security/xua-error.js';
import { signAssertion, type SigningCredential } from '../../simulator/security/xua-issue.js';
import { createXuaValidator, type XuaValidator } from '../../simulator/security/xua-validate.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { parseSoapEnvelope } from '../../simulator/soap/envelope.js';
import { parseXml, textOf, verbatimXml } from '../../simulator/soap/xml.js';

/** A provider context for `target` (with NIR's material when `security` is given) and its initiator. */
export function providerContext(
  target: ProviderTarget,
  testData: ConformanceTestData,
  security?: ProviderSecurity,
): ProviderContext {
  const initiator = new Initiator({
    clock: systemClock,
    ...(security
      ? { security: { tls: security.tls, securityHeader: (req) => security.securityHeader(req) } }
      : {}),
  });
  return {
    target,
    testData,
    initiator,
    ...(security ? { security } : {}),
    clock: systemClock,
    deadlineMs: 10_000,
    seed: 1,
  };
}

/** Run `checks` one after the other against `ctx` (then close its initiator); `durationMs` left out. */
export async function runChecks(
  checks: readonly ProviderCheck[],
  ctx: ProviderContext,
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  try {
    for (const c of checks) {
      const r = await c.run(ctx);
      const { durationMs: _ignored, ...rest } = r;
      out.push(rest);
    }
  } finally {
    await ctx.initiator.close();
  }
  return out;
}

/** `{ id: outcome }` of `results`, for a whole-run comparison. */
export function outcomes(results: readonly CheckResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.id, r.outcome]));
}

/**
 * A misbehaving X-Service Provider: `real`'s checks, except that an assertion whose signature is
 * missing or does not verify is signed afresh with `signer` (NIR's key) and then validated, so the
 * gateway believes whatever an assertion says as long as the rest of it holds.
 */
export function signatureBlind(real: XuaValidator, signer: SigningCredential): XuaValidator {
  return {
    policy: real.policy,
    validate(env, rawXml, now) {
      try {
        return real.validate(env, rawXml, now);
      } catch (err) {
        if (!(err instanceof XuaError) || !['unsigned', 'bad-signature'].includes(err.failure)) throw err;
        const found = findSecurityHeader(env.headerBlocks, env.document);
        if (!found.ok) throw err;
        const text = verbatimXml(found.assertion);
        const bare = text.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
        const resigned = rawXml.replace(text, signAssertion(bare, signer));
        const again = parseSoapEnvelope(parseXml(resigned), [], { enforceMustUnderstand: false });
        return real.validate(again, resigned, now);
      }
    },
  };
}

/** `real`'s policy with `over` applied (a gateway configured too leniently, e.g. hours of clock skew). */
export function withPolicy(real: XuaValidator, over: Partial<XuaPolicy>): XuaValidator {
  return createXuaValidator({ ...real.policy, ...over });
}

/**
 * A misbehaving X-Service Provider that does not check AudienceRestriction (SAML 2.0 Core
 * §2.5.1.4): an assertion refused as `wrong-audience` is validated again under a policy that
 * also answers to the audiences it names; every other check stays `real`'s.
 */
export function audienceBlind(real: XuaValidator): XuaValidator {
  return {
    policy: real.policy,
    validate(env, rawXml, now) {
      try {
        return real.validate(env, rawXml, now);
      } catch (err) {
        if (!(err instanceof XuaError) || err.failure !== 'wrong-audience') throw err;
        const found = findSecurityHeader(env.headerBlocks, env.document);
        if (!found.ok) throw err;
        const named = [...found.assertion.getElementsByTagNameNS(SamlNs.saml2, 'Audience')].map((a) =>
          textOf(a),
        );
        return withPolicy(real, { audiences: [...real.policy.audiences, ...named] }).validate(
          env,
          rawXml,
          now,
        );
      }
    },
  };
}

/** A listening purpose-built gateway. */
export interface BareGateway {
  url: string;
  stop(): Promise<void>;
}

/**
 * The XCA responding gateway of `community` (XUA on with `xua`) behind HTTPS that never asks for
 * a client certificate (a gateway without mutual TLS): it presents `server`.
 */
export async function startGatewayWithoutClientAuth(
  community: CommunityData,
  server: PemPair,
  xua: XuaValidator,
): Promise<BareGateway> {
  const app = createRespondingGateway({ community, logger: silentLogger(), maxBodyBytes: 1 << 20, xua });
  const s = https.createServer({ cert: server.certPem, key: server.keyPem, requestCert: false }, app);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(s.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      }),
  };
}
