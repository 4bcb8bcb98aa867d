/**
 * Minting X.509 material with @peculiar/x509 2 over Node's WebCrypto: CA certificates, leaves
 * (server, client, signing) with SAN, SKI and AKI, self-signed leaves, and CRLs with a
 * nextUpdate (RFC 5280 §4.1, §4.2.1, §5); see KeyAlgorithm for the keys. PEM is written with the labels openssl
 * and Node expect: `CERTIFICATE`, `PRIVATE KEY` (PKCS #8) and `X509 CRL` (RFC 7468 §5, §10, §11;
 * @peculiar/x509's own `BEGIN CRL` is refused by both, see ../shared/research/npm-stack.md §4).
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type X509Crypto = Parameters<typeof x509.cryptoProvider.set>[0];

x509.cryptoProvider.set(webcrypto as unknown as X509Crypto);

/**
 * Key algorithms. CAs and TLS leaves use ECDSA P-256 with SHA-256 (RFC 5480, RFC 5758: fast to
 * mint, accepted by Node's tls, openssl, curl and Postman); signing leaves use RSASSA-PKCS1-v1_5
 * 2048 with SHA-256 (RFC 8017 §8.2), because XML signatures of XUA assertions are RSA-SHA256
 * (xml-crypto and xmlsec1 both verify it; xml-crypto has no ECDSA).
 */
const KeyAlgorithm = {
  ec: { name: 'ECDSA', namedCurve: 'P-256' },
  rsa: {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  },
} as const;
/** The kind of key pair: `ec` (P-256) or `rsa` (2048). */
type KeyKind = keyof typeof KeyAlgorithm;

/** The signature algorithm a key of `kind` signs certificates and CRLs with. */
function signingAlgorithm(kind: KeyKind): { name: string; hash: string } {
  return kind === 'ec' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

function kindOf(keys: CryptoKeyPair): KeyKind {
  return keys.privateKey.algorithm.name === 'ECDSA' ? 'ec' : 'rsa';
}

/** A certificate with its key pair, and both as PEM text (each ending with a newline). */
export interface Credential {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  /** The certificate alone, PEM `CERTIFICATE`. */
  certPem: string;
  /** The private key, PEM `PRIVATE KEY` (unencrypted PKCS #8). */
  keyPem: string;
}

/** Validity of a certificate to mint. Defaults: from one day ago, for `days` (or 825) days. */
interface Validity {
  notBefore?: Date;
  notAfter?: Date;
}

const DAY_MS = 86_400_000;

/** A new key pair of `kind` (default `ec`), extractable (so it can be written as PEM). */
async function newKeyPair(kind: KeyKind = 'ec'): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KeyAlgorithm[kind], true, ['sign', 'verify']);
}

/** PEM with a trailing newline (concatenating PEMs without one breaks Node: ERR_OSSL_PEM_BAD_END_LINE). */
function pem(der: ArrayBuffer, label: string): string {
  return x509.PemConverter.encode(der, label).trimEnd() + '\n';
}

/** A private key as PEM `PRIVATE KEY` (PKCS #8, RFC 5208 / RFC 7468 §10). */
async function privateKeyPem(key: CryptoKey): Promise<string> {
  return pem(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** A 16-byte positive serial number in hex (RFC 5280 §4.1.2.2: unique per CA, at most 20 bytes). */
function newSerial(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x10;
  return b.toString('hex');
}

async function credential(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<Credential> {
  return {
    cert,
    keys,
    certPem: pem(cert.rawData, 'CERTIFICATE'),
    keyPem: await privateKeyPem(keys.privateKey),
  };
}

function validity(v: Validity, days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = v.notBefore ?? new Date(Date.now() - DAY_MS);
  return { notBefore, notAfter: v.notAfter ?? new Date(notBefore.getTime() + days * DAY_MS) };
}

/**
 * Sign a certificate for `keys`: self-signed when `issuer` is absent, else signed by the issuer's
 * key with the issuer's subject as issuer name and an AuthorityKeyIdentifier (RFC 5280 §4.2.1.1)
 * added to `extensions`. The signature algorithm follows the signing key (ECDSA P-256 / RSA, SHA-256).
 */
async function issue(o: {
  subject: string;
  keys: CryptoKeyPair;
  issuer: Credential | undefined;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  extensions: x509.Extension[];
}): Promise<Credential> {
  const { subject, keys, issuer, serialNumber, notBefore, notAfter, extensions } = o;
  if (!issuer) {
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber,
      name: subject,
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: signingAlgorithm(kindOf(keys)),
      extensions,
    });
    return credential(cert, keys);
  }
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.cert.publicKey));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject,
    issuer: issuer.cert.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: signingAlgorithm(kindOf(issuer.keys)),
    extensions,
  });
  return credential(cert, keys);
}

