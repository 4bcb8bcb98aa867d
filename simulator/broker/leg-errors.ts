/**
 * RegistryErrors the broker writes about a community (ITI TF-2 3.38.4.1.3, ITI38-019: name the
 * community and the problem; ITI39-012: `location` is the community's homeCommunityId).
 */
import { ErrorCode } from '../xca/constants.js';
import { registryError } from '../xca/status.js';
import type { RegistryError } from '../xca/types.js';
import type { CommunityRef, LegFailure } from './leg.js';
import { certificateContext, isCertificateFailure } from './leg-certificate.js';

const who = (c: CommunityRef): string => `community ${c.homeCommunityId} (${c.name})`;

/**
 * The one RegistryError for a leg that produced no usable response. Transport failures (and a
 * community the broker has no codec for) give XDSUnavailableCommunity; an answer that arrived but
 * cannot be used gives `unusableCode` (XDSRegistryError for a query, XDSRepositoryError for a
 * retrieve). XCA wording names what the answer should have been (a SOAP 1.2 envelope); for an
 * MHD leg (`c.protocol === 'mhd'`) the codec's detail says it (e.g. "the ITI-67 answer is not
 * FHIR JSON (...)"), so the sentence around it names no format.
 */
export function legFailureError(
  c: CommunityRef,
  f: LegFailure,
  unusableCode: string,
  suffix = '',
): RegistryError {
  const at = c.homeCommunityId;
  const tail = suffix ? ` ${suffix}` : '';
  switch (f.reason) {
    case 'timeout':
      return registryError(
        ErrorCode.XDSUnavailableCommunity,
        `${who(c)} did not answer within ${f.deadlineMs} ms${tail}`,
        at,
      );
    case 'refused':
      if (isCertificateFailure(f))
        return registryError(
          ErrorCode.XDSUnavailableCommunity,
          `${who(c)} ${certificateContext(f)}${tail}`,
          at,
        );
      return registryError(
        ErrorCode.XDSUnavailableCommunity,
        `${who(c)} refused the connection (${f.detail})${tail}`,
        at,
      );
    case 'reset':
      return registryError(
        ErrorCode.XDSUnavailableCommunity,
        `${who(c)} closed the connection before answering (${f.detail})${tail}`,
        at,
      );
    case 'too-large':
      return registryError(
        ErrorCode.XDSUnavailableCommunity,
        `${who(c)} sent a response over the size limit (${f.detail})${tail}`,
        at,
      );
    case 'http-status':
      return registryError(
        ErrorCode.XDSUnavailableCommunity,
        c.protocol === 'mhd'
          ? `${who(c)} answered HTTP ${f.httpStatus} (${f.detail})${tail}`
          : `${who(c)} answered HTTP ${f.httpStatus} without a SOAP envelope${tail}`,
        at,
      );
    case 'soap-fault':
      return registryError(
        unusableCode,
        `${who(c)} answered a SOAP Fault (${f.faultCode}: ${f.faultReason})${tail}`,
        at,
      );
    case 'malformed':
      return registryError(
        unusableCode,
        c.protocol === 'mhd'
          ? `${who(c)} answered with an unreadable body (${f.detail})${tail}`
          : `${who(c)} answered with a body that is not a SOAP 1.2 envelope (${f.detail})${tail}`,
        at,
      );
    case 'invalid-response':
      return registryError(
        unusableCode,
        `${who(c)} answered with an invalid response (${f.detail})${tail}`,
        at,
      );
    case 'unsupported':
      return registryError(
        ErrorCode.XDSUnavailableCommunity,
        `${who(c)} cannot be asked: ${f.detail}${tail}`,
        at,
      );
  }
}

/** A community's own RegistryError, forwarded with `location` set to that community (ITI39-012). */
export function forwardedError(c: CommunityRef, e: RegistryError): RegistryError {
  if (e.location === undefined || e.location === c.homeCommunityId)
    return { ...e, location: c.homeCommunityId };
  return {
    ...e,
    location: c.homeCommunityId,
    codeContext: `${e.codeContext} (community location: ${e.location})`,
  };
}

export { who as describeCommunity };
