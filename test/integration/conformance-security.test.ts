/**
 * Self-test of the kit's security checks (docs/conformance.md): against the default pack's
 * simulated community with security on, every SEC- check passes; each misbehaving gateway (security
 * off, no client certificate asked for, no CRL, XUA signature not checked, the gateway's own
 * certificate expired or from an untrusted root) fails exactly the checks that describe it, with a
 * message that says what was seen.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../simulator/conformance/check.js';
import type { ProviderSecurity, ProviderTarget } from '../../simulator/conformance/provider-check.js';
import { securityChecks } from '../../simulator/conformance/security-checks.js';
import {
  loadProviderSecurity,
  RevokedNirClientFiles,
} from '../../simulator/conformance/security-material.js';
import { buildTestData } from '../../simulator/conformance/test-data-build.js';
import type { ConformanceTestData } from '../../simulator/conformance/test-data.js';
import { startRespondingGateway, type RunningGateway } from '../../simulator/gateway/gateway-server.js';
import { securityFromDirectory, type SecurityRuntime } from '../../simulator/runtime/security-runtime.js';
import { NirFiles } from '../../simulator/security/cert-layout.js';
import { crlSerials, serialOf } from '../../simulator/security/pki.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { SimError, SimErrorCode } from '../../simulator/shared/errors.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { xcaEndpoints } from '../../simulator/shared/xca-endpoints.js';
import {
  audienceBlind,
  outcomes,
  providerContext,
  runChecks,
  signatureBlind,
  startGatewayWithoutClientAuth,
  withPolicy,
  type BareGateway,
} from '../helpers/conformance-security.js';
import {
  mintCertDir,
  startSecureTopology,
  type CertDir,
  type SecureTopology,
} from '../helpers/security-fixtures.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';

const IDS = [
  'SEC-TLS-SERVER-CERT',
  'SEC-TLS-VALID',
  'SEC-TLS-NO-CERT',
  'SEC-TLS-UNTRUSTED',
  'SEC-TLS-REVOKED',
  'SEC-TLS-EXPIRED',
  'SEC-XUA-VALID',
  'SEC-XUA-MISSING',
  'SEC-XUA-EXPIRED',
  'SEC-XUA-NOT-YET-VALID',
  'SEC-XUA-WRONG-AUDIENCE',
  'SEC-XUA-UNSIGNED',
  'SEC-XUA-TAMPERED',
];

/** Every check `passed`, except those named. */
function allPassedBut(changed: Record<string, 'failed' | 'skipped'>): Record<string, string> {
  return Object.fromEntries(IDS.map((id) => [id, changed[id] ?? 'passed']));
}

const byId = (rs: readonly CheckResult[], id: string): CheckResult => rs.find((r) => r.id === id)!;

/** The message of a TLS refusal: a handshake alert or the connection closed before any HTTP answer. */
const tlsRefusal = (what: string): RegExp =>
  new RegExp(
    `^refused ${what}: (the TLS handshake failed \\(ERR_SSL_[A-Z0-9_]+\\)|the gateway closed the connection before any HTTP answer \\(.+\\))$`,
  );

const FAILED_AUTH =
  'HTTP 400, env:Sender / wsse:FailedAuthentication: "The security token could not be authenticated or authorized"';
const INVALID_SECURITY =
  'HTTP 400, env:Sender / wsse:InvalidSecurity: "An error was discovered processing the <wsse:Security> header"';

let certs: CertDir;
let topo: SecureTopology;
let security: ProviderSecurity;
let testData: ConformanceTestData;
let target: ProviderTarget;

beforeAll(async () => {
  certs = await mintCertDir();
  topo = await startSecureTopology(certs);
  const c = topo.running.communities[0]!;
  target = {
    iti38Url: c.endpoints['ITI-38']!,
    iti39Url: c.endpoints['ITI-39']!,
    homeCommunityId: c.homeCommunityId,
  };
  testData = buildTestData(topo.pack, c.name);
  security = await loadProviderSecurity(certs.dir, {
    homeCommunityId: c.homeCommunityId,
    clock: systemClock,
  });
});

