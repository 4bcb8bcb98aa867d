/**
 * SOAP 1.2 envelope reading (with WS-Addressing headers and the mustUnderstand rule) and writing.
 * Prefix-agnostic: every check is on namespace URI + local name.
 */
import { newUrnUuid } from '../shared/ids.js';
import { childElements, esc, firstChild, textOf, type Document, type Element } from './xml.js';
import { withoutXmlDeclaration } from './xml-fragment.js';
import { SoapFaultError, WsaFaultSubcode, WsaFaultSubsubcode } from './fault.js';
import { SoapNs, SoapRole, WSA_ANONYMOUS, type QName } from './namespaces.js';

/** WS-Addressing message addressing properties read from the header (WS-Addressing 1.0 Core §3). */
export interface SoapAddressing {
  /** wsa:Action, trimmed. */
  action?: string;
  /** wsa:MessageID, trimmed (not necessarily `urn:uuid:`). */
  messageId?: string;
  /** wsa:To, trimmed. */
  to?: string;
  /** wsa:ReplyTo/wsa:Address, trimmed. */
  replyTo?: string;
  /** wsa:FaultTo/wsa:Address, trimmed. */
  faultTo?: string;
  /** The first wsa:RelatesTo, trimmed. */
  relatesTo?: string;
}

/** A parsed SOAP 1.2 envelope. Elements belong to `document`. */
export interface SoapEnvelope {
  addressing: SoapAddressing;
  /** Every element child of env:Header, WS-A ones included, in document order. */
  headerBlocks: Element[];
  /** The first element child of env:Body, or undefined when the Body is empty. */
  body: Element | undefined;
  /** How many element children env:Body has. */
  bodyChildren: number;
  /** The parsed document (for signature checks over the whole message). */
  document: Document;
}

/** Options of {@link parseSoapEnvelope}. */
export interface ParseEnvelopeOptions {
  /**
   * Apply the mustUnderstand rule (default true). A client reading a response passes false: it
   * must not answer a response with a MustUnderstand fault.
   */
  enforceMustUnderstand?: boolean;
}

/** WS-A headers always understood (WS-Addressing 1.0 SOAP Binding §2.2 / Core §3.2). */
const WSA_HEADERS: ReadonlySet<string> = new Set([
  'Action',
  'MessageID',
  'To',
  'ReplyTo',
  'FaultTo',
  'From',
  'RelatesTo',
]);
/** WS-A headers that may appear at most once (Core §3.2 cardinalities). */
const WSA_SINGLE = ['Action', 'MessageID', 'To', 'ReplyTo', 'FaultTo', 'From'] as const;

function sender(reason: string, logDetail?: string): SoapFaultError {
  return new SoapFaultError('Sender', reason, logDetail === undefined ? {} : { logDetail });
}

/** Split the Envelope into Header (optional) and Body, in that order, nothing else (Part 1 §5.1). */
function envelopeParts(root: Element): { header: Element | undefined; body: Element } {
  const kids = childElements(root);
  const isEnv = (e: Element | undefined, local: string): e is Element =>
    e !== undefined && e.namespaceURI === SoapNs.soap12 && e.localName === local;
  const header = isEnv(kids[0], 'Header') ? kids[0] : undefined;
  const body = kids[header ? 1 : 0];
  if (!isEnv(body, 'Body'))
    throw sender('env:Envelope must contain env:Body', 'no env:Body after the optional env:Header');
  if (kids.length > (header ? 2 : 1)) throw sender('env:Envelope has content after env:Body');
  return { header, body };
}

function readAddressing(blocks: Element[]): SoapAddressing {
  const wsa = blocks.filter((b) => b.namespaceURI === SoapNs.wsa);
  for (const local of WSA_SINGLE) {
    if (wsa.filter((b) => b.localName === local).length > 1) {
      throw new SoapFaultError('Sender', `wsa:${local} must not be repeated`, {
        subcode: WsaFaultSubcode.InvalidAddressingHeader,
        subsubcode: WsaFaultSubsubcode.InvalidCardinality,
        problemHeader: { ns: SoapNs.wsa, local },
      });
    }
  }
  const text = (local: string): string | undefined => {
    const el = wsa.find((b) => b.localName === local);
    const t = el ? textOf(el) : '';
    return t === '' ? undefined : t;
  };
  const out: SoapAddressing = {};
  const action = text('Action');
  const messageId = text('MessageID');
  const to = text('To');
  const relatesTo = text('RelatesTo');
  const address = (local: string): string => {
    const epr = wsa.find((b) => b.localName === local);
    const addr = epr && firstChild(epr, SoapNs.wsa, 'Address');
    return addr ? textOf(addr) : '';
  };
  const replyTo = address('ReplyTo');
  const faultTo = address('FaultTo');
  if (action !== undefined) out.action = action;
  if (messageId !== undefined) out.messageId = messageId;
  if (to !== undefined) out.to = to;
  if (replyTo !== '') out.replyTo = replyTo;
  if (faultTo !== '') out.faultTo = faultTo;
  if (relatesTo !== undefined) out.relatesTo = relatesTo;
  return out;
}

