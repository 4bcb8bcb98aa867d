/**
 * Security for the in-process runtime (docs/security.md): deciding whether it is on, making sure the
 * certificate set exists, and building what the broker and the gateways need from it: the
 * gateways' HTTPS + XUA settings, the broker's mTLS agent for its legs, the signer of the
 * assertions it forwards, and the integration listener (HTTPS, mutual TLS with CRLs reloaded
 * when their files change, XUA with default deny).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../shared/package-root.js';
import { xcaEndpoints } from '../shared/xca-endpoints.js';
import type { BrokerContext } from '../broker/context.js';
import { createIntegrationApp } from '../broker/integration-app.js';
import { ForwardedAssertions } from '../broker/forwarded-assertions.js';
import { FORWARDED_LIFETIME_MS, type AssertionForwarder } from '../broker/xua-forward.js';
import type { GatewayTls } from '../gateway/gateway-server.js';
import { personIdProblem } from '../gateway/mhd-access.js';
import { certificatesExist, loadSecurityMaterial, type SecurityMaterial } from '../security/cert-layout.js';
import { ensureCertificateSet } from '../security/cert-mint.js';
import { watchCrlFiles, type Unwatch } from '../security/crl-watch.js';
import { listenHttps, type HttpsListener } from '../security/https-listen.js';
import { iuaPolicy } from '../security/iua-claims.js';
import { createIuaValidator, type IuaValidator } from '../security/iua-validate.js';
import {
  DEFAULT_PURPOSES,
  DEFAULT_ROLES,
  NIR_BROKER_AUDIENCE,
  NIR_SANDBOX_IDENTITY,
  xuaPolicy,
  type CodeRule,
} from '../security/saml.js';
import { ReplayCache } from '../security/replay-cache.js';
import { VerifiedSignatureCache } from '../security/verified-signatures.js';
import { createXuaValidator, type XuaValidator } from '../security/xua-validate.js';
import type { Logger } from '../shared/logger.js';
import { HttpAgent } from '../transport/http-client.js';
import type { Topology, TopologySecurity } from '../topology/topology.js';

/** Offset from the broker's sandbox port to its integration port (8080 -> 8443). */
export const INTEGRATION_PORT_OFFSET = 363;

/** The default certificate directory: `NIR_SIM_CERTS_DIR`, else `<repo>/certs/out`. */
export function defaultCertsDir(): string {
  return process.env['NIR_SIM_CERTS_DIR'] ?? path.join(packageRoot, 'certs', 'out');
}

/** The integration port for a broker sandbox port: +363, or 0 when it is 0. */
export function defaultIntegrationPort(brokerPort: number): number {
  return brokerPort === 0 ? 0 : brokerPort + INTEGRATION_PORT_OFFSET;
}

/** The security settings in force for `topology`, or undefined when security is off. */
export function resolveSecurity(topology: Topology): TopologySecurity | undefined {
  const s = topology.security;
  if (s === false) return undefined;
  if (s === true) return {};
  if (s !== undefined) return s;
  return topology.broker.port !== 0 && certificatesExist(defaultCertsDir()) ? {} : undefined;
}

/** The integration listener, as the running topology reports it. */
export interface RunningIntegration {
  url: string;
  endpoints: { 'ITI-38': string; 'ITI-39': string; 'RAD-75': string };
  stop(): Promise<void>;
}

/** What the runtime wires in when security is on. */
export interface SecurityRuntime {
  material: SecurityMaterial;
  /** The mutual-TLS agent for https: community legs (broker client certificate, community CAs and CRLs). */
  httpsAgent: HttpAgent;
  /** The broker's signer of forwarded assertions (NIR signing key). */
  forward: AssertionForwarder;
  /** The signature verifications the gateways' XUA validators of this process share (counters for status and tests). */
  verifiedSignatures: VerifiedSignatureCache;
  /**
   * HTTPS and XUA settings of one simulated gateway, and the IUA validator an MHD community checks
   * the broker's leg tokens with (gateway-server.ts `iua`). `aliases`: other FHIR bases the
   * community is known by (a container's, by its service name), accepted as audiences too.
   */
  gateway(name: string, homeCommunityId: string, aliases?: (fhirBase: string) => string[]): GatewaySecurity;
  /** Start the integration listener over `context` (the broker's). */
  startIntegration(
    context: BrokerContext,
    host: string,
    port: number,
    maxBodyBytes: number,
  ): Promise<RunningIntegration>;
  stop(): void;
}

const SANDBOX_FORWARDED = { roles: [DEFAULT_ROLES[0]!], purposes: [{ code: 'TREATMENT' }] };

/** The XUA policy settings of a topology, defaults filled in. */
interface PolicySettings {
  roles: readonly CodeRule[];
  purposes: readonly CodeRule[];
  skew: { clockSkewMs?: number };
}

