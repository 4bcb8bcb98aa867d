/**
 * Minting the whole certificate set into a directory (`sim certs generate`, and the runtime when
 * security is on): the NIR side, the supplier side as NIR's onboarding asks (root, intermediate,
 * leaves for mTLS and for WS-Security signing), one "regional network" CA per community with its
 * gateway's server certificates, the negative material, and a CRL per CA. Idempotent: what exists
 * is kept, what is missing is minted, CRLs close to their nextUpdate are re-issued.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  MANIFEST,
  NEGATIVE_CLIENTS,
  NirFiles,
  SupplierFiles,
  UntrustedFiles,
  communityFiles,
  readManifest,
  type CertManifest,
} from './cert-layout.js';
import {
  crlNextUpdate,
  crlSerials,
  loadCredential,
  mintCa,
  mintCrl,
  mintLeaf,
  serialOf,
  type Credential,
} from './pki.js';

const DAY_MS = 86_400_000;
/** A CRL is re-issued when less than this is left before its nextUpdate. */
const CRL_REFRESH_MS = 3 * DAY_MS;
/** subjectAltName of every server certificate: the loopback names the simulator listens on. */
const SERVER_SAN = { dns: ['localhost'], ips: ['127.0.0.1', '::1'] };

/**
 * DNS names of the broker's server certificate: localhost, and `broker`, its service name in the
 * container stack (docs/containers.md), so a product on that network verifies `https://broker:8443`.
 */
const BROKER_SERVER_DNS = ['localhost', 'broker'] as const;

/**
 * DNS names of a community's gateway certificates: localhost, and the community's name, its
 * service name in the container stack (docs/containers.md), where the broker's legs verify
 * `https://<community>:9001` against it.
 */
function gatewayServerDns(name: string): string[] {
  return ['localhost', name];
}
const O = 'O=nir-sim synthetic test PKI';

/** Options of {@link ensureCertificateSet}. */
interface EnsureOptions {
  /** Community names to mint gateway certificates for (kept: those minted earlier stay). */
  communities: readonly string[];
  /** Remove what exists first and mint everything anew. */
  force?: boolean;
  /** Clock for validity and CRL dates (default now). */
  now?: Date;
}

/** What {@link ensureCertificateSet} did: files written (relative), CRLs re-issued. */
interface EnsureResult {
  dir: string;
  minted: string[];
  refreshedCrls: string[];
  communities: string[];
}

class Writer {
  readonly written: string[] = [];
  constructor(readonly dir: string) {}
  file(rel: string, text: string): void {
    const file = path.join(this.dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text, { mode: rel.endsWith('.key') ? 0o600 : 0o644 });
    this.written.push(rel);
  }
  pair(cert: string, key: string, c: Credential, chain = ''): void {
    this.file(cert, c.certPem + chain);
    this.file(key, c.keyPem);
  }
  /**
   * The cRLDistributionPoints URI of the CRL at `rel`: a `file:` URL in this directory, since the
   * sim reads (and watches) CRLs from files and serves none over HTTP (docs/security.md).
   */
  crlUrl(rel: string): string {
    return pathToFileURL(path.join(this.dir, rel)).href;
  }
  read(rel: string): string {
    return readFileSync(path.join(this.dir, rel), 'utf8');
  }
  has(rel: string): boolean {
    return existsSync(path.join(this.dir, rel));
  }
}

const ago = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS);

async function mintNir(w: Writer, now: Date): Promise<void> {
  const root = await mintCa({ subject: `CN=nir-sim NIR Root CA, ${O}`, notBefore: ago(now, 1) });
  w.pair(NirFiles.rootCa, NirFiles.rootCaKey, root);
  const leaf = (cn: string, usage: 'server' | 'client' | 'signing'): Promise<Credential> =>
    mintLeaf({
      subject: `CN=${cn}, ${O}`,
      usage,
      issuer: root,
      notBefore: ago(now, 1),
      ...SERVER_SAN,
      crlUrl: w.crlUrl(NirFiles.rootCrl),
    });
  w.pair(
    NirFiles.brokerServer,
    NirFiles.brokerServerKey,
    await mintLeaf({
      subject: `CN=localhost, ${O}`,
      usage: 'server',
      issuer: root,
      notBefore: ago(now, 1),
      ...SERVER_SAN,
      dns: BROKER_SERVER_DNS,
      crlUrl: w.crlUrl(NirFiles.rootCrl),
    }),
  );
  w.pair(NirFiles.brokerClient, NirFiles.brokerClientKey, await leaf('nir-broker', 'client'));
  w.pair(NirFiles.signing, NirFiles.signingKey, await leaf('nir-broker XUA signing', 'signing'));
  w.file(NirFiles.rootCrl, await mintCrl({ issuer: root, revoked: [], thisUpdate: now }));
}

