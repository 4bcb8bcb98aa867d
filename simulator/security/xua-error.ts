/**
 * Why an XUA assertion was refused, and the SOAP Fault that tells the caller no more than the
 * WS-Security fault code (OASIS WSS SOAP Message Security 1.1 §12, Table 2: `wsse:InvalidSecurity`
 * "An error was discovered processing the <wsse:Security> header", `wsse:FailedAuthentication`
 * "The security token could not be authenticated or authorized"). The full reason stays in the log.
 */
import { SoapFaultError } from '../soap/fault.js';
import { WSSE_NS, type QName } from '../soap/namespaces.js';

/**
 * Each way an assertion fails. Structural problems (the header cannot be processed) are
 * InvalidSecurity; problems with who the token says the user is, or whether it is genuine, now,
 * here, are FailedAuthentication (see {@link xuaFaultSubcode}).
 */
export type XuaFailure =
  | 'no-security-header'
  | 'several-security-headers'
  | 'no-assertion'
  | 'several-assertions'
  | 'malformed'
  | 'unsupported-algorithm'
  | 'unsigned'
  | 'bad-signature'
  | 'untrusted-signer'
  | 'expired'
  | 'not-yet-valid'
  | 'message-expired'
  | 'wrong-audience'
  | 'no-authn-statement'
  | 'missing-attribute'
  | 'several-roles'
  | 'several-purposes'
  | 'role-not-allowed'
  | 'purpose-not-allowed'
  | 'resource-mismatch'
  /** The same Issuer + assertion ID was accepted before and has not expired (replay-cache.ts). */
  | 'replayed';

/** WS-Security 1.x fault subcodes (`wsse:` QNames). */
export const WsseFaultSubcode = {
  InvalidSecurity: { ns: WSSE_NS, local: 'InvalidSecurity' },
  FailedAuthentication: { ns: WSSE_NS, local: 'FailedAuthentication' },
} as const satisfies Record<string, QName>;

/** The WSS fault strings (WSS 1.1 §12 Table 2), sent as env:Reason and nothing else. */
const REASON = {
  InvalidSecurity: 'An error was discovered processing the <wsse:Security> header',
  FailedAuthentication: 'The security token could not be authenticated or authorized',
} as const;

/** Which WS-Security subcode a failure is reported with. */
export function xuaFaultSubcode(f: XuaFailure): keyof typeof WsseFaultSubcode {
  switch (f) {
    case 'no-security-header':
    case 'several-security-headers':
    case 'no-assertion':
    case 'several-assertions':
    case 'malformed':
    case 'unsupported-algorithm':
    case 'no-authn-statement':
    case 'missing-attribute':
    case 'several-roles':
    case 'several-purposes':
    case 'replayed':
      return 'InvalidSecurity';
    case 'unsigned':
    case 'bad-signature':
    case 'untrusted-signer':
    case 'expired':
    case 'not-yet-valid':
    case 'message-expired':
    case 'wrong-audience':
    case 'role-not-allowed':
    case 'purpose-not-allowed':
    case 'resource-mismatch':
      return 'FailedAuthentication';
  }
}

/** A refused assertion: `failure` says which check, `detail` says exactly what (log only). */
export class XuaError extends Error {
  override readonly name = 'XuaError';
  constructor(
    readonly failure: XuaFailure,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${failure}: ${detail}`, options);
  }

  /**
   * The SOAP 1.2 Sender fault for this failure (HTTP 400): subcode wsse:InvalidSecurity or
   * wsse:FailedAuthentication, the WSS fault string as reason, `failure: detail` as logDetail.
   */
  toSoapFault(requestMessageId?: string): SoapFaultError {
    const which = xuaFaultSubcode(this.failure);
    return new SoapFaultError('Sender', REASON[which], {
      subcode: WsseFaultSubcode[which],
      logDetail: this.message,
      cause: this,
      ...(requestMessageId !== undefined ? { requestMessageId } : {}),
    });
  }
}