function policySettings(s: TopologySecurity): PolicySettings {
  return {
    roles: s.xua?.allowedRoles ?? DEFAULT_ROLES,
    purposes: s.xua?.allowedPurposes ?? DEFAULT_PURPOSES,
    skew: s.xua?.clockSkewMs !== undefined ? { clockSkewMs: s.xua.clockSkewMs } : {},
  };
}

/** Call `reload` when any of `files` changes; a failed reload is logged and the previous state kept. */
function followCrls(
  files: readonly string[],
  reload: () => void,
  what: string,
  logger: Logger,
  pollMs?: number,
): Unwatch {
  return watchCrlFiles(
    files,
    () => {
      try {
        reload();
        logger.info({ files }, `${what}: CRLs reloaded`);
      } catch (err) {
        logger.warn({ err }, `${what}: CRL reload failed; the previous CRLs stay in force`);
      }
    },
    pollMs,
  );
}

/**
 * Most community origins whose TLS session the broker's leg agent keeps for resumption: one
 * session each, so a network of this many communities never makes a full handshake to a
 * community it has reached before.
 */
const LEG_TLS_SESSIONS = 1_024;

/**
 * The broker's agent for https: legs: its client certificate, every community CA, their CRLs
 * (reloaded into the agent when the files change), TLS 1.2+, kept-alive connections (up to 64 per
 * community) and TLS session resumption per community (RFC 8446 §2.2). A resumed session skips
 * certificate verification, so it ends where verification must run again: a CRL update forgets
 * the agent's sessions, and a gateway that is re-provisioned (a certificate fault) or reloads its
 * CRLs changes its ticket keys (security/https-listen.ts), so the next connection is a full
 * handshake that sees the new certificate.
 */
function legAgent(
  m: SecurityMaterial,
  s: TopologySecurity,
  logger: Logger,
): { agent: HttpAgent; unwatch: Unwatch } {
  const cas = [...m.communities.values()];
  const crlFiles = cas.map((c) => c.crlFile);
  const readCrls = (): string[] => crlFiles.map((f) => readFileSync(f, 'utf8'));
  const agent = new HttpAgent({
    connections: 64,
    maxCachedSessions: LEG_TLS_SESSIONS,
    // The legs are XCA queries and retrieves (read-only): resent once after a stale keep-alive connection.
    resendOnStaleConnection: true,
    tls: {
      certPem: m.nir.brokerClient.certPem,
      keyPem: m.nir.brokerClient.keyPem,
      caPem: cas.map((c) => c.caPem),
      crlPem: readCrls(),
      minVersion: 'TLSv1.2',
    },
  });
  const unwatch = followCrls(
    crlFiles,
    () => agent.reloadCrls(readCrls()),
    'community legs',
    logger,
    s.crlPollMs,
  );
  return { agent, unwatch };
}

/** What a simulated gateway enforces: TLS, XUA (XCA), IUA (MHD, made once its FHIR base is known). */
export interface GatewaySecurity {
  tls: GatewayTls;
  xua: XuaValidator;
  /**
   * The IUA validator of an MHD community at `fhirBase` (IHE ITI TF-2 3.72, JWT Option): issuer
   * NIR's forwarding identity, audience that FHIR base, trust NIR's signing certificate, roles and
   * purposes as the XUA gateways, `person_id` optional (an ITI-68 names no patient) but an NHS
   * number CX when present; no replay cache (the broker's token of one request is sent on every
   * MHD leg of it, several ITI-68 GETs to one community among them).
   */
  iua: (fhirBase: string) => IuaValidator;
}

/** The IUA validator of an MHD community; see {@link GatewaySecurity.iua}. */
function mhdCommunityIua(m: SecurityMaterial, p: PolicySettings, audiences: readonly string[]): IuaValidator {
  return createIuaValidator(
    iuaPolicy({
      issuers: [NIR_SANDBOX_IDENTITY.issuer],
      audiences: [...new Set(audiences)],
      trustedSigners: [m.nir.signing.certPem],
      allowedRoles: [...p.roles, ...SANDBOX_FORWARDED.roles],
      allowedPurposes: [...p.purposes, ...SANDBOX_FORWARDED.purposes],
      requirePersonId: false,
      personIdProblem,
      ...p.skew,
    }),
  );
}

/**
 * A simulated gateway's TLS (its certificates, NIR root + CRL) and XUA policy (audience: itself;
 * trust: NIR signing); an MHD community's IUA policy (audience: its FHIR base; trust: NIR signing). `verified`: the signature verifications shared by every gateway of this
 * process (they pin the same NIR signing certificate), so the broker's forwarded assertion is
 * verified once, not once per community nor once per request that reuses it; each gateway keeps
 * its own replay cache, which accepts one assertion on several messages but the same message once
 * (xua-validate.ts `assertionReuse`).
 */
