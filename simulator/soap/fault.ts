/**
 * SOAP 1.2 faults: the one error class for "this message cannot be processed" (docs/architecture.md
 * "Principles", error family 2), its serialisation as a SOAP 1.2 fault envelope, its HTTP status,
 * and reading a fault received from a peer. Minimal text goes to the caller; `logDetail` stays in
 * the log.
 */
import { newUrnUuid } from '../shared/ids.js';
import { childElements, esc, firstChild, textOf, type Element } from './xml.js';
import { SoapNs, WSA_FAULT_ACTION, type QName } from './namespaces.js';

/** SOAP 1.2 fault codes (SOAP 1.2 Part 1 §5.4.6, Table 4). */
export type SoapFaultCode =
  'VersionMismatch' | 'MustUnderstand' | 'DataEncodingUnknown' | 'Sender' | 'Receiver';

/**
 * WS-Addressing fault subcodes used by nir-sim (WS-Addressing 1.0 SOAP Binding §6.4):
 * - `InvalidAddressingHeader` (§6.4.1): a wsa header is present but wrong (e.g. repeated).
 * - `MessageAddressingHeaderRequired` (§6.4.2): a required wsa header (wsa:Action) is missing.
 * - `ActionNotSupported` (§6.4.4): the endpoint does not handle this wsa:Action.
 * - `EndpointUnavailable` (§6.4.7): the endpoint cannot take the message now (overload).
 * Each is a Sender fault but EndpointUnavailable, a Receiver fault.
 */
export const WsaFaultSubcode = {
  InvalidAddressingHeader: { ns: SoapNs.wsa, local: 'InvalidAddressingHeader' },
  MessageAddressingHeaderRequired: { ns: SoapNs.wsa, local: 'MessageAddressingHeaderRequired' },
  ActionNotSupported: { ns: SoapNs.wsa, local: 'ActionNotSupported' },
  /**
   * §6.4.7: the endpoint cannot process the message at this time (a Receiver fault; its
   * env:Detail may carry wsa:RetryAfter, milliseconds).
   */
  EndpointUnavailable: { ns: SoapNs.wsa, local: 'EndpointUnavailable' },
} as const satisfies Record<string, QName>;

/**
 * Subsubcodes of wsa:InvalidAddressingHeader (WS-Addressing 1.0 SOAP Binding §6.4.1.1–6.4.1.8):
 * - `InvalidCardinality`: a wsa header that may occur once occurs more often.
 * - `ActionMismatch`: the SOAP 1.2 `action` media-type parameter differs from wsa:Action (§4.1.1).
 * - `OnlyAnonymousAddressSupported`: a non-anonymous wsa:ReplyTo / wsa:FaultTo at an endpoint that
 *   answers only on the back-channel (also WS-Addressing 1.0 Metadata §3.1.2).
 */
export const WsaFaultSubsubcode = {
  InvalidCardinality: { ns: SoapNs.wsa, local: 'InvalidCardinality' },
  ActionMismatch: { ns: SoapNs.wsa, local: 'ActionMismatch' },
  OnlyAnonymousAddressSupported: { ns: SoapNs.wsa, local: 'OnlyAnonymousAddressSupported' },
} as const satisfies Record<string, QName>;

/** Options of {@link SoapFaultError}. */
interface SoapFaultOptions {
  /** env:Subcode/env:Value, e.g. {@link WsaFaultSubcode}.ActionNotSupported. */
  subcode?: QName;
  /** env:Subcode/env:Subcode/env:Value (needs `subcode`), e.g. {@link WsaFaultSubsubcode}.ActionMismatch. */
  subsubcode?: QName;
  /**
   * The header block at fault, sent as env:Detail/wsa:ProblemHeaderQName (WS-Addressing 1.0 SOAP
   * Binding §6.4.1, §6.4.2), e.g. `{ ns: wsa, local: 'MessageID' }`.
   */
  problemHeader?: QName;
  /** Full detail for the log only; never serialised. */
  logDetail?: string;
  /** For `MustUnderstand`: the header blocks not understood, sent as env:NotUnderstood (§5.4.8). */
  notUnderstood?: QName[];
  /** The wsa:MessageID of the faulty message, when it could be read (becomes wsa:RelatesTo). */
  requestMessageId?: string;
  /** Underlying error, for the log. */
  cause?: unknown;
  /**
   * The receiver is temporarily unable to process the message: the fault carries
   * `<wsa:RetryAfter>` (ms, WS-Addressing 1.0 SOAP Binding §6.4.7) in env:Detail and travels with
   * HTTP 503 and a `Retry-After` header in whole seconds (RFC 9110 §15.6.4, §10.2.3).
   */
  retryAfterMs?: number;
}