/** True when the block is targeted at this node (Part 1 §2.2–2.4: no role, next or ultimateReceiver). */
function targetsUs(block: Element): boolean {
  const role = block.getAttributeNS(SoapNs.soap12, 'role')?.trim();
  return !role || role === SoapRole.next || role === SoapRole.ultimateReceiver;
}

function mustUnderstand(block: Element): boolean {
  const v = block.getAttributeNS(SoapNs.soap12, 'mustUnderstand')?.trim();
  return v === '1' || v === 'true';
}

/** xs:boolean lexical forms (XML Schema Part 2 §3.2.2.1), after whitespace collapse. */
const XS_BOOLEAN: ReadonlySet<string> = new Set(['true', 'false', '1', '0']);

/**
 * env:mustUnderstand (Part 1 §5.2.3) and env:relay (§5.2.4) are xs:boolean: `yes`, `on`, '' and
 * the like make the message not a valid SOAP 1.2 envelope, whatever the block's role.
 */
function checkBooleanAttributes(blocks: Element[]): void {
  for (const b of blocks) {
    for (const local of ['mustUnderstand', 'relay']) {
      const raw = b.getAttributeNS(SoapNs.soap12, local);
      if (raw === null) continue;
      const v = raw.trim();
      if (XS_BOOLEAN.has(v)) continue;
      throw sender(
        `env:${local} must be true, false, 1 or 0 (SOAP 1.2 Part 1 §${local === 'relay' ? '5.2.4' : '5.2.3'})`,
        `{${b.namespaceURI ?? ''}}${b.localName ?? ''} env:${local}=${JSON.stringify(v)}`,
      );
    }
  }
}

function checkMustUnderstand(blocks: Element[], understood: ReadonlyArray<QName>): void {
  const missed: QName[] = [];
  for (const b of blocks) {
    if (!mustUnderstand(b) || !targetsUs(b)) continue;
    const ns = b.namespaceURI ?? '';
    if (ns === SoapNs.wsa && WSA_HEADERS.has(b.localName ?? '')) continue;
    if (understood.some((q) => q.ns === ns && q.local === b.localName)) continue;
    missed.push({ ns, local: b.localName ?? '' });
  }
  if (missed.length > 0) {
    const names = missed.map((q) => `{${q.ns}}${q.local}`).join(', ');
    throw new SoapFaultError('MustUnderstand', 'One or more mandatory SOAP header blocks not understood', {
      notUnderstood: missed,
      logDetail: `not understood: ${names}`,
    });
  }
}

/**
 * Read a SOAP 1.2 envelope (SOAP 1.2 Part 1 §5) and its WS-Addressing headers (WS-Addressing 1.0
 * SOAP Binding §2). Any prefixes or default namespaces are accepted.
 * @param understood header blocks (besides the WS-A ones) this node processes; a header block
 *   targeted at this node with `env:mustUnderstand` `1`/`true` not in this list is a fault (§5.2.3).
 * @throws SoapFaultError `VersionMismatch` for an `Envelope` root not in the SOAP 1.2 namespace
 *   (e.g. SOAP 1.1, §5.4.7); `Sender` for another root, a missing/misplaced env:Body, an
 *   unqualified header block (§5.2.1), a repeated wsa header (subcode InvalidAddressingHeader,
 *   subsubcode InvalidCardinality) or, when enforcing mustUnderstand, an env:mustUnderstand /
 *   env:relay value that is not an xs:boolean (§5.2.3, §5.2.4); `MustUnderstand` listing the
 *   blocks in `notUnderstood`. Faults raised after wsa:MessageID was
 *   read carry it in `requestMessageId`.
 */
export function parseSoapEnvelope(
  doc: Document,
  understood: ReadonlyArray<QName>,
  opts: ParseEnvelopeOptions = {},
): SoapEnvelope {
  const root = doc.documentElement;
  if (!root || root.localName !== 'Envelope') throw sender('The message is not a SOAP envelope');
  if (root.namespaceURI !== SoapNs.soap12) {
    throw new SoapFaultError('VersionMismatch', 'Only SOAP 1.2 is supported', {
      logDetail: `Envelope namespace ${root.namespaceURI ?? '(none)'}`,
    });
  }
  const { header, body } = envelopeParts(root);
  const headerBlocks = header ? childElements(header) : [];
  if (headerBlocks.some((b) => !b.namespaceURI))
    throw sender('SOAP header blocks must be namespace-qualified');
  const addressing = readAddressing(headerBlocks);
  const bodyKids = childElements(body);
  const env = { addressing, headerBlocks, body: bodyKids[0], bodyChildren: bodyKids.length, document: doc };
  if (opts.enforceMustUnderstand ?? true) enforceHeaderBlocks(env, understood);
  return env;
}

