/**
 * The layout of minted certificates under `certs/out/` (documented in certs/README.md, which
 * tools and docs rely on), and loading it back into the PEM material the listeners and signers
 * use. All files are plain PEM: certificates `CERTIFICATE`, keys PKCS #8 `PRIVATE KEY`, CRLs
 * `X509 CRL` (RFC 7468).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SimError, SimErrorCode } from '../shared/errors.js';

/** Relative paths of the NIR side: its root CA, the broker's server and client certificates, its signing key. */
export const NirFiles = {
  rootCa: 'nir/root-ca.pem',
  rootCaKey: 'nir/root-ca.key',
  rootCrl: 'nir/root-ca.crl.pem',
  brokerServer: 'nir/broker-server.pem',
  brokerServerKey: 'nir/broker-server.key',
  brokerClient: 'nir/broker-client.pem',
  brokerClientKey: 'nir/broker-client.key',
  signing: 'nir/signing.pem',
  signingKey: 'nir/signing.key',
} as const;

/** Relative paths of the supplier side (NIR onboarding: a root, an intermediate, mTLS and signing leaves). */
export const SupplierFiles = {
  rootCa: 'supplier/root-ca.pem',
  rootCaKey: 'supplier/root-ca.key',
  rootCrl: 'supplier/root-ca.crl.pem',
  intermediateCa: 'supplier/intermediate-ca.pem',
  intermediateCaKey: 'supplier/intermediate-ca.key',
  intermediateCrl: 'supplier/intermediate-ca.crl.pem',
  /** The mTLS leaf followed by the intermediate (what a client presents). */
  client: 'supplier/client.pem',
  clientKey: 'supplier/client.key',
  signing: 'supplier/signing.pem',
  signingKey: 'supplier/signing.key',
} as const;

/** The negative supplier client pairs (`<kind>.pem` + `<kind>.key` under `supplier/`). */
export const NEGATIVE_CLIENTS = [
  'client-revoked',
  'client-expired',
  'client-not-yet-valid',
  'client-untrusted',
  'client-self-signed',
] as const;

/** The CA nobody trusts (issuer of the `*-untrusted` certificates). */
export const UntrustedFiles = { ca: 'untrusted/ca.pem', caKey: 'untrusted/ca.key' } as const;

/** Which certificate a community's gateway presents: its good one or a faulty one (provisioning faults). */
export type CommunityCertVariant = 'good' | 'expired' | 'revoked' | 'untrusted';

/** Relative paths of one community (its "regional network" CA, CRL and server certificates). */
export function communityFiles(name: string): {
  ca: string;
  caKey: string;
  crl: string;
  server: (v: CommunityCertVariant) => { cert: string; key: string };
} {
  const d = `communities/${name}`;
  return {
    ca: `${d}/ca.pem`,
    caKey: `${d}/ca.key`,
    crl: `${d}/ca.crl.pem`,
    server: (v) => {
      const base = v === 'good' ? 'server' : `server-${v}`;
      return { cert: `${d}/${base}.pem`, key: `${d}/${base}.key` };
    },
  };
}

/** The manifest (`manifest.json`): its presence means "certificates exist here". */
export const MANIFEST = 'manifest.json';

/** What manifest.json holds. */
export interface CertManifest {
  version: 1;
  /** ISO 8601, when the set was first minted. */
  createdAt: string;
  /** Communities with material under `communities/`. */
  communities: string[];
}

/** A certificate (chain) and its key, as PEM text. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

/** One community's material as the gateways and the broker use it. */
export interface CommunityMaterial {
  caPem: string;
  /** Absolute path of its CRL (watched and reloaded). */
  crlFile: string;
  server: Record<CommunityCertVariant, PemPair>;
}

/** Everything the runtime needs, loaded from a certificate directory. */
export interface SecurityMaterial {
  dir: string;
  nir: {
    rootCaPem: string;
    rootCrlFile: string;
    brokerServer: PemPair;
    brokerClient: PemPair;
    signing: PemPair;
  };
  supplier: {
    /** Trust anchors for client certificates on the integration port (the supplier root). */
    trustedCaPem: string;
    /** CRLs of every supplier CA (root and intermediate): Node checks the whole chain. */
    crlFiles: string[];
    /** The supplier signing certificate XUA assertions are pinned to. */
    signingCertPem: string;
  };
  communities: Map<string, CommunityMaterial>;
}

/** True when `dir` holds a minted set (its manifest). */
export function certificatesExist(dir: string): boolean {
  return existsSync(path.join(dir, MANIFEST));
}

/** The manifest of `dir`, or undefined when absent or unreadable. */
export function readManifest(dir: string): CertManifest | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as CertManifest;
  } catch {
    return undefined;
  }
}

/**
 * Load the material for the broker and `communities` from `dir`.
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming the first missing file and the command that mints it.
 */
export function loadSecurityMaterial(dir: string, communities: readonly string[]): SecurityMaterial {
  const read = (rel: string): string => {
    const file = path.join(dir, rel);
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new SimError(
        SimErrorCode.BadArgument,
        `certificate file ${file} is missing: run npm run sim certs generate (add --force to re-mint)`,
      );
    }
  };
  const pair = (cert: string, key: string): PemPair => ({ certPem: read(cert), keyPem: read(key) });
  const abs = (rel: string): string => {
    read(rel);
    return path.join(dir, rel);
  };
  const out: SecurityMaterial = {
    dir,
    nir: {
      rootCaPem: read(NirFiles.rootCa),
      rootCrlFile: abs(NirFiles.rootCrl),
      brokerServer: pair(NirFiles.brokerServer, NirFiles.brokerServerKey),
      brokerClient: pair(NirFiles.brokerClient, NirFiles.brokerClientKey),
      signing: pair(NirFiles.signing, NirFiles.signingKey),
    },
    supplier: {
      trustedCaPem: read(SupplierFiles.rootCa),
      crlFiles: [abs(SupplierFiles.rootCrl), abs(SupplierFiles.intermediateCrl)],
      signingCertPem: read(SupplierFiles.signing),
    },
    communities: new Map(),
  };
  for (const name of communities) {
    const f = communityFiles(name);
    const server = (v: CommunityCertVariant): PemPair => pair(f.server(v).cert, f.server(v).key);
    out.communities.set(name, {
      caPem: read(f.ca),
      crlFile: abs(f.crl),
      server: {
        good: server('good'),
        expired: server('expired'),
        revoked: server('revoked'),
        untrusted: server('untrusted'),
      },
    });
  }
  return out;
}