/**
 * A message that cannot be processed. Thrown anywhere below the SOAP server (envelope parsing,
 * security, handlers) and turned into a SOAP 1.2 fault by the server's one error path.
 * `message` equals `reason`.
 * @example throw new SoapFaultError('Sender', 'wsa:Action is required', { subcode: WsaFaultSubcode.MessageAddressingHeaderRequired })
 */
export class SoapFaultError extends Error {
  override readonly name = 'SoapFaultError';
  readonly subcode?: QName;
  readonly subsubcode?: QName;
  readonly problemHeader?: QName;
  readonly logDetail?: string;
  readonly notUnderstood?: QName[];
  /** See {@link SoapFaultOptions.retryAfterMs}. */
  readonly retryAfterMs?: number;
  /** Set by whoever read the request's wsa:MessageID before failing; used as wsa:RelatesTo. */
  requestMessageId?: string;

  constructor(
    readonly code: SoapFaultCode,
    /** Minimal text sent to the caller in env:Reason/env:Text. */
    readonly reason: string,
    options: SoapFaultOptions = {},
  ) {
    super(reason, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.subcode) this.subcode = options.subcode;
    if (options.subcode && options.subsubcode) this.subsubcode = options.subsubcode;
    if (options.problemHeader) this.problemHeader = options.problemHeader;
    if (options.logDetail !== undefined) this.logDetail = options.logDetail;
    if (options.notUnderstood) this.notUnderstood = options.notUnderstood;
    if (options.requestMessageId !== undefined) this.requestMessageId = options.requestMessageId;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The HTTP status for a fault (SOAP 1.2 Part 2 §7.5.1.2, Table 20): `Sender` → 400, every other
 * code (VersionMismatch, MustUnderstand, DataEncodingUnknown, Receiver) → 500.
 */
export function faultHttpStatus(code: SoapFaultCode): number {
  return code === 'Sender' ? 400 : 500;
}

/**
 * The HTTP status and extra headers a fault travels with: {@link faultHttpStatus}, except a fault
 * with `retryAfterMs`, which is 503 Service Unavailable with `Retry-After: <seconds>` (RFC 9110
 * §15.6.4: the server is temporarily overloaded), as a busy HTTP service answers.
 */
export function faultHttpResponse(err: SoapFaultError): { status: number; headers: Record<string, string> } {
  if (err.retryAfterMs === undefined) return { status: faultHttpStatus(err.code), headers: {} };
  return { status: 503, headers: { 'Retry-After': String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))) } };
}

/** `<prefix:local>` with the namespace declared on the element itself when it is not env or wsa. */
function qnameText(q: QName): { text: string; decl: string } {
  if (q.ns === SoapNs.soap12) return { text: `env:${q.local}`, decl: '' };
  if (q.ns === SoapNs.wsa) return { text: `wsa:${q.local}`, decl: '' };
  return { text: `q:${q.local}`, decl: ` xmlns:q="${esc(q.ns)}"` };
}

/**
 * The env:Subcode/env:Value text {@link buildSoapFault} writes for `q` (SOAP 1.2 Part 1 §5.4.6),
 * e.g. `wsa:ActionNotSupported`; a namespace other than env and wsa gets the prefix `q`.
 */
export function faultSubcodeText(q: QName): string {
  return qnameText(q).text;
}

/** env:Upgrade (§5.4.7) and env:NotUnderstood (§5.4.8) header blocks for the fault envelope. */
function faultHeaderBlocks(err: SoapFaultError): string {
  if (err.code === 'VersionMismatch') {
    return `<env:Upgrade><env:SupportedEnvelope qname="ns1:Envelope" xmlns:ns1="${SoapNs.soap12}"/></env:Upgrade>`;
  }
  if (err.code !== 'MustUnderstand' || !err.notUnderstood) return '';
  return err.notUnderstood
    .map((q) => `<env:NotUnderstood qname="nu:${esc(q.local)}" xmlns:nu="${esc(q.ns)}"/>`)
    .join('');
}

/**
 * A complete SOAP 1.2 fault message (SOAP 1.2 Part 1 §5.4) with WS-Addressing headers
 * (wsa:Action = {@link WSA_FAULT_ACTION}, a fresh wsa:MessageID, wsa:RelatesTo when `relatesTo`
 * is given; WS-Addressing 1.0 SOAP Binding §6). VersionMismatch adds env:Upgrade (§5.4.7);
 * MustUnderstand adds one env:NotUnderstood per `err.notUnderstood` entry (§5.4.8); a subsubcode
 * nests in env:Subcode (Part 1 §5.4.6.1); `problemHeader` becomes env:Detail/wsa:ProblemHeaderQName
 * and `retryAfterMs` env:Detail/wsa:RetryAfter (ms).
 * `err.logDetail` is never included.
 * @returns the XML text, starting with an XML declaration (UTF-8).
 */
