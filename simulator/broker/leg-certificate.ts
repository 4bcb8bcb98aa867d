/**
 * A community leg that failed because the community's server certificate was not acceptable
 * (expired, revoked per its CA's CRL, from an untrusted CA...): the broker, as TLS client,
 * refused the handshake. Reported as XDSUnavailableCommunity (the community could not be used)
 * with a codeContext that names the certificate problem (IHE ITI TF-2 3.38.4.1.3, docs/security.md).
 */
import type { SoapCallError } from '../soap/client.js';
import {
  certificateProblem,
  describeCertificateProblem,
  isCertificateCode,
  type CertificateProblem,
} from '../security/tls.js';
import type { LegFailure } from './leg.js';

/** A `refused` leg failure that carries the certificate problem and the OpenSSL / Node code. */
type CertificateLegFailure = Extract<LegFailure, { reason: 'refused' }> & {
  certificate: CertificateProblem;
  code: string;
};

/** The certificate failure a refused call stands for, when its error code is a certificate one. */
export function certificateLegFailure(error: SoapCallError): CertificateLegFailure | undefined {
  if (!isCertificateCode(error.code)) return undefined;
  const certificate = certificateProblem(error.code);
  return {
    reason: 'refused',
    detail: `TLS handshake refused: server certificate ${describeCertificateProblem(certificate)} (${error.code})`,
    certificate,
    code: error.code,
  };
}

/** True for a leg failure made by {@link certificateLegFailure}. */
export function isCertificateFailure(f: LegFailure): f is CertificateLegFailure {
  return f.reason === 'refused' && 'certificate' in f && 'code' in f;
}

/** The codeContext tail for a certificate failure: "presented a server certificate that is … (CODE)". */
export function certificateContext(f: CertificateLegFailure): string {
  return `presented a server certificate that is ${describeCertificateProblem(f.certificate)} (${f.code}), so the broker refused the TLS connection`;
}