/**
 * A CA certificate: self-signed (a root) when `issuer` is absent, else issued by it (an
 * intermediate). basicConstraints cA (critical), keyUsage keyCertSign + cRLSign (critical),
 * SKI, and AKI for intermediates (RFC 5280 §4.2.1.1-3, §4.2.1.9). Default validity 10 years.
 * @param subject a distinguished name, e.g. `CN=nir-sim NIR Root CA, O=nir-sim`.
 */
export async function mintCa(opts: { subject: string; issuer?: Credential } & Validity): Promise<Credential> {
  const keys = await newKeyPair('ec');
  const { notBefore, notAfter } = validity(opts, 3650);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, opts.issuer ? 0 : 1, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  return issue({
    subject: opts.subject,
    keys,
    issuer: opts.issuer,
    serialNumber: newSerial(),
    notBefore,
    notAfter,
    extensions,
  });
}

/** What a leaf is for: TLS server, TLS client, or signing (XML signatures of XUA assertions). */
type LeafUsage = 'server' | 'client' | 'signing';

/** Options of {@link mintLeaf}. */
interface LeafOptions extends Validity {
  /** Distinguished name, e.g. `CN=localhost, O=nir-sim`. */
  subject: string;
  usage: LeafUsage;
  /** The CA that signs it; absent for a self-signed leaf. */
  issuer?: Credential;
  /** subjectAltName DNS names and IP addresses (RFC 5280 §4.2.1.6). */
  dns?: readonly string[];
  ips?: readonly string[];
  /** Reuse this key pair (e.g. a gateway presenting another certificate for the same key). */
  keys?: CryptoKeyPair;
  serial?: string;
  /** Where the issuer's CRL is published: a cRLDistributionPoints URI (RFC 5280 §4.2.1.13). */
  crlUrl?: string;
}

/**
 * keyUsage for a TLS leaf: digitalSignature, plus keyEncipherment for an RSA key only (RSA key
 * transport); an EC key must not assert keyEncipherment (RFC 5480 §3; ECDHE suites sign only).
 */
function tlsKeyUsage(kind: 'ec' | 'rsa'): x509.KeyUsagesExtension {
  const ku = x509.KeyUsageFlags;
  return new x509.KeyUsagesExtension(
    kind === 'rsa' ? ku.digitalSignature | ku.keyEncipherment : ku.digitalSignature,
    true,
  );
}

function leafExtensions(usage: LeafUsage, kind: 'ec' | 'rsa'): x509.Extension[] {
  const ku = x509.KeyUsageFlags;
  switch (usage) {
    case 'server':
      return [tlsKeyUsage(kind), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth])];
    case 'client':
      return [tlsKeyUsage(kind), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])];
    case 'signing':
      return [new x509.KeyUsagesExtension(ku.digitalSignature | ku.nonRepudiation, true)];
  }
}

/**
 * An end-entity certificate (basicConstraints cA false) for `usage`: keyUsage and extKeyUsage as
 * RFC 5280 §4.2.1.3 / §4.2.1.12 say for TLS servers, TLS clients and signers (RFC 5480 for EC
 * keys); SAN when names are given; SKI; AKI when issued by a CA; cRLDistributionPoints with `crlUrl`. Default validity 825 days (the CA/Browser Forum cap).
 */