export function buildSoapFault(err: SoapFaultError, opts: { relatesTo?: string } = {}): string {
  const relatesTo = opts.relatesTo ?? err.requestMessageId;
  const headers =
    faultHeaderBlocks(err) +
    `<wsa:Action>${WSA_FAULT_ACTION}</wsa:Action>` +
    `<wsa:MessageID>${newUrnUuid()}</wsa:MessageID>` +
    (relatesTo ? `<wsa:RelatesTo>${esc(relatesTo)}</wsa:RelatesTo>` : '');
  let subcode = '';
  if (err.subcode) {
    const q = qnameText(err.subcode);
    let inner = '';
    if (err.subsubcode) {
      const qq = qnameText(err.subsubcode);
      inner = `<env:Subcode><env:Value${qq.decl}>${esc(qq.text)}</env:Value></env:Subcode>`;
    }
    subcode = `<env:Subcode><env:Value${q.decl}>${esc(q.text)}</env:Value>${inner}</env:Subcode>`;
  }
  let detail = '';
  if (err.problemHeader) {
    const q = qnameText(err.problemHeader);
    detail = `<wsa:ProblemHeaderQName${q.decl}>${esc(q.text)}</wsa:ProblemHeaderQName>`;
  }
  if (err.retryAfterMs !== undefined) {
    detail += `<wsa:RetryAfter>${Math.max(0, Math.round(err.retryAfterMs))}</wsa:RetryAfter>`;
  }
  if (detail) detail = `<env:Detail>${detail}</env:Detail>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<env:Envelope xmlns:env="${SoapNs.soap12}" xmlns:wsa="${SoapNs.wsa}">` +
    `<env:Header>${headers}</env:Header>` +
    '<env:Body><env:Fault>' +
    `<env:Code><env:Value>env:${err.code}</env:Value>${subcode}</env:Code>` +
    `<env:Reason><env:Text xml:lang="en">${esc(err.reason)}</env:Text></env:Reason>` +
    detail +
    '</env:Fault></env:Body></env:Envelope>'
  );
}

/** A fault as read from a peer's message. */
export interface ParsedSoapFault {
  /** Local part of env:Code/env:Value when it is a SOAP 1.2 QName (e.g. `Sender`), else its text. */
  code: string;
  /** Text of the first env:Subcode/env:Value, as sent (e.g. `wsa:ActionNotSupported`). */
  subcode?: string;
  /** The subcode with its prefix resolved, when the prefix is declared. */
  subcodeQName?: QName;
  /** The nested env:Subcode/env:Value (e.g. `wsa:ActionMismatch` under wsa:InvalidAddressingHeader), resolved. */
  subsubcodeQName?: QName;
  /** env:Reason/env:Text, preferring `xml:lang="en…"`; '' when absent. */
  reason: string;
}

/** Resolve `prefix:local` (or `local`) against the namespace declarations in scope at `el`. */
function resolveQName(el: Element, text: string): QName | undefined {
  const i = text.indexOf(':');
  const prefix = i < 0 ? null : text.slice(0, i);
  const ns = el.lookupNamespaceURI(prefix);
  return ns ? { ns, local: text.slice(i + 1) } : undefined;
}

/**
 * Read an env:Fault element (SOAP 1.2 Part 1 §5.4) received from a peer. Tolerant: missing parts
 * become '' / undefined rather than errors, since this only describes a failure already known.
 */
export function parseSoapFault(faultEl: Element): ParsedSoapFault {
  const env = SoapNs.soap12;
  const codeEl = firstChild(faultEl, env, 'Code');
  const valueEl = codeEl && firstChild(codeEl, env, 'Value');
  const codeText = valueEl ? textOf(valueEl) : '';
  const codeQ = valueEl ? resolveQName(valueEl, codeText) : undefined;
  const out: ParsedSoapFault = { code: codeQ?.ns === env ? codeQ.local : codeText, reason: '' };
  const subEl = codeEl && firstChild(codeEl, env, 'Subcode');
  const subValueEl = subEl && firstChild(subEl, env, 'Value');
  if (subValueEl) {
    out.subcode = textOf(subValueEl);
    const q = resolveQName(subValueEl, out.subcode);
    if (q) out.subcodeQName = q;
    const subSubEl = firstChild(subEl, env, 'Subcode');
    const subSubValueEl = subSubEl && firstChild(subSubEl, env, 'Value');
    const qq = subSubValueEl && resolveQName(subSubValueEl, textOf(subSubValueEl));
    if (qq) out.subsubcodeQName = qq;
  }
  const reasonEl = firstChild(faultEl, env, 'Reason');
  const texts = reasonEl ? childElements(reasonEl, env, 'Text') : [];
  const en = texts.find((t) => (t.getAttributeNS(SoapNs.xml, 'lang') ?? '').toLowerCase().startsWith('en'));
  const chosen = en ?? texts[0];
  if (chosen) out.reason = textOf(chosen);
  return out;
}