afterAll(async () => {
  await topo?.running.stop();
  certs?.remove();
});

describe('NIR security material', () => {
  it('mints a NIR client certificate that NIR CRL lists, once', async () => {
    const serial = serialOf(security.revokedClient!.certPem);
    expect(crlSerials(certs.read(NirFiles.rootCrl))).toContain(serial);
    expect(certs.read(RevokedNirClientFiles.cert)).toBe(security.revokedClient!.certPem);
    const again = await loadProviderSecurity(certs.dir, {
      homeCommunityId: target.homeCommunityId,
      clock: systemClock,
    });
    expect(again.revokedClient).toEqual(security.revokedClient);
    expect(again.tls).toEqual(security.tls);
  });

  it('says what to do when the set cannot be written', async () => {
    const copy = await mintCertDir();
    try {
      mkdirSync(path.join(copy.dir, RevokedNirClientFiles.key));
      await expect(
        loadProviderSecurity(copy.dir, {
          homeCommunityId: target.homeCommunityId,
          clock: systemClock,
          crlSettleMs: 0,
        }),
      ).rejects.toThrow(
        new SimError(
          SimErrorCode.BadArgument,
          `cannot add a revoked NIR client certificate to the certificate set at ${copy.dir} (EISDIR: illegal operation on a directory, open '${path.join(copy.dir, RevokedNirClientFiles.key)}'): make the directory writable once, or run the kit against a copy of it`,
        ),
      );
    } finally {
      copy.remove();
    }
  });
});

describe('security checks', () => {
  it('are skipped, saying why, without --security', async () => {
    const results = await runChecks(securityChecks, providerContext(target, testData));
    expect(results).toEqual(
      IDS.map((id) => ({
        id,
        outcome: 'skipped',
        message: 'not run: --security was not given (NIR certificates and XUA signer needed)',
        exchanges: [],
      })),
    );
  });

  it('all pass against the simulated community with security on', async () => {
    const results = await runChecks(securityChecks, providerContext(target, testData, security));
    expect(outcomes(results)).toEqual(allPassedBut({}));
    expect(results.map((r) => r.exchanges)).toEqual([
      ['SEC-TLS-SERVER-CERT-01-server-certificate'],
      ['SEC-TLS-VALID-01-valid-client-certificate'],
      ['SEC-TLS-NO-CERT-01-a-connection-without-a-client-certificate'],
      ['SEC-TLS-UNTRUSTED-01-a-client-certificate-from-an-untrusted-root'],
      ['SEC-TLS-REVOKED-01-a-client-certificate-nir-s-crl-lists'],
      ['SEC-TLS-EXPIRED-01-an-expired-client-certificate'],
      ['SEC-XUA-VALID-01-valid-assertion'],
      ['SEC-XUA-MISSING-01-no-security-header', 'SEC-XUA-MISSING-02-security-header-without-assertion'],
      ['SEC-XUA-EXPIRED-01-expired-assertion'],
      ['SEC-XUA-NOT-YET-VALID-01-not-yet-valid-assertion'],
      ['SEC-XUA-WRONG-AUDIENCE-01-wrong-audience'],
      ['SEC-XUA-UNSIGNED-01-unsigned-assertion'],
      ['SEC-XUA-TAMPERED-01-tampered-assertion'],
    ]);
    const m = (id: string): string => byId(results, id).message;
    expect(m('SEC-TLS-SERVER-CERT')).toBe(
      "the gateway's server certificate verified against the CAs and CRLs given (HTTP 200)",
    );
    expect(m('SEC-TLS-VALID')).toBe(
      "accepted NIR's valid client certificate: HTTP 200 with AdhocQueryResponse",
    );
    expect(m('SEC-TLS-NO-CERT')).toMatch(tlsRefusal('a connection without a client certificate'));
    expect(m('SEC-TLS-UNTRUSTED')).toMatch(tlsRefusal('a client certificate from an untrusted root'));
    expect(m('SEC-TLS-REVOKED')).toMatch(tlsRefusal("a client certificate NIR's CRL lists"));
    expect(m('SEC-TLS-EXPIRED')).toMatch(tlsRefusal('an expired client certificate'));
    expect(m('SEC-XUA-VALID')).toBe("accepted NIR's signed assertion: HTTP 200 with AdhocQueryResponse");
    expect(m('SEC-XUA-MISSING')).toBe(
      `refused a request without an assertion with a SOAP Fault: ${INVALID_SECURITY}; ${INVALID_SECURITY}`,
    );
    expect(m('SEC-XUA-EXPIRED')).toBe(`refused an expired assertion with a SOAP Fault: ${FAILED_AUTH}`);
    expect(m('SEC-XUA-NOT-YET-VALID')).toBe(
      `refused an assertion that is not yet valid with a SOAP Fault: ${FAILED_AUTH}`,
    );
    expect(m('SEC-XUA-WRONG-AUDIENCE')).toBe(
      `refused an assertion for another audience with a SOAP Fault: ${FAILED_AUTH}`,
    );
    expect(m('SEC-XUA-UNSIGNED')).toBe(`refused an unsigned assertion with a SOAP Fault: ${FAILED_AUTH}`);
    expect(m('SEC-XUA-TAMPERED')).toBe(
      `refused an assertion altered after signing with a SOAP Fault: ${FAILED_AUTH}`,
    );
    // Each refusal was seen as the gateway logged it: the XUA failure it names.
    const refused = topo.lines.filter((l) => l['msg'] === 'TLS client refused').map((l) => l['problem']);
    expect(refused).toEqual(expect.arrayContaining(['no-certificate', 'unknown-ca', 'revoked', 'expired']));
  });
});