async function untrustedCa(w: Writer, now: Date): Promise<Credential> {
  if (w.has(UntrustedFiles.ca))
    return loadCredential(w.read(UntrustedFiles.ca), w.read(UntrustedFiles.caKey));
  const ca = await mintCa({ subject: `CN=nir-sim Untrusted CA, ${O}`, notBefore: ago(now, 1) });
  w.pair(UntrustedFiles.ca, UntrustedFiles.caKey, ca);
  return ca;
}

async function mintSupplier(w: Writer, now: Date): Promise<void> {
  const root = await mintCa({ subject: `CN=nir-sim Supplier Root CA, ${O}`, notBefore: ago(now, 1) });
  const inter = await mintCa({
    subject: `CN=nir-sim Supplier Intermediate CA, ${O}`,
    issuer: root,
    notBefore: ago(now, 1),
  });
  w.pair(SupplierFiles.rootCa, SupplierFiles.rootCaKey, root);
  w.pair(SupplierFiles.intermediateCa, SupplierFiles.intermediateCaKey, inter);
  const chain = inter.certPem;
  const client = (cn: string, extra: Partial<Parameters<typeof mintLeaf>[0]> = {}): Promise<Credential> =>
    mintLeaf({
      subject: `CN=${cn}, ${O}`,
      usage: 'client',
      issuer: inter,
      notBefore: ago(now, 1),
      ...(extra.issuer ? {} : { crlUrl: w.crlUrl(SupplierFiles.intermediateCrl) }),
      ...extra,
    });
  w.pair(SupplierFiles.client, SupplierFiles.clientKey, await client('supplier-system'), chain);
  const signing = await mintLeaf({
    subject: `CN=supplier XUA signing, ${O}`,
    usage: 'signing',
    issuer: inter,
    notBefore: ago(now, 1),
    crlUrl: w.crlUrl(SupplierFiles.intermediateCrl),
  });
  w.pair(SupplierFiles.signing, SupplierFiles.signingKey, signing);
  const revoked = await client('supplier-system-revoked');
  const negatives: Record<(typeof NEGATIVE_CLIENTS)[number], [Credential, string]> = {
    'client-revoked': [revoked, chain],
    'client-expired': [
      await client('supplier-system-expired', { notBefore: ago(now, 400), notAfter: ago(now, 30) }),
      chain,
    ],
    'client-not-yet-valid': [
      await client('supplier-system-not-yet-valid', { notBefore: ago(now, -365), notAfter: ago(now, -730) }),
      chain,
    ],
    'client-untrusted': [
      await client('supplier-system-untrusted', { issuer: await untrustedCa(w, now) }),
      '',
    ],
    'client-self-signed': [
      await mintLeaf({
        subject: `CN=supplier-system-self-signed, ${O}`,
        usage: 'client',
        notBefore: ago(now, 1),
      }),
      '',
    ],
  };
  for (const kind of NEGATIVE_CLIENTS) {
    const [c, ch] = negatives[kind];
    w.pair(`supplier/${kind}.pem`, `supplier/${kind}.key`, c, ch);
  }
  w.file(SupplierFiles.rootCrl, await mintCrl({ issuer: root, revoked: [], thisUpdate: now }));
  w.file(
    SupplierFiles.intermediateCrl,
    await mintCrl({ issuer: inter, revoked: [serialOf(revoked.certPem)], thisUpdate: now }),
  );
}

