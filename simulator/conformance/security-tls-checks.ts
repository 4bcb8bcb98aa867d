/**
 * The TLS provider checks: the supplier's responding gateway authenticates NIR by its client
 * certificate (mutual TLS; IHE ITI TF-2 3.19.6.1, ATNA Authenticate Node; ITI TF-1 9) and
 * refuses what RFC 5280 §6.1 path validation refuses (no certificate, no path to NIR's root, a
 * revoked or an expired certificate), and NIR can verify the gateway's own certificate. Each
 * sends the probe of security-request.ts with the TLS material it tests.
 */
import { result, type CheckDefinition, type CheckResult } from './check.js';
import type { ProviderCheck, ProviderContext, ProviderSecurity } from './provider-check.js';
import { mintExpiredNirClient, mintUntrustedClient } from './security-material.js';
import { sendProbe, type ProbeOverrides } from './security-request.js';
import { isWssFault, securityVerdict, serverCertSkip } from './security-verdict.js';

const ATNA = 'IHE ITI TF-2 3.19.6.1 (ATNA Authenticate Node, mutual TLS); ITI TF-1 9';

/** The message of a security check run without `--security`. */
export const NO_SECURITY = 'not run: --security was not given (NIR certificates and XUA signer needed)';

const def = (d: Omit<CheckDefinition, 'area'>): CheckDefinition => ({ area: 'security', ...d });

function plainHttp(ctx: ProviderContext): boolean {
  return new URL(ctx.target.iti38Url).protocol === 'http:';
}

function plainHttpFailure(id: string, ctx: ProviderContext): CheckResult {
  return result(
    id,
    'failed',
    `the ITI-38 endpoint ${ctx.target.iti38Url} is plain HTTP: NIR connects to responding gateways only over mutual TLS (https:)`,
  );
}

/** A check whose refusal of NIR's request shows the gateway verifies client certificates. */
function refusalCheck(
  definition: CheckDefinition,
  what: string,
  material: (sec: ProviderSecurity, ctx: ProviderContext) => Promise<ProbeOverrides | string>,
): ProviderCheck {
  const id = definition.id;
  return {
    definition,
    async run(ctx) {
      if (!ctx.security) return result(id, 'skipped', NO_SECURITY);
      if (plainHttp(ctx)) return plainHttpFailure(id, ctx);
      const over = await material(ctx.security, ctx);
      if (typeof over === 'string') return result(id, 'skipped', over);
      const sent = await sendProbe(ctx, id, what, over);
      const v = securityVerdict(sent);
      const ex = [sent.record.name];
      switch (v.kind) {
        case 'refused':
          return result(id, 'passed', `refused ${what}: ${v.how}`, ex);
        case 'accepted':
          return result(
            id,
            'failed',
            `accepted ${what}: ${v.what}; it must refuse it before returning any data`,
            ex,
          );
        case 'server-cert':
          return result(id, 'skipped', serverCertSkip(v), ex);
        case 'inconclusive':
          return result(id, 'failed', `sent ${what} and got ${v.why}, not a refusal`, ex);
      }
    },
  };
}

const serverCert: ProviderCheck = {
  definition: def({
    id: 'SEC-TLS-SERVER-CERT',
    title: 'NIR can verify the gateway server certificate',
    given: "NIR trusts the supplier's CA (and its CRL) as agreed at onboarding",
    when: "NIR opens a TLS connection to the gateway's ITI-38 endpoint",
    then: 'the gateway presents a certificate that chains to that CA, is in date, is not revoked and names the host NIR connects to',
    source: `${ATNA}; RFC 5280 §6.1; RFC 6125 §6`,
  }),
  async run(ctx) {
    const id = 'SEC-TLS-SERVER-CERT';
    if (!ctx.security) return result(id, 'skipped', NO_SECURITY);
    if (plainHttp(ctx)) return plainHttpFailure(id, ctx);
    const sent = await sendProbe(ctx, id, 'server certificate');
    const v = securityVerdict(sent);
    const ex = [sent.record.name];
    if (v.kind === 'server-cert')
      return result(
        id,
        'failed',
        `NIR's side refused the gateway's server certificate: ${v.code} (${v.detail})`,
        ex,
      );
    if (sent.record.response)
      return result(
        id,
        'passed',
        `the gateway's server certificate verified against the CAs and CRLs given (HTTP ${sent.record.response.status})`,
        ex,
      );
    if (v.kind === 'refused')
      return result(id, 'passed', `the gateway's server certificate verified; then ${v.how}`, ex);
    return result(
      id,
      'failed',
      `no TLS session with the gateway: ${v.kind === 'inconclusive' ? v.why : v.kind}`,
      ex,
    );
  },
};

