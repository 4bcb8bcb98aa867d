/**
 * The XML namespaces and fixed URIs the SOAP layer speaks. Copied here on purpose: soap/ may import
 * only shared/ (docs/architecture.md "Import boundaries"), so it does not reach into
 * xca/constants.ts for the XOP namespace.
 */

/**
 * XML namespaces, as `as const` with a same-named type.
 * - `soap12`: SOAP 1.2 envelope (SOAP 1.2 Part 1 §5, "http://www.w3.org/2003/05/soap-envelope").
 * - `soap11`: SOAP 1.1 envelope, only to recognise a 1.1 message and answer VersionMismatch
 *   (SOAP 1.2 Part 1 §5.4.7, Appendix A).
 * - `wsa`: WS-Addressing 1.0 Core §2 / SOAP Binding §2.
 * - `xop`: XOP 1.0 §2 (`xop:Include`).
 * - `xml`: the `xml:` prefix namespace (XML Namespaces §3), for `xml:lang` on fault Reason text.
 */
export const SoapNs = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsa: 'http://www.w3.org/2005/08/addressing',
  xop: 'http://www.w3.org/2004/08/xop/include',
  xml: 'http://www.w3.org/XML/1998/namespace',
} as const;
export type SoapNs = (typeof SoapNs)[keyof typeof SoapNs];

/**
 * WS-Security 1.0 `wsse:` namespace (OASIS WSS SOAP Message Security 1.0 §4), for callers that list
 * `{ ns: WSSE_NS, local: 'Security' }` among the header blocks they understand (ITI TF-2 3.40).
 */
export const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';

/** wsa:Address of the anonymous endpoint: "reply on the HTTP response" (WS-Addressing 1.0 Core §2.1). */
export const WSA_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';

/** wsa:Action of fault messages (WS-Addressing 1.0 SOAP Binding §6; Core §3.1 fault action). */
export const WSA_FAULT_ACTION = 'http://www.w3.org/2005/08/addressing/fault';

/**
 * SOAP 1.2 roles (SOAP 1.2 Part 1 §2.2). A header block without `env:role` targets the ultimate
 * receiver; one targeted at `none` is never processed, so its mustUnderstand is never checked.
 */
export const SoapRole = {
  next: 'http://www.w3.org/2003/05/soap-envelope/role/next',
  none: 'http://www.w3.org/2003/05/soap-envelope/role/none',
  ultimateReceiver: 'http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver',
} as const;
export type SoapRole = (typeof SoapRole)[keyof typeof SoapRole];

/** A namespace-qualified element name (`{ns}local`), used for header blocks and fault subcodes. */
export interface QName {
  /** Namespace URI (empty string for no namespace). */
  readonly ns: string;
  /** Local part. */
  readonly local: string;
}