async function mintCommunity(w: Writer, name: string, now: Date): Promise<void> {
  const f = communityFiles(name);
  const ca = await mintCa({ subject: `CN=${name} regional network CA, ${O}`, notBefore: ago(now, 1) });
  w.pair(f.ca, f.caKey, ca);
  const server = (extra: Partial<Parameters<typeof mintLeaf>[0]> = {}): Promise<Credential> =>
    mintLeaf({
      subject: `CN=localhost, OU=${name} responding gateway, ${O}`,
      usage: 'server',
      issuer: ca,
      notBefore: ago(now, 1),
      ...SERVER_SAN,
      dns: gatewayServerDns(name),
      ...(extra.issuer ? {} : { crlUrl: w.crlUrl(f.crl) }),
      ...extra,
    });
  const good = await server();
  const keys = good.keys;
  const revoked = await server({ keys });
  w.pair(f.server('good').cert, f.server('good').key, good);
  w.pair(f.server('revoked').cert, f.server('revoked').key, revoked);
  const expired = await server({ keys, notBefore: ago(now, 400), notAfter: ago(now, 30) });
  w.pair(f.server('expired').cert, f.server('expired').key, expired);
  w.pair(
    f.server('untrusted').cert,
    f.server('untrusted').key,
    await server({ keys, issuer: await untrustedCa(w, now) }),
  );
  w.file(f.crl, await mintCrl({ issuer: ca, revoked: [serialOf(revoked.certPem)], thisUpdate: now }));
}

/**
 * Re-issue the CRL `crlRel` of the CA at `caRel` (+ `caKeyRel`), keeping its revoked serials and
 * adding `alsoRevoke` (hex serials). Used to refresh CRLs and, in tests, to revoke a certificate.
 */
export async function reissueCrl(
  dir: string,
  ca: { cert: string; key: string; crl: string },
  alsoRevoke: readonly string[] = [],
  now = new Date(),
): Promise<void> {
  const w = new Writer(dir);
  const issuer = await loadCredential(w.read(ca.cert), w.read(ca.key));
  const revoked = [...new Set([...crlSerials(w.read(ca.crl)), ...alsoRevoke.map((s) => s.toLowerCase())])];
  w.file(ca.crl, await mintCrl({ issuer, revoked, thisUpdate: now }));
}

/** Every CA of the set with its CRL (relative paths). */
function allCas(communities: readonly string[]): { cert: string; key: string; crl: string }[] {
  return [
    { cert: NirFiles.rootCa, key: NirFiles.rootCaKey, crl: NirFiles.rootCrl },
    { cert: SupplierFiles.rootCa, key: SupplierFiles.rootCaKey, crl: SupplierFiles.rootCrl },
    {
      cert: SupplierFiles.intermediateCa,
      key: SupplierFiles.intermediateCaKey,
      crl: SupplierFiles.intermediateCrl,
    },
    ...communities.map((n) => {
      const f = communityFiles(n);
      return { cert: f.ca, key: f.caKey, crl: f.crl };
    }),
  ];
}

/**
 * Make sure `dir` holds the whole set for `communities`, minting only what is missing (or
 * everything with `force`), and re-issue every CRL within 3 days of its nextUpdate.
 * Private keys are written with mode 0600.
 * @returns what was written, for the CLI to print.
 */
export async function ensureCertificateSet(dir: string, opts: EnsureOptions): Promise<EnsureResult> {
  const now = opts.now ?? new Date();
  if (opts.force) {
    for (const sub of ['nir', 'supplier', 'untrusted', 'communities', MANIFEST])
      rmSync(path.join(dir, sub), { recursive: true, force: true });
  }
  const w = new Writer(dir);
  const before = readManifest(dir);
  if (!w.has(NirFiles.rootCa)) await mintNir(w, now);
  if (!w.has(SupplierFiles.rootCa)) await mintSupplier(w, now);
  const communities = [...new Set([...(before?.communities ?? []), ...opts.communities])];
  for (const name of communities) if (!w.has(communityFiles(name).ca)) await mintCommunity(w, name, now);
  const refreshedCrls: string[] = [];
  for (const ca of allCas(communities)) {
    const next = crlNextUpdate(w.read(ca.crl));
    if (next === undefined || next.getTime() - now.getTime() < CRL_REFRESH_MS) {
      await reissueCrl(dir, ca, [], now);
      refreshedCrls.push(ca.crl);
    }
  }
  const manifest: CertManifest = {
    version: 1,
    createdAt: before?.createdAt ?? now.toISOString(),
    communities,
  };
  if (w.written.length > 0 || before === undefined)
    w.file(MANIFEST, JSON.stringify(manifest, null, 2) + '\n');
  return {
    dir,
    minted: w.written.filter((f) => f !== MANIFEST && !refreshedCrls.includes(f)),
    refreshedCrls,
    communities,
  };
}
