/** OpenSSL / Node verification codes to the typed certificate problems logs and codeContexts use. */
import { describe, expect, it } from 'vitest';
import { certificateProblem, describeCertificateProblem, isCertificateCode } from './tls.js';

describe('certificate problems', () => {
  it.each([
    ['CERT_REVOKED', 'revoked', 'revoked by its CA'],
    ['CERT_HAS_EXPIRED', 'expired', 'expired'],
    ['CERT_NOT_YET_VALID', 'not-yet-valid', 'not yet valid'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unknown-ca', 'from a CA that is not trusted'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unknown-ca', 'from a CA that is not trusted'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed', 'self-signed'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed', 'self-signed'],
    ['UNABLE_TO_GET_CRL', 'crl-unavailable', 'not checkable against a current CRL'],
    ['CRL_HAS_EXPIRED', 'crl-unavailable', 'not checkable against a current CRL'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'hostname-mismatch', 'issued for another host name'],
    ['INVALID_PURPOSE', 'invalid', 'invalid'],
  ] as const)('%s is %s ("%s")', (code, problem, words) => {
    expect(isCertificateCode(code)).toBe(true);
    expect(certificateProblem(code)).toBe(problem);
    expect(describeCertificateProblem(problem)).toBe(words);
  });

  it('network errors are not certificate codes', () => {
    expect(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', undefined].map(isCertificateCode)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