function gatewaySecurity(
  m: SecurityMaterial,
  s: TopologySecurity,
  p: PolicySettings,
  verified: VerifiedSignatureCache,
  name: string,
  homeCommunityId: string,
  aliases: (fhirBase: string) => string[] = () => [],
): GatewaySecurity {
  const c = m.communities.get(name)!;
  return {
    iua: (fhirBase) => mhdCommunityIua(m, p, [fhirBase, ...aliases(fhirBase)]),
    tls: {
      server: c.server,
      clientCaPem: m.nir.rootCaPem,
      crlFiles: [m.nir.rootCrlFile],
      ...(s.crlPollMs !== undefined ? { crlPollMs: s.crlPollMs } : {}),
    },
    xua: createXuaValidator(
      xuaPolicy({
        audiences: [homeCommunityId],
        trustedSigners: [m.nir.signing.certPem],
        allowedRoles: [...p.roles, ...SANDBOX_FORWARDED.roles],
        allowedPurposes: [...p.purposes, ...SANDBOX_FORWARDED.purposes],
        requireResourceId: false,
        ...p.skew,
      }),
      { replayCache: new ReplayCache(), assertionReuse: true, verifiedSignatures: verified },
    ),
  };
}

/** The integration listener: HTTPS with mutual TLS over the supplier chain, XUA, CRLs followed. */
async function startIntegration(
  m: SecurityMaterial,
  s: TopologySecurity,
  p: PolicySettings,
  where: {
    context: BrokerContext;
    host: string;
    port: number;
    maxBodyBytes: number;
    forward: AssertionForwarder;
  },
): Promise<RunningIntegration> {
  const validator = createXuaValidator(
    xuaPolicy({
      audiences: [NIR_BROKER_AUDIENCE],
      trustedSigners: [m.supplier.signingCertPem],
      allowedRoles: p.roles,
      allowedPurposes: p.purposes,
      ...p.skew,
    }),
    { replayCache: new ReplayCache() },
  );
  const { context, host } = where;
  const app = createIntegrationApp({
    context,
    maxBodyBytes: where.maxBodyBytes,
    security: { validator },
    forward: where.forward,
  });
  const l: HttpsListener = await listenHttps({
    app,
    host,
    port: where.port,
    what: 'broker integration',
    material: {
      certPem: m.nir.brokerServer.certPem,
      keyPem: m.nir.brokerServer.keyPem,
      caPem: m.supplier.trustedCaPem,
      crlFiles: m.supplier.crlFiles,
    },
    logger: context.logger,
  });
  const unwatch = followCrls(
    m.supplier.crlFiles,
    () => l.reload(),
    'integration port',
    context.logger,
    s.crlPollMs,
  );
  const url = `https://${host === '0.0.0.0' ? '127.0.0.1' : host}:${l.port}`;
  return {
    url,
    endpoints: xcaEndpoints(url),
    stop: async () => {
      unwatch();
      await l.close();
    },
  };
}

/**
 * Prepare security for `topology`: mint what is missing in the certificate directory (for its
 * simulated communities), load it, and build the pieces. Undefined when security is off.
 * @throws SimError when a certificate file is missing after minting (unreadable directory).
 */
export async function prepareSecurity(
  topology: Topology,
  logger: Logger,
): Promise<SecurityRuntime | undefined> {
  const s = resolveSecurity(topology);
  if (!s) return undefined;
  const dir = s.certsDir ?? defaultCertsDir();
  const names = topology.communities.flatMap((c) => (c.kind === 'simulated' ? [c.store.name] : []));
  const minted = await ensureCertificateSet(dir, { communities: names });
  if (minted.minted.length + minted.refreshedCrls.length > 0)
    logger.info(
      { dir, minted: minted.minted.length, refreshedCrls: minted.refreshedCrls },
      'certificates minted',
    );
  return securityFromDirectory(dir, names, s, logger);
}

/**
 * Build the security pieces from a certificate set that exists (no minting): what a container's
 * role uses, its certificate directory mounted read-only (docs/containers.md). `names`: the communities
 * whose material to load (a gateway container: its own; the broker: every simulated one).
 * @throws SimError when a certificate file is missing or unreadable.
 */
export function securityFromDirectory(
  dir: string,
  names: readonly string[],
  s: TopologySecurity,
  logger: Logger,
): SecurityRuntime {
  const m = loadSecurityMaterial(dir, [...names]);
  const p = policySettings(s);
  const legs = legAgent(m, s, logger);
  // One per process: shared by the gateways' validators (the integration port's has none).
  const verified = new VerifiedSignatureCache();
  // One per broker, both ports: an assertion is reused for half its lifetime (forwarded-assertions.ts).
  const forward: AssertionForwarder = {
    signer: m.nir.signing,
    reuse: new ForwardedAssertions(FORWARDED_LIFETIME_MS / 2),
  };
  return {
    material: m,
    httpsAgent: legs.agent,
    forward,
    verifiedSignatures: verified,
    gateway: (name, homeCommunityId, aliases) =>
      gatewaySecurity(m, s, p, verified, name, homeCommunityId, aliases),
    startIntegration: (context, host, port, maxBodyBytes) =>
      startIntegration(m, s, p, { context, host, port, maxBodyBytes, forward }),
    stop: () => {
      legs.unwatch();
      void legs.agent.close();
    },
  };
}
