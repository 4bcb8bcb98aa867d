/**
 * Default deny on the integration port (docs/architecture.md "Request flow: one ITI-38 query", step
 * 4: the XUA assertion validated, or a SOAP Fault): before any handler runs, the peer must have
 * presented a certificate that verified (mutual TLS, checked again here in case the handshake gate
 * is ever bypassed) and the message must carry a valid XUA assertion (IHE ITI-40, validated by
 * security/xua-validate.ts). Any failure is a SOAP Fault with subcode wsse:InvalidSecurity or
 * wsse:FailedAuthentication and nothing else; the full reason is logged; no community is called.
 */
import type { RequesterIdentity } from '../events/transaction-events.js';
import type { SoapRequest } from '../soap/server.js';
import type { XuaClaims } from '../security/saml.js';
import { XuaError } from '../security/xua-error.js';
import { checkResourceId, type XuaValidator } from '../security/xua-validate.js';
import type { BrokerContext } from './context.js';
import { legBearerToken } from './mhd-leg-token.js';
import { signForwardedSecurityHeader, type AssertionForwarder } from './xua-forward.js';

/** What a secured listener enforces. */
export interface BrokerSecurity {
  /** Validates the consumer's assertion (audience NIR's broker, trust pinned to supplier signing certificates). */
  validator: XuaValidator;
}

/** A request let in: who asked (when validated), and the broker context to answer it with. */
interface Admission {
  /** The validated claims (integration port); undefined on the open sandbox port. */
  claims?: XuaClaims;
  /** The validated requester for the audit trail (assurance `validated`). */
  requester?: RequesterIdentity;
  /**
   * The context for this request once the patient is known: checks resource-id against
   * `patientCx` (integration port) and, when forwarding is on, makes every leg carry a
   * broker-signed assertion (signed once, started by the first leg, the RSA operation off the
   * event loop; every leg awaits the same signature), and every leg to an MHD community a
   * broker-signed IUA access token (mhd-leg-token.ts), minted once per request the same way.
   * @throws SoapFaultError wsse:FailedAuthentication when resource-id names another patient.
   */
  contextFor(patientCx: string | undefined): BrokerContext;
}

function fault(err: XuaError, sreq: SoapRequest, bc: BrokerContext): Error {
  bc.logger.warn(
    { failure: err.failure, detail: err.detail, remoteAddress: sreq.remoteAddress },
    'XUA: request refused',
  );
  return err.toSoapFault(sreq.envelope.addressing.messageId);
}

function requesterOf(c: XuaClaims, sreq: SoapRequest): RequesterIdentity {
  const cn = (sreq.tls?.peerCertificate?.subject as Partial<Record<string, string>> | undefined)?.['CN'];
  const coded = (v: XuaClaims['role']): NonNullable<RequesterIdentity['role']> => ({
    code: v.code,
    ...(v.codeSystem !== undefined ? { codeSystem: v.codeSystem } : {}),
    ...(v.displayName !== undefined ? { displayName: v.displayName } : {}),
  });
  return {
    assurance: 'validated',
    ...(typeof cn === 'string' ? { callingSystem: { id: cn, source: 'tls-certificate' as const } } : {}),
    user: { id: c.subjectId, display: c.nameId, issuer: c.issuer },
    organisation: { id: c.organizationId, display: c.organization },
    role: coded(c.role),
    purposeOfUse: coded(c.purposeOfUse),
    homeCommunityId: c.homeCommunityId,
    ...(c.resourceId !== undefined ? { patientId: c.resourceId } : {}),
    assertionId: c.assertionId,
  };
}

/**
 * Admit one request. With `security` (the integration port): the TLS peer must be authorised and
 * the assertion valid, else a SoapFaultError is thrown (no handler runs). Without it (the sandbox
 * port): everyone is admitted. `forward` makes the legs carry a broker-signed assertion.
 * @throws SoapFaultError Sender, subcode wsse:InvalidSecurity / wsse:FailedAuthentication.
 */
export function admit(
  sreq: SoapRequest,
  bc: BrokerContext,
  security: BrokerSecurity | undefined,
  forward: AssertionForwarder | undefined,
): Admission {
  let claims: XuaClaims | undefined;
  if (security) {
    try {
      if (!sreq.tls?.authorized)
        throw new XuaError(
          'untrusted-signer',
          `TLS peer not authorised (${sreq.tls?.authorizationError ?? 'no TLS'})`,
        );
      claims = security.validator.validate(sreq.envelope, sreq.rawXml, new Date(bc.clock.now()));
    } catch (err) {
      if (err instanceof XuaError) throw fault(err, sreq, bc);
      throw err;
    }
  }
  return {
    ...(claims ? { claims, requester: requesterOf(claims, sreq) } : {}),
    contextFor: (patientCx) => {
      if (claims) {
        try {
          checkResourceId(claims, patientCx);
        } catch (err) {
          if (err instanceof XuaError) throw fault(err, sreq, bc);
          throw err;
        }
      }
      if (!forward) return bc;
      const audiences = bc.directory.communities.map((c) => c.homeCommunityId);
      // One signature per request, started by the first leg; every leg awaits the same promise.
      let header: Promise<string> | undefined;
      const securityHeader = (): Promise<string> =>
        (header ??= signForwardedSecurityHeader(forward, bc.clock, audiences, claims, patientCx));
      // MHD communities: one IUA token per request (mhd-leg-token.ts), minted by the first MHD leg.
      const bearerToken = legBearerToken(forward, bc.clock, bc.directory.communities, claims, patientCx);
      return {
        ...bc,
        transport: { ...bc.transport, securityHeader, ...(bearerToken ? { bearerToken } : {}) },
      };
    },
  };
}