describe('security checks against a misbehaving gateway', () => {
  let plain: TestTopology;
  let sec: SecurityRuntime;
  let noClientAuth: BareGateway;
  let noCrl: RunningGateway;
  let blind: RunningGateway;

  beforeAll(async () => {
    plain = await startTestTopology({ simulated: 1 });
    const c = topo.pack.communities[0]!;
    sec = securityFromDirectory(certs.dir, [c.name], { certsDir: certs.dir, crlPollMs: 100 }, silentLogger());
    const g = sec.gateway(c.name, c.homeCommunityId);
    noClientAuth = await startGatewayWithoutClientAuth(c, g.tls.server.good, g.xua);
    const common = {
      community: c,
      logger: silentLogger(),
      maxBodyBytes: 1 << 20,
      host: '127.0.0.1',
      port: 0,
    };
    noCrl = await startRespondingGateway({
      ...common,
      tls: { ...g.tls, crlFiles: [] },
      xua: sec.gateway(c.name, c.homeCommunityId).xua,
    });
    blind = await startRespondingGateway({
      ...common,
      tls: g.tls,
      xua: signatureBlind(sec.gateway(c.name, c.homeCommunityId).xua, sec.material.nir.signing),
    });
  });

  afterAll(async () => {
    await Promise.all([plain?.running.stop(), noClientAuth?.stop(), noCrl?.stop(), blind?.stop()]);
    sec?.stop();
  });

  const at = (url: string): ProviderTarget => ({
    iti38Url: xcaEndpoints(url)['ITI-38'],
    iti39Url: xcaEndpoints(url)['ITI-39'],
    homeCommunityId: target.homeCommunityId,
  });

  it('security off (plain HTTP, no XUA) fails every TLS check and every XUA check', async () => {
    const c = plain.running.communities[0]!;
    const t = {
      iti38Url: c.endpoints['ITI-38']!,
      iti39Url: c.endpoints['ITI-39']!,
      homeCommunityId: c.homeCommunityId,
    };
    const results = await runChecks(securityChecks, providerContext(t, testData, security));
    expect(outcomes(results)).toEqual(Object.fromEntries(IDS.map((id) => [id, 'failed'])));
    const plainHttp = `the ITI-38 endpoint ${t.iti38Url} is plain HTTP: NIR connects to responding gateways only over mutual TLS (https:)`;
    for (const id of IDS.filter((i) => i.startsWith('SEC-TLS-')))
      expect(byId(results, id)).toEqual({ id, outcome: 'failed', message: plainHttp, exchanges: [] });
    expect(byId(results, 'SEC-XUA-VALID')).toEqual({
      id: 'SEC-XUA-VALID',
      outcome: 'failed',
      message: expect.stringMatching(
        /^refused NIR's valid signed assertion: HTTP 500 with a SOAP Fault \(env:MustUnderstand: ".+"\)$/,
      ) as string,
      exchanges: ['SEC-XUA-VALID-01-valid-assertion'],
    });
    expect(byId(results, 'SEC-XUA-MISSING')).toEqual({
      id: 'SEC-XUA-MISSING',
      outcome: 'failed',
      message:
        'accepted a request without an assertion (no security header): HTTP 200 with AdhocQueryResponse; it must answer a SOAP Fault (wsse:InvalidSecurity or wsse:FailedAuthentication)',
      exchanges: ['SEC-XUA-MISSING-01-no-security-header'],
    });
    expect(byId(results, 'SEC-XUA-UNSIGNED').message).toMatch(
      /^refused an unsigned assertion with env:MustUnderstand: ".+": expected env:Sender with a wsse: subcode of WSS 1.1 §12/,
    );
  });

  it('a gateway that asks for no client certificate fails the four refusal checks', async () => {
    const results = await runChecks(
      securityChecks,
      providerContext(at(noClientAuth.url), testData, security),
    );
    expect(outcomes(results)).toEqual(
      allPassedBut({
        'SEC-TLS-NO-CERT': 'failed',
        'SEC-TLS-UNTRUSTED': 'failed',
        'SEC-TLS-REVOKED': 'failed',
        'SEC-TLS-EXPIRED': 'failed',
      }),
    );
    expect(byId(results, 'SEC-TLS-NO-CERT')).toEqual({
      id: 'SEC-TLS-NO-CERT',
      outcome: 'failed',
      message:
        'accepted a connection without a client certificate: HTTP 200 with AdhocQueryResponse; it must refuse it before returning any data',
      exchanges: ['SEC-TLS-NO-CERT-01-a-connection-without-a-client-certificate'],
    });
  });

  it('a gateway without NIR CRL fails SEC-TLS-REVOKED only', async () => {
    const results = await runChecks(securityChecks, providerContext(at(noCrl.url), testData, security));
    expect(outcomes(results)).toEqual(allPassedBut({ 'SEC-TLS-REVOKED': 'failed' }));
    expect(byId(results, 'SEC-TLS-REVOKED')).toEqual({
      id: 'SEC-TLS-REVOKED',
      outcome: 'failed',
      message:
        "accepted a client certificate NIR's CRL lists: HTTP 200 with AdhocQueryResponse; it must refuse it before returning any data",
      exchanges: ['SEC-TLS-REVOKED-01-a-client-certificate-nir-s-crl-lists'],
    });
  });

  it('a gateway that does not verify XUA signatures fails SEC-XUA-UNSIGNED and SEC-XUA-TAMPERED only', async () => {
    const results = await runChecks(securityChecks, providerContext(at(blind.url), testData, security));
    expect(outcomes(results)).toEqual(
      allPassedBut({ 'SEC-XUA-UNSIGNED': 'failed', 'SEC-XUA-TAMPERED': 'failed' }),
    );
    expect(byId(results, 'SEC-XUA-UNSIGNED')).toEqual({
      id: 'SEC-XUA-UNSIGNED',
      outcome: 'failed',
      message:
        'accepted an unsigned assertion: HTTP 200 with AdhocQueryResponse; it must answer a SOAP Fault (wsse:InvalidSecurity or wsse:FailedAuthentication)',
      exchanges: ['SEC-XUA-UNSIGNED-01-unsigned-assertion'],
    });
    expect(byId(results, 'SEC-XUA-TAMPERED')).toEqual({
      id: 'SEC-XUA-TAMPERED',
      outcome: 'failed',
      message:
        'accepted an assertion altered after signing: HTTP 200 with AdhocQueryResponse; it must answer a SOAP Fault (wsse:InvalidSecurity or wsse:FailedAuthentication)',
      exchanges: ['SEC-XUA-TAMPERED-01-tampered-assertion'],
    });
  });

  /** A gateway over the first community, changed by `over`, for one test. */
  async function misbehaving(
    over: (
      g: ReturnType<SecurityRuntime['gateway']>,
    ) => Partial<Parameters<typeof startRespondingGateway>[0]>,
  ): Promise<RunningGateway> {
    const c = topo.pack.communities[0]!;
    const g = sec.gateway(c.name, c.homeCommunityId);
    return startRespondingGateway({
      community: c,
      logger: silentLogger(),
      maxBodyBytes: 1 << 20,
      host: '127.0.0.1',
      port: 0,
      tls: g.tls,
      xua: g.xua,
      ...over(g),
    });
  }

  const accepted = (what: string): string =>
    `accepted ${what}: HTTP 200 with AdhocQueryResponse; it must answer a SOAP Fault (wsse:InvalidSecurity or wsse:FailedAuthentication)`;

  it('a gateway tolerating hours of clock skew fails SEC-XUA-EXPIRED and SEC-XUA-NOT-YET-VALID only', async () => {
    const g = await misbehaving((s) => ({ xua: withPolicy(s.xua, { clockSkewMs: 3 * 3_600_000 }) }));
    try {
      const results = await runChecks(securityChecks, providerContext(at(g.url), testData, security));
      expect(outcomes(results)).toEqual(
        allPassedBut({ 'SEC-XUA-EXPIRED': 'failed', 'SEC-XUA-NOT-YET-VALID': 'failed' }),
      );
      expect(byId(results, 'SEC-XUA-EXPIRED')).toEqual({
        id: 'SEC-XUA-EXPIRED',
        outcome: 'failed',
        message: accepted('an expired assertion'),
        exchanges: ['SEC-XUA-EXPIRED-01-expired-assertion'],
      });
      expect(byId(results, 'SEC-XUA-NOT-YET-VALID')).toEqual({
        id: 'SEC-XUA-NOT-YET-VALID',
        outcome: 'failed',
        message: accepted('an assertion that is not yet valid'),
        exchanges: ['SEC-XUA-NOT-YET-VALID-01-not-yet-valid-assertion'],
      });
    } finally {
      await g.stop();
    }
  });

  it('a gateway that does not check the audience fails SEC-XUA-WRONG-AUDIENCE only', async () => {
    const g = await misbehaving((s) => ({ xua: audienceBlind(s.xua) }));
    try {
      const results = await runChecks(securityChecks, providerContext(at(g.url), testData, security));
      expect(outcomes(results)).toEqual(allPassedBut({ 'SEC-XUA-WRONG-AUDIENCE': 'failed' }));
      expect(byId(results, 'SEC-XUA-WRONG-AUDIENCE')).toEqual({
        id: 'SEC-XUA-WRONG-AUDIENCE',
        outcome: 'failed',
        message: accepted('an assertion for another audience'),
        exchanges: ['SEC-XUA-WRONG-AUDIENCE-01-wrong-audience'],
      });
    } finally {
      await g.stop();
    }
  });

  it('a gateway that does not trust NIR signing certificate fails SEC-XUA-VALID only', async () => {
    const supplierSigner = certs.read('supplier/signing.pem');
    const g = await misbehaving((s) => ({ xua: withPolicy(s.xua, { trustedSigners: [supplierSigner] }) }));
    try {
      const results = await runChecks(securityChecks, providerContext(at(g.url), testData, security));
      expect(outcomes(results)).toEqual(allPassedBut({ 'SEC-XUA-VALID': 'failed' }));
      expect(byId(results, 'SEC-XUA-VALID')).toEqual({
        id: 'SEC-XUA-VALID',
        outcome: 'failed',
        message: `refused NIR's valid signed assertion: HTTP 400 with a SOAP Fault (${FAILED_AUTH.replace('HTTP 400, ', '')})`,
        exchanges: ['SEC-XUA-VALID-01-valid-assertion'],
      });
      expect(byId(results, 'SEC-TLS-VALID').message).toBe(
        `accepted NIR's valid client certificate: the request reached the SOAP layer, which answered HTTP 400 with a SOAP Fault (${FAILED_AUTH.replace('HTTP 400, ', '')}) (see SEC-XUA-VALID)`,
      );
    } finally {
      await g.stop();
    }
  });

  it("a gateway that does not trust NIR's root fails SEC-TLS-VALID, and no XUA check can be shown", async () => {
    const supplierRoot = certs.read('supplier/root-ca.pem');
    const g = await misbehaving((s) => ({ tls: { ...s.tls, clientCaPem: supplierRoot } }));
    try {
      const results = await runChecks(securityChecks, providerContext(at(g.url), testData, security));
      expect(outcomes(results)).toEqual(
        Object.fromEntries(
          IDS.map((id) => [id, id === 'SEC-TLS-VALID' || id.startsWith('SEC-XUA-') ? 'failed' : 'passed']),
        ),
      );
      expect(byId(results, 'SEC-TLS-VALID')).toEqual({
        id: 'SEC-TLS-VALID',
        outcome: 'failed',
        message: expect.stringMatching(
          /^refused NIR's valid client certificate: the gateway closed the connection before any HTTP answer \(.+\)$/,
        ) as string,
        exchanges: ['SEC-TLS-VALID-01-valid-client-certificate'],
      });
      expect(byId(results, 'SEC-XUA-UNSIGNED').message).toMatch(
        /^refused an unsigned assertion with the gateway closed the connection before any HTTP answer \(.+\), not with a SOAP Fault carrying a WS-Security fault code$/,
      );
    } finally {
      await g.stop();
    }
  });

  it.each([
    ['cert-expired', 'CERT_HAS_EXPIRED'],
    ['cert-untrusted', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['cert-revoked', 'CERT_REVOKED'],
  ])(
    'the %s fault (the gateway own certificate) fails SEC-TLS-SERVER-CERT; the rest cannot run',
    async (kind, code) => {
      const gateway = topo.running.communities[0]!.name;
      const added = topo.faults.add({ name: `conformance-${kind}`, gateway, kind });
      expect(added).toMatchObject({ ok: true });
      try {
        const results = await runChecks(securityChecks, providerContext(target, testData, security));
        expect(outcomes(results)).toEqual(
          Object.fromEntries(IDS.map((id) => [id, id === 'SEC-TLS-SERVER-CERT' ? 'failed' : 'skipped'])),
        );
        expect(byId(results, 'SEC-TLS-SERVER-CERT')).toEqual({
          id: 'SEC-TLS-SERVER-CERT',
          outcome: 'failed',
          message: expect.stringMatching(
            new RegExp(`^NIR's side refused the gateway's server certificate: ${code} \\(.+\\)$`),
          ) as string,
          exchanges: ['SEC-TLS-SERVER-CERT-01-server-certificate'],
        });
        expect(byId(results, 'SEC-XUA-TAMPERED')).toEqual({
          id: 'SEC-XUA-TAMPERED',
          outcome: 'skipped',
          message: `not shown: NIR's side could not verify the gateway's server certificate (${code}), so no request reached it; SEC-TLS-SERVER-CERT says why`,
          exchanges: ['SEC-XUA-TAMPERED-01-tampered-assertion'],
        });
      } finally {
        topo.faults.remove(`conformance-${kind}`);
      }
    },
  );
});
