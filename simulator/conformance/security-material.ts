/**
 * NIR's security material for a provider run (`--security`), read from a certificate set as
 * `sim certs generate` writes it (security/cert-layout.ts, docs/security.md): NIR's client
 * certificate for mutual TLS (IHE ITI TF-2 3.19.6, ATNA Authenticate Node), the CAs the
 * supplier's server certificate chains to, NIR's XUA signing key (ITI TF-2 3.40), NIR's root CA,
 * and a NIR client certificate that NIR's CRL lists (RFC 5280 §5), minted into the set the first
 * time so that a supplier holding NIR's current CRL refuses it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NirFiles, communityFiles, readManifest } from '../security/cert-layout.js';
import { reissueCrl } from '../security/cert-mint.js';
import { loadCredential, mintCa, mintLeaf, serialOf } from '../security/pki.js';
import { CodeSystem, DEFAULT_ROLES, NIR_SANDBOX_IDENTITY } from '../security/saml.js';
import { buildSecurityHeader } from '../security/wss-header.js';
import { issueAssertionAsync, type AssertionInput } from '../security/xua-issue.js';
import type { Clock } from '../shared/clock.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import type { ClientTls } from '../transport/http-agent.js';
import type { ProviderSecurity } from './provider-check.js';

const DAY_MS = 86_400_000;
const O = 'O=nir-sim synthetic test PKI';

/** Relative paths (in the certificate set) of the NIR client certificate NIR's CRL lists. */
export const RevokedNirClientFiles = {
  cert: 'nir/conformance-client-revoked.pem',
  key: 'nir/conformance-client-revoked.key',
} as const;

/** Who the kit's assertions name: NIR's broker as issuer, a fixed synthetic user (the kit). */
export const KIT_IDENTITY = {
  issuer: NIR_SANDBOX_IDENTITY.issuer,
  subjectId: 'NIR technical conformance kit',
  nameId: 'nir-conformance-kit',
  organization: NIR_SANDBOX_IDENTITY.organization,
  organizationId: NIR_SANDBOX_IDENTITY.organizationId,
  homeCommunityId: NIR_SANDBOX_IDENTITY.homeCommunityId,
} as const;

/** Lifetime of the kit's assertions and of the wsu:Timestamp, ms (5 minutes, as NIR's broker). */
export const KIT_ASSERTION_LIFETIME_MS = 5 * 60_000;

/**
 * The assertion input NIR sends to the gateway `homeCommunityId` at `now` (ITI TF-2 3.40.4.1):
 * audiences that homeCommunityId (as NIR's broker names a responding gateway, ITI40-014) and the
 * endpoint URL; role Medical practitioner (SNOMED CT), purpose of use TREATMENT; resource-id the
 * queried patient when there is one. `over` replaces any field (the invalid variants).
 */
export function kitAssertionInput(
  o: { homeCommunityId: string; audience?: string; patientCx?: string; now: Date },
  over: Partial<AssertionInput> = {},
): AssertionInput {
  return {
    ...KIT_IDENTITY,
    role: {
      code: DEFAULT_ROLES[0]!.code,
      codeSystem: CodeSystem.snomedCt,
      displayName: DEFAULT_ROLES[0]!.displayName,
    },
    purposeOfUse: { code: 'TREATMENT', codeSystem: CodeSystem.nhinPurpose, displayName: 'Treatment' },
    ...(o.patientCx !== undefined ? { resourceId: o.patientCx } : {}),
    audiences: o.audience !== undefined ? [o.homeCommunityId, o.audience] : [o.homeCommunityId],
    now: o.now,
    lifetimeMs: KIT_ASSERTION_LIFETIME_MS,
    ...over,
  };
}

/** Options of {@link loadProviderSecurity}. */
export interface ProviderSecurityOptions {
  /** The supplier gateway's homeCommunityId (`urn:oid:...`): the assertions' audience. */
  homeCommunityId: string;
  /** Issue times of the assertions. */
  clock: Clock;
  /**
   * CAs (PEM) the supplier's server certificate chains to; default every community CA of the set
   * (the simulated gateways'). With `serverCrlPem` absent, no CRL is checked for them.
   */
  serverCaPem?: string[];
  /** CRLs (PEM) of those CAs; default the set's community CRLs when `serverCaPem` is absent. */
  serverCrlPem?: string[];
  /**
   * After NIR's CRL was re-issued to list the new revoked certificate, wait this long (ms) so that
   * gateways following the CRL file have re-read it before SEC-TLS-REVOKED runs; default
   * {@link CRL_SETTLE_MS}. Not waited when the set already had the certificate.
   */
  crlSettleMs?: number;
}

/** Default wait after NIR's CRL changed, ms: twice the sim's default CRL poll interval (1 s, security/crl-watch.ts). */
export const CRL_SETTLE_MS = 2_000;

/**
 * Load NIR's material from the certificate set at `dir`, minting the revoked NIR client
 * certificate ({@link RevokedNirClientFiles}) and re-issuing NIR's CRL to list it when the set
 * has none yet (gateways that follow the CRL file pick it up within their poll interval).
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming a missing file and the command that mints it.
 */
