/**
 * Hardened, namespace-aware XML reading and the small writing helpers every codec shares.
 *
 * Parsing uses @xmldom/xmldom 0.9 (namespace-correct DOM; the same DOM xml-crypto consumes).
 * Hardening: any document type declaration is refused before the parser sees the bytes, so no
 * DTD, internal entity (billion laughs) or external entity (XXE) is ever processed; the caller
 * caps the size before calling.
 */
import { DOMParser, XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom';

export type { Document, Element, Node };

/** Why a byte sequence is not acceptable XML. */
export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
  constructor(
    message: string,
    readonly reason: 'doctype' | 'not-well-formed' | 'empty',
  ) {
    super(message);
  }
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_SECTION_NODE = 4;

/**
 * Parse `xml` into a DOM.
 * @throws XmlParseError `doctype` for any `<!DOCTYPE` / `<!ENTITY`, `not-well-formed` for
 *   malformed input, `empty` for an empty document.
 */
export function parseXml(xml: string): Document {
  if (xml.trim() === '') throw new XmlParseError('empty XML document', 'empty');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new XmlParseError('document type declarations are not allowed', 'doctype');
  }
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning')
        throw new XmlParseError(`XML is not well-formed: ${message}`, 'not-well-formed');
    },
  });
  let doc: Document;
  try {
    doc = parser.parseFromString(xml, 'text/xml');
  } catch (err) {
    if (err instanceof XmlParseError) throw err;
    throw new XmlParseError(`XML is not well-formed: ${(err as Error).message}`, 'not-well-formed');
  }
  if (!doc.documentElement) throw new XmlParseError('XML has no root element', 'not-well-formed');
  return doc;
}

/** The element children of `el`, optionally only those with namespace `ns` and local name `local`. */
export function childElements(el: Element, ns?: string, local?: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== ELEMENT_NODE) continue;
    const e = n as Element;
    if (ns !== undefined && e.namespaceURI !== ns) continue;
    if (local !== undefined && e.localName !== local) continue;
    out.push(e);
  }
  return out;
}

/** The first element child with namespace `ns` and local name `local`, if any. */
export function firstChild(el: Element, ns: string, local: string): Element | undefined {
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT_NODE) {
      const e = n as Element;
      if (e.namespaceURI === ns && e.localName === local) return e;
    }
  }
  return undefined;
}

/** The concatenated text and CDATA content directly under `el`, trimmed. */
export function textOf(el: Element): string {
  let s = '';
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) s += n.nodeValue ?? '';
  }
  return s.trim();
}

/** An attribute's value, or undefined when absent (xmldom answers '' for a missing attribute). */
export function attr(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? (el.getAttribute(name) ?? undefined) : undefined;
}

/** Serialise a node (with the namespace declarations it needs in scope) to a string. */
export function serialize(node: Node): string {
  return new XMLSerializer().serializeToString(node);
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escape text or an attribute value for inclusion in XML. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}
