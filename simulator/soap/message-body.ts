/**
 * HTTP entity <-> SOAP message, shared by the server and the client: a body is either a plain
 * SOAP 1.2 envelope (`application/soap+xml`, SOAP 1.2 Part 2 §7.1.4; `text/xml` tolerated) or an
 * MTOM package (`multipart/related`, ITI TF-2 Appendix V). Every failure to read is a Sender
 * SoapFaultError; the client reclassifies it as a malformed response.
 */
import { XML_LIMITS, XmlParseError, parseXml, type ReadContent } from './xml.js';
import { SoapFaultError } from './fault.js';
import { parseSoapEnvelope, type ParseEnvelopeOptions, type SoapEnvelope } from './envelope.js';
import { MtomError, buildMtom, parseMultipartRelated, type Attachments, type MtomPart } from './mtom.js';
import { CharsetError, decodeCharset, parseContentType, soapXmlContentType } from './content-type.js';
import type { QName } from './namespaces.js';

/** A decoded HTTP entity: the envelope text and any MTOM parts. */
export interface SoapEntity {
  /** The SOAP envelope as text. */
  rawXml: string;
  /** MTOM parts by Content-ID (empty for a plain envelope). */
  attachments: Attachments;
  /** For MTOM, the root part's Content-Type (e.g. to notice node-soap's `type="text/xml"`); else undefined. */
  rootContentType?: string;
}

/** A fully read SOAP message. */
export interface ReadSoapMessage extends SoapEntity {
  envelope: SoapEnvelope;
}

const PLAIN_TYPES: ReadonlySet<string> = new Set(['application/soap+xml', 'text/xml']);

function decodePlain(body: Buffer, charset: string | undefined): string {
  try {
    return decodeCharset(body, charset);
  } catch (err) {
    if (err instanceof CharsetError) throw new SoapFaultError('Sender', err.message);
    throw new SoapFaultError('Sender', 'Unsupported charset', { logDetail: `charset=${charset}` });
  }
}

/**
 * Split an HTTP entity into envelope text and attachments.
 * @param contentType the HTTP Content-Type value.
 * @throws SoapFaultError `Sender` for an empty body, a type other than application/soap+xml,
 *   text/xml or multipart/related, an unknown charset, or a malformed MTOM package.
 */
function decodeSoapEntity(body: Buffer, contentType: string | undefined): SoapEntity {
  if (body.length === 0) throw new SoapFaultError('Sender', 'The request body is empty');
  const ct = parseContentType(contentType);
  if (PLAIN_TYPES.has(ct.mediaType))
    return { rawXml: decodePlain(body, ct.params.get('charset')), attachments: new Map() };
  if (ct.mediaType === 'multipart/related') {
    try {
      const m = parseMultipartRelated(body, contentType ?? '');
      return { rawXml: m.rootXml, attachments: m.parts, rootContentType: m.rootContentType };
    } catch (err) {
      if (err instanceof MtomError)
        throw new SoapFaultError('Sender', `Malformed MTOM message: ${err.reason}`, { cause: err });
      throw err;
    }
  }
  throw new SoapFaultError(
    'Sender',
    'Unsupported Content-Type: expected application/soap+xml or multipart/related',
    {
      logDetail: `Content-Type: ${contentType ?? '(none)'}`,
    },
  );
}

/** The SOAP Fault Reason for each way the hardened parser refuses a text. */
const PARSE_FAULT_REASON: Readonly<Record<XmlParseError['reason'], string>> = {
  doctype: 'DTDs and entities are not allowed',
  empty: 'The message is empty',
  'not-well-formed': 'XML is not well-formed',
  limit: 'The XML exceeds the structural limits of this service',
};

/** How to read an envelope: the envelope checks, and optionally `readContent` for `parseXml`. */
export interface ReadSoapOptions extends ParseEnvelopeOptions {
  /** Elements whose content a reader reads during the parse, with no tree built below them (xml.ts `parseXml`). */
  readContent?: ReadContent;
}

/**
 * Parse envelope text with the hardened parser (no DTD, no entities; nothing is read from disk)
 * and read it as a SOAP 1.2 envelope.
 * @throws SoapFaultError `Sender` "XML is not well-formed" / "DTDs and entities are not allowed" /
 *   "The message is empty" / "The XML exceeds the structural limits of this service" (element
 *   depth, element or attribute count: `XML_LIMITS` in xml.ts; which limit, and where, goes to
 *   the log only), plus everything {@link parseSoapEnvelope} throws.
 */
export function parseSoapXml(
  rawXml: string,
  understood: ReadonlyArray<QName>,
  opts: ReadSoapOptions = {},
): SoapEnvelope {
  let doc;
  try {
    doc = parseXml(rawXml, XML_LIMITS, opts.readContent);
  } catch (err) {
    if (!(err instanceof XmlParseError)) throw err;
    const reason = PARSE_FAULT_REASON[err.reason];
    throw new SoapFaultError('Sender', reason, { logDetail: err.message, cause: err });
  }
  return parseSoapEnvelope(doc, understood, opts);
}

/**
 * {@link decodeSoapEntity} then {@link parseSoapXml}.
 * @throws SoapFaultError as those do.
 */
export function readSoapMessage(
  body: Buffer,
  contentType: string | undefined,
  understood: ReadonlyArray<QName>,
  opts: ReadSoapOptions = {},
): ReadSoapMessage {
  const entity = decodeSoapEntity(body, contentType);
  return { ...entity, envelope: parseSoapXml(entity.rawXml, understood, opts) };
}

/** An HTTP entity ready to write. */
export interface EncodedSoapMessage {
  /** HTTP Content-Type value. */
  contentType: string;
  /** Body Buffers, to write in order. */
  chunks: Buffer[];
  /** Total body length in bytes (for Content-Length). */
  length: number;
}

/**
 * Encode an envelope for HTTP: `application/soap+xml; charset=UTF-8; action="…"` (SOAP 1.2
 * Part 2 §7.1.4, RFC 3902), or MTOM via {@link buildMtom} when `attachments` is non-empty.
 * @throws MtomError for an attachment whose Content-ID or type cannot go in a MIME header.
 */
export function encodeSoapMessage(
  envelopeXml: string,
  action: string,
  attachments?: MtomPart[],
): EncodedSoapMessage {
  const { contentType, chunks } =
    attachments && attachments.length > 0
      ? buildMtom(envelopeXml, attachments, { action })
      : { contentType: soapXmlContentType(action), chunks: [Buffer.from(envelopeXml, 'utf8')] };
  return { contentType, chunks, length: chunks.reduce((n, c) => n + c.length, 0) };
}