export async function loadProviderSecurity(
  dir: string,
  o: ProviderSecurityOptions,
): Promise<ProviderSecurity> {
  const read = (rel: string): string => {
    const file = path.join(dir, rel);
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new SimError(
        SimErrorCode.BadArgument,
        `certificate file ${file} is missing: run npm run sim certs generate (or pass --certs-dir with a set)`,
      );
    }
  };
  const nirCa = { certPem: read(NirFiles.rootCa), keyPem: read(NirFiles.rootCaKey) };
  const communities = readManifest(dir)?.communities ?? [];
  const caPem = o.serverCaPem ?? communities.map((n) => read(communityFiles(n).ca));
  const crlPem = o.serverCrlPem ?? (o.serverCaPem ? [] : communities.map((n) => read(communityFiles(n).crl)));
  const tls: ClientTls = {
    caPem,
    ...(crlPem.length > 0 ? { crlPem } : {}),
    certPem: read(NirFiles.brokerClient),
    keyPem: read(NirFiles.brokerClientKey),
  };
  const signer = { certPem: read(NirFiles.signing), keyPem: read(NirFiles.signingKey) };
  const { pair: revokedClient, minted } = await ensureRevokedClient(dir, nirCa);
  if (minted) await new Promise((resolve) => setTimeout(resolve, o.crlSettleMs ?? CRL_SETTLE_MS));
  return {
    tls,
    signer,
    nirCa,
    revokedClient,
    securityHeader: async (req) => {
      const now = new Date(o.clock.now());
      const input = kitAssertionInput({ homeCommunityId: o.homeCommunityId, now, ...req });
      return buildSecurityHeader(await issueAssertionAsync(input, signer), now, KIT_ASSERTION_LIFETIME_MS);
    },
  };
}

/**
 * The revoked NIR client pair of the set at `dir`, minted (and put on NIR's CRL) when absent.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when the set cannot be written (a read-only mount).
 */
async function ensureRevokedClient(
  dir: string,
  nirCa: { certPem: string; keyPem: string },
): Promise<{ pair: { certPem: string; keyPem: string }; minted: boolean }> {
  const cert = path.join(dir, RevokedNirClientFiles.cert);
  const key = path.join(dir, RevokedNirClientFiles.key);
  if (existsSync(cert) && existsSync(key))
    return {
      pair: { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') },
      minted: false,
    };
  const issuer = await loadCredential(nirCa.certPem, nirCa.keyPem);
  const leaf = await mintLeaf({
    subject: `CN=nir-broker (revoked, conformance kit), ${O}`,
    usage: 'client',
    issuer,
    notBefore: new Date(Date.now() - DAY_MS),
  });
  try {
    // The CRL first: a certificate file present means it is on NIR's CRL.
    await reissueCrl(dir, { cert: NirFiles.rootCa, key: NirFiles.rootCaKey, crl: NirFiles.rootCrl }, [
      serialOf(leaf.certPem),
    ]);
    writeFileSync(key, leaf.keyPem, { mode: 0o600 });
    writeFileSync(cert, leaf.certPem, { mode: 0o644 });
  } catch (err) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `cannot add a revoked NIR client certificate to the certificate set at ${dir} (${err instanceof Error ? err.message : String(err)}): make the directory writable once, or run the kit against a copy of it`,
    );
  }
  return { pair: { certPem: leaf.certPem, keyPem: leaf.keyPem }, minted: true };
}

/**
 * A NIR client certificate issued by NIR's root that expired 30 days before `now` (valid for a
 * year before that): RFC 5280 §6.1.3 (a)(2) makes it invalid.
 */
export async function mintExpiredNirClient(
  nirCa: { certPem: string; keyPem: string },
  now: Date,
): Promise<{ certPem: string; keyPem: string }> {
  const issuer = await loadCredential(nirCa.certPem, nirCa.keyPem);
  const leaf = await mintLeaf({
    subject: `CN=nir-broker (expired, conformance kit), ${O}`,
    usage: 'client',
    issuer,
    notBefore: new Date(now.getTime() - 395 * DAY_MS),
    notAfter: new Date(now.getTime() - 30 * DAY_MS),
  });
  return { certPem: leaf.certPem, keyPem: leaf.keyPem };
}

/**
 * A client certificate with NIR's client name issued by a root minted on the spot, which no
 * supplier trusts (RFC 5280 §6.1: no path to a trust anchor).
 */
export async function mintUntrustedClient(now: Date): Promise<{ certPem: string; keyPem: string }> {
  const notBefore = new Date(now.getTime() - DAY_MS);
  const root = await mintCa({ subject: `CN=nir-sim conformance untrusted root, ${O}`, notBefore });
  const leaf = await mintLeaf({ subject: `CN=nir-broker, ${O}`, usage: 'client', issuer: root, notBefore });
  return { certPem: leaf.certPem, keyPem: leaf.keyPem };
}
