/**
 * TLS contexts for mutual TLS with CRL checking, and the peer check that turns OpenSSL's
 * verification error into a typed reason. Node's `crl` option turns on CRL checking for the whole
 * chain (X509_V_FLAG_CRL_CHECK | CRL_CHECK_ALL), so every CA in a chain needs a current CRL, in
 * PEM labelled `X509 CRL` (../shared/research/npm-stack.md §4). Servers run with
 * `rejectUnauthorized: false` and check the peer themselves, so the reason can be logged.
 */
import { readFileSync } from 'node:fs';
import type { PeerCertificate, SecureContextOptions, TLSSocket } from 'node:tls';

/**
 * Why a peer certificate was not accepted:
 * - `revoked`: listed in its CA's CRL (CERT_REVOKED).
 * - `expired` / `not-yet-valid`: outside notBefore..notAfter (CERT_HAS_EXPIRED, CERT_NOT_YET_VALID).
 * - `unknown-ca`: no chain to a trusted CA (UNABLE_TO_GET_ISSUER_CERT[_LOCALLY], UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_UNTRUSTED...).
 * - `self-signed`: a self-signed leaf or chain (DEPTH_ZERO_SELF_SIGNED_CERT, SELF_SIGNED_CERT_IN_CHAIN).
 * - `no-certificate`: the client sent none.
 * - `crl-unavailable`: a CA in the chain has no CRL, or its CRL expired (UNABLE_TO_GET_CRL, CRL_HAS_EXPIRED...): fails closed.
 * - `hostname-mismatch`: a server certificate that does not name the host (ERR_TLS_CERT_ALTNAME_INVALID).
 * - `invalid`: anything else OpenSSL rejects (bad signature, wrong purpose, ...).
 */
export type CertificateProblem =
  | 'revoked'
  | 'expired'
  | 'not-yet-valid'
  | 'unknown-ca'
  | 'self-signed'
  | 'no-certificate'
  | 'crl-unavailable'
  | 'hostname-mismatch'
  | 'invalid';

const PROBLEM_BY_CODE: Readonly<Record<string, CertificateProblem>> = {
  CERT_REVOKED: 'revoked',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not-yet-valid',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown-ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown-ca',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown-ca',
  CERT_UNTRUSTED: 'unknown-ca',
  CERT_REJECTED: 'unknown-ca',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed',
  UNABLE_TO_GET_CRL: 'crl-unavailable',
  UNABLE_TO_GET_CRL_ISSUER: 'crl-unavailable',
  CRL_HAS_EXPIRED: 'crl-unavailable',
  CRL_NOT_YET_VALID: 'crl-unavailable',
  CRL_SIGNATURE_FAILURE: 'crl-unavailable',
  UNABLE_TO_DECRYPT_CRL_SIGNATURE: 'crl-unavailable',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname-mismatch',
  HOSTNAME_MISMATCH: 'hostname-mismatch',
};

/** The problem an OpenSSL / Node verification code names (`invalid` for codes not listed above). */
export function certificateProblem(code: string): CertificateProblem {
  return PROBLEM_BY_CODE[code] ?? 'invalid';
}

/** True when `code` is a certificate verification code (as opposed to e.g. ECONNRESET). */
export function isCertificateCode(code: string | undefined): code is string {
  return (
    code !== undefined &&
    (code in PROBLEM_BY_CODE ||
      /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|CRL_|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH)/.test(code))
  );
}

/** Words for a problem, to complete "a certificate that is …" / "… certificate". */
export function describeCertificateProblem(p: CertificateProblem): string {
  switch (p) {
    case 'revoked':
      return 'revoked by its CA';
    case 'expired':
      return 'expired';
    case 'not-yet-valid':
      return 'not yet valid';
    case 'unknown-ca':
      return 'from a CA that is not trusted';
    case 'self-signed':
      return 'self-signed';
    case 'no-certificate':
      return 'absent';
    case 'crl-unavailable':
      return 'not checkable against a current CRL';
    case 'hostname-mismatch':
      return 'issued for another host name';
    case 'invalid':
      return 'invalid';
  }
}