export async function mintLeaf(opts: LeafOptions): Promise<Credential> {
  const keys = opts.keys ?? (await newKeyPair(opts.usage === 'signing' ? 'rsa' : 'ec'));
  const { notBefore, notAfter } = validity(opts, 825);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    ...leafExtensions(opts.usage, kindOf(keys)),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (opts.crlUrl !== undefined) extensions.push(new x509.CRLDistributionPointsExtension([opts.crlUrl]));
  const names = [
    ...(opts.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  return issue({
    subject: opts.subject,
    keys,
    issuer: opts.issuer,
    serialNumber: opts.serial ?? newSerial(),
    notBefore,
    notAfter,
    extensions,
  });
}

/** Options of {@link mintCrl}. */
interface CrlOptions {
  /** The CA whose CRL this is (it signs it). */
  issuer: Credential;
  /** Serial numbers (hex) of the certificates it revokes. */
  revoked: readonly string[];
  /** Default now. */
  thisUpdate?: Date;
  /** Default thisUpdate + 7 days. Node's tls fails closed (CRL_HAS_EXPIRED) after it. */
  nextUpdate?: Date;
}

/**
 * A v2 CRL signed by `issuer` (RFC 5280 §5), as PEM `X509 CRL` (the label Node's tls `crl`
 * option and `openssl verify -CRLfile` accept). Revoked entries carry reason keyCompromise.
 */
export async function mintCrl(opts: CrlOptions): Promise<string> {
  const thisUpdate = opts.thisUpdate ?? new Date();
  const crl = await x509.X509CrlGenerator.create({
    issuer: opts.issuer.cert.subject,
    thisUpdate,
    nextUpdate: opts.nextUpdate ?? new Date(thisUpdate.getTime() + 7 * DAY_MS),
    signingAlgorithm: signingAlgorithm(kindOf(opts.issuer.keys)),
    signingKey: opts.issuer.keys.privateKey,
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(opts.issuer.cert.publicKey)],
    entries: opts.revoked.map((serialNumber) => ({
      serialNumber,
      revocationDate: new Date(thisUpdate.getTime() - 60_000),
      reason: x509.X509CrlReason.keyCompromise,
    })),
  });
  return pem(crl.rawData, 'X509 CRL');
}

/**
 * A credential read back from PEM (a certificate, optionally followed by more, and its PKCS #8
 * key), so a CA on disk can sign again (new CRLs, new community certificates).
 * @throws Error when the PEM cannot be parsed or the key does not match the certificate's algorithm.
 */
export async function loadCredential(certPem: string, keyPem: string): Promise<Credential> {
  const cert = new x509.X509Certificate(x509.PemConverter.decodeFirst(certPem));
  const der = x509.PemConverter.decodeFirst(keyPem);
  const algName = (cert.publicKey.algorithm as { name: string }).name;
  const alg = KeyAlgorithm[algName === 'ECDSA' ? 'ec' : 'rsa'];
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, alg, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', cert.publicKey.rawData, alg, true, ['verify']);
  return { cert, keys: { privateKey, publicKey }, certPem: pem(cert.rawData, 'CERTIFICATE'), keyPem };
}

/** The serial number (hex, lower case) of a PEM certificate (the first one in the text). */
export function serialOf(certPem: string): string {
  return new x509.X509Certificate(x509.PemConverter.decodeFirst(certPem)).serialNumber.toLowerCase();
}

/** The serial numbers (hex, lower case) a PEM CRL revokes. */
export function crlSerials(crlPem: string): string[] {
  return new x509.X509Crl(x509.PemConverter.decodeFirst(crlPem)).entries.map((e) =>
    e.serialNumber.toLowerCase(),
  );
}

/** The nextUpdate of a PEM CRL, or undefined when it has none. */
export function crlNextUpdate(crlPem: string): Date | undefined {
  return new x509.X509Crl(x509.PemConverter.decodeFirst(crlPem)).nextUpdate;
}