const valid: ProviderCheck = {
  definition: def({
    id: 'SEC-TLS-VALID',
    title: "Accepts NIR's valid client certificate",
    given: "the gateway trusts NIR's root CA and holds NIR's current CRL",
    when: 'NIR sends an ITI-38 query over mutual TLS with its valid client certificate (and a valid XUA assertion)',
    then: 'the gateway completes the handshake and answers the query',
    source: ATNA,
    items: ['UAT-01'],
  }),
  async run(ctx) {
    const id = 'SEC-TLS-VALID';
    if (!ctx.security) return result(id, 'skipped', NO_SECURITY);
    if (plainHttp(ctx)) return plainHttpFailure(id, ctx);
    const sent = await sendProbe(ctx, id, 'valid client certificate');
    const v = securityVerdict(sent);
    const ex = [sent.record.name];
    switch (v.kind) {
      case 'accepted':
        return result(id, 'passed', `accepted NIR's valid client certificate: ${v.what}`, ex);
      case 'refused':
        // A WS-Security fault comes from the SOAP layer: TLS let NIR in, XUA refused (SEC-XUA-VALID).
        if (v.fault && isWssFault(v.fault))
          return result(
            id,
            'passed',
            `accepted NIR's valid client certificate: the request reached the SOAP layer, which answered ${v.how} (see SEC-XUA-VALID)`,
            ex,
          );
        return result(id, 'failed', `refused NIR's valid client certificate: ${v.how}`, ex);
      case 'server-cert':
        return result(id, 'skipped', serverCertSkip(v), ex);
      case 'inconclusive':
        return result(id, 'failed', `sent NIR's valid client certificate and got ${v.why}`, ex);
    }
  },
};

const noCert = refusalCheck(
  def({
    id: 'SEC-TLS-NO-CERT',
    title: 'Refuses a connection without a client certificate',
    given: 'the gateway requires mutual TLS',
    when: 'NIR connects without presenting a client certificate',
    then: 'the gateway refuses the handshake or the request before returning any data',
    source: ATNA,
  }),
  'a connection without a client certificate',
  () => Promise.resolve({ tls: null }),
);

const untrusted = refusalCheck(
  def({
    id: 'SEC-TLS-UNTRUSTED',
    title: 'Refuses a client certificate from an untrusted root',
    given: "the gateway trusts NIR's root CA only",
    when: "NIR's client name is presented in a certificate issued by another root",
    then: 'the gateway refuses the handshake or the request before returning any data',
    source: `${ATNA}; RFC 5280 §6.1`,
  }),
  'a client certificate from an untrusted root',
  async (sec, ctx) => ({ tls: { ...sec.tls, ...(await mintUntrustedClient(new Date(ctx.clock.now()))) } }),
);

const revoked = refusalCheck(
  def({
    id: 'SEC-TLS-REVOKED',
    title: "Refuses a NIR client certificate on NIR's CRL",
    given: "the gateway holds NIR's current CRL",
    when: 'NIR connects with a client certificate from its root that the CRL lists',
    then: 'the gateway refuses the handshake or the request before returning any data',
    source: `${ATNA}; RFC 5280 §5 and §6.3`,
  }),
  "a client certificate NIR's CRL lists",
  (sec) =>
    Promise.resolve(
      sec.revokedClient
        ? { tls: { ...sec.tls, ...sec.revokedClient } }
        : 'not run: the NIR material has no revoked client certificate (conformance/security-material.ts mints one)',
    ),
);

const expired = refusalCheck(
  def({
    id: 'SEC-TLS-EXPIRED',
    title: 'Refuses an expired NIR client certificate',
    given: "the gateway trusts NIR's root CA",
    when: 'NIR connects with a client certificate from its root whose notAfter has passed',
    then: 'the gateway refuses the handshake or the request before returning any data',
    source: `${ATNA}; RFC 5280 §4.1.2.5 and §6.1.3`,
  }),
  'an expired client certificate',
  async (sec, ctx) => ({
    tls: { ...sec.tls, ...(await mintExpiredNirClient(sec.nirCa, new Date(ctx.clock.now()))) },
  }),
);

/** In the order the report shows them: NIR's view of the gateway first, then the gateway's of NIR. */
export const tlsChecks: readonly ProviderCheck[] = [serverCert, valid, noCert, untrusted, revoked, expired];