/**
 * The header checks {@link parseSoapEnvelope} makes unless told not to: env:mustUnderstand and
 * env:relay are xs:booleans (§5.2.3, §5.2.4), and every header block targeted at this node with
 * env:mustUnderstand true is WS-Addressing or in `understood` (§5.2.3). For a receiver that wants
 * the envelope even when it faults (to say which request the fault answers).
 * @throws SoapFaultError `Sender` or `MustUnderstand` as parseSoapEnvelope, with `requestMessageId`.
 */
export function enforceHeaderBlocks(env: SoapEnvelope, understood: ReadonlyArray<QName>): void {
  try {
    checkBooleanAttributes(env.headerBlocks);
    checkMustUnderstand(env.headerBlocks, understood);
  } catch (err) {
    if (err instanceof SoapFaultError && env.addressing.messageId !== undefined)
      err.requestMessageId = env.addressing.messageId;
    throw err;
  }
}

/** Input of {@link buildSoapEnvelope}. */
interface BuildEnvelopeInput {
  /** wsa:Action (sent with env:mustUnderstand="1"). */
  action: string;
  /** wsa:RelatesTo: the request's MessageID, on responses. */
  relatesTo?: string;
  /** wsa:MessageID; a fresh `urn:uuid:` when absent. */
  messageId?: string;
  /** wsa:To (mustUnderstand="1"); when given the message is a request and gets an anonymous wsa:ReplyTo. */
  to?: string;
  /** Extra header blocks (e.g. wsse:Security), serialised XML appended after the WS-A headers. */
  headersXml?: string;
  /** The env:Body content: one serialised element; a leading XML declaration is dropped. */
  bodyXml: string;
}

/** An envelope in three pieces: `head + body + tail` is its text (see {@link buildSoapEnvelopeParts}). */
export interface SoapEnvelopeParts {
  /** The XML declaration, env:Envelope start tag, env:Header and the env:Body start tag. */
  head: string;
  /** The env:Body content as given, without a leading XML declaration. */
  body: string;
  /** `</env:Body></env:Envelope>`. */
  tail: string;
}

/**
 * A SOAP 1.2 envelope (Part 1 §5) with WS-Addressing 1.0 headers (SOAP Binding §2.2; ITI TF-2
 * 3.38.4.1.2: wsa:Action mustUnderstand, wsa:MessageID, wsa:ReplyTo anonymous for synchronous
 * requests, wsa:To, wsa:RelatesTo on responses).
 * @returns XML text starting with `<?xml version="1.0" encoding="UTF-8"?>`.
 */
export function buildSoapEnvelope(input: BuildEnvelopeInput): string {
  const { head, body, tail } = buildSoapEnvelopeParts(input);
  return head + body + tail;
}

/**
 * The envelope of {@link buildSoapEnvelope} in three pieces, so that a large body (a consolidated
 * AdhocQueryResponse of hundreds of KiB) can be encoded and written as it is, without first
 * copying it into one string of the whole envelope.
 */
export function buildSoapEnvelopeParts(input: BuildEnvelopeInput): SoapEnvelopeParts {
  const h: string[] = [`<wsa:Action env:mustUnderstand="1">${esc(input.action)}</wsa:Action>`];
  h.push(`<wsa:MessageID>${esc(input.messageId ?? newUrnUuid())}</wsa:MessageID>`);
  if (input.relatesTo !== undefined) h.push(`<wsa:RelatesTo>${esc(input.relatesTo)}</wsa:RelatesTo>`);
  if (input.to !== undefined) {
    h.push(`<wsa:ReplyTo><wsa:Address>${WSA_ANONYMOUS}</wsa:Address></wsa:ReplyTo>`);
    h.push(`<wsa:To env:mustUnderstand="1">${esc(input.to)}</wsa:To>`);
  }
  return {
    head:
      '<?xml version="1.0" encoding="UTF-8"?>' +
      `<env:Envelope xmlns:env="${SoapNs.soap12}" xmlns:wsa="${SoapNs.wsa}">` +
      `<env:Header>${h.join('')}${input.headersXml ?? ''}</env:Header><env:Body>`,
    body: withoutXmlDeclaration(input.bodyXml),
    tail: '</env:Body></env:Envelope>',
  };
}

/** `true` when the envelope's Body is exactly one env:Fault (SOAP 1.2 Part 1 §5.4). */
export function isFaultEnvelope(env: SoapEnvelope): boolean {
  return env.body?.namespaceURI === SoapNs.soap12 && env.body.localName === 'Fault';
}