/** Outcome of checking a peer's certificate on an established TLS socket. */
export type PeerCheck =
  | { ok: true; subject: string; serial: string }
  | { ok: false; problem: CertificateProblem; code: string; subject?: string; serial?: string };

function describePeer(cert: PeerCertificate): { subject: string; serial: string } {
  const s = cert.subject as Partial<Record<string, string | string[]>> | undefined;
  const cn = s?.['CN'];
  return {
    subject: Array.isArray(cn) ? cn.join(',') : (cn ?? ''),
    serial: (cert.serialNumber ?? '').toLowerCase(),
  };
}

/** A certificate whose issuer is its subject (RFC 5280 §3.2 "self-issued"). */
function selfIssued(cert: PeerCertificate): boolean {
  return JSON.stringify(cert.subject) === JSON.stringify(cert.issuer);
}

/**
 * Check the peer of a TLS socket the server accepted with `requestCert: true, rejectUnauthorized:
 * false`: authorised → ok with its subject CN and serial; otherwise the problem, from
 * `socket.authorizationError` (an OpenSSL X509_V_ERR name such as CERT_REVOKED), `self-signed`
 * for any refused self-issued certificate, or `no-certificate` when the client sent none.
 */
export function checkPeer(socket: TLSSocket): PeerCheck {
  const cert = socket.getPeerCertificate();
  const present = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  if (!present) return { ok: false, problem: 'no-certificate', code: 'NO_PEER_CERTIFICATE' };
  const who = describePeer(cert);
  if (socket.authorized) return { ok: true, ...who };
  // Typed as Error, but Node sets the OpenSSL verification code string (e.g. 'CERT_REVOKED').
  const err: unknown = socket.authorizationError;
  const code =
    typeof err === 'string'
      ? err
      : err instanceof Error
        ? ((err as NodeJS.ErrnoException).code ?? err.message)
        : 'UNKNOWN';
  // With CRL checking on, OpenSSL reports a self-signed leaf as UNABLE_TO_GET_CRL: name it for what it is.
  const problem = selfIssued(cert) ? 'self-signed' : certificateProblem(code);
  return { ok: false, problem, code, ...who };
}

/** A certificate (chain) and key, plus the trust anchors and CRL files to check the peer with. */
export interface MtlsMaterial {
  /** Own certificate (PEM; a chain is allowed: leaf first). */
  certPem: string;
  keyPem: string;
  /** Trusted CA certificates for the peer (PEM, one or more). */
  caPem: string | readonly string[];
  /** Files of the CRLs of every CA the peer's chain can go through (re-read on each call). */
  crlFiles: readonly string[];
}

/**
 * The cipher suites offered and accepted: AEAD with forward secrecy only. TLS 1.3's AES-GCM and
 * ChaCha20-Poly1305 suites (RFC 8446 §9.1), and for TLS 1.2 ECDHE with AES-GCM or
 * ChaCha20-Poly1305 (RFC 5289, RFC 7905); no CBC (Lucky13), CCM8, ARIA, static RSA or DHE
 * (NCSC and Mozilla "intermediate" TLS guidance).
 */
const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/**
 * Secure-context options (for `tls.createSecureContext`, `server.setSecureContext`, an https
 * Agent): own cert/key, the CAs, and the CRLs read from disk now (so calling it again reloads
 * them). TLS 1.2 is the minimum (NHS and IHE ATNA Secure Node practice); only {@link TLS_CIPHERS}.
 * @throws Error when a CRL file is unreadable (the caller keeps its previous context).
 */
export function secureContextOptions(m: MtlsMaterial): SecureContextOptions {
  return {
    cert: m.certPem,
    key: m.keyPem,
    ca: typeof m.caPem === 'string' ? m.caPem : [...m.caPem],
    crl: m.crlFiles.map((f) => readFileSync(f, 'utf8')),
    minVersion: 'TLSv1.2',
    ciphers: TLS_CIPHERS,
    honorCipherOrder: true,
  };
}

/** Server options for mutual TLS: a client certificate is requested, and checked by {@link checkPeer}. */
export function mtlsServerOptions(
  m: MtlsMaterial,
): SecureContextOptions & { requestCert: true; rejectUnauthorized: false } {
  return { ...secureContextOptions(m), requestCert: true, rejectUnauthorized: false };
}
