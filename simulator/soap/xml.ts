/**
 * Hardened, namespace-aware XML reading and the small writing helpers every codec shares.
 *
 * Parsing uses saxes 6 (a strict, conformant, namespace-aware SAX parser: XML 1.0 5th edition and
 * Namespaces in XML 1.0) and builds the minimal DOM of xml-dom.ts from its events. Hardening: any
 * document type declaration is refused before the parser sees the text, so no DTD, internal
 * entity (billion laughs) or external entity (XXE) is ever processed; only the five predefined
 * entities and character references are expanded (XML 1.0 §4.1, §4.6). The caller caps the size.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import {
  CDATASection,
  CDATA_SECTION_NODE,
  Document,
  ELEMENT_NODE,
  Element,
  TEXT_NODE,
  Text,
  namespaceDeclaration,
  type Attr,
  type Node,
  type ParentNode,
} from './xml-dom.js';

export type { Attr, Document, Element, Node };

/** Why a string is not acceptable XML: `doctype`, `not-well-formed` or `empty`. */
export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
  constructor(
    message: string,
    readonly reason: 'doctype' | 'not-well-formed' | 'empty',
  ) {
    super(message);
  }
}

/** One saxes-reported attribute as a DOM Attr (`''` prefix / namespace become null). */
function toAttr(a: SaxesTagNS['attributes'][string]): Attr {
  return {
    name: a.name,
    value: a.value,
    namespaceURI: a.uri === '' ? null : a.uri,
    localName: a.local,
    prefix: a.prefix === '' ? null : a.prefix,
  };
}

/**
 * Parse `xml` into a {@link Document} whose root element holds elements, text and CDATA sections
 * (comments and processing instructions are dropped; adjacent text is merged into one node).
 * @throws XmlParseError `empty` for an empty or all-whitespace string; `doctype` for any
 *   `<!DOCTYPE` / `<!ENTITY` (anywhere, any case); `not-well-formed` with saxes' `line:column:
 *   message` for anything else saxes rejects (mismatched or unclosed tags, unbound prefixes,
 *   undefined entities, more than one root, text outside the root, disallowed characters, …).
 */
export function parseXml(xml: string): Document {
  if (xml.trim() === '') throw new XmlParseError('empty XML document', 'empty');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new XmlParseError('document type declarations are not allowed', 'doctype');
  }
  const doc = new Document();
  let parent: ParentNode = doc;
  const parser = new SaxesParser({ xmlns: true });
  parser.on('error', (err) => {
    throw new XmlParseError(`XML is not well-formed: ${err.message}`, 'not-well-formed');
  });
  parser.on('opentag', (tag) => {
    const attrs: Attr[] = [];
    for (const name in tag.attributes) attrs.push(toAttr(tag.attributes[name]!));
    const ns = tag.uri === '' ? null : tag.uri;
    parent = parent.appendChild(
      new Element(tag.name, ns, tag.prefix === '' ? null : tag.prefix, tag.local, attrs),
    );
  });
  parser.on('closetag', () => {
    parent = parent.parentNode ?? doc;
  });
  parser.on('text', (data) => {
    if (parent === doc) return; // whitespace around the root (saxes rejects anything else)
    const last = parent.lastChild;
    if (last?.nodeType === TEXT_NODE) (last as Text).data += data;
    else parent.appendChild(new Text(data));
  });
  parser.on('cdata', (data) => {
    parent.appendChild(new CDATASection(data));
  });
  parser.write(xml).close();
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
    if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) s += (n as Text).data;
  }
  return s.trim();
}

/** The value of the attribute with qualified name `name`, or undefined when absent. */
export function attr(el: Element, name: string): string | undefined {
  return el.getAttribute(name) ?? undefined;
}

const TEXT_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTR_ESC: Record<string, string> = { ...TEXT_ESC, '"': '&quot;', '\n': '&#10;', '\t': '&#9;' };
const escText = (s: string): string => s.replace(/[&<>\r]/g, (c) => TEXT_ESC[c]!);
const escAttr = (s: string): string => s.replace(/[&<>"\r\n\t]/g, (c) => ATTR_ESC[c]!);

/** A whole value shaped like a prefixed QName (`p:local`): its prefix, else undefined. */
const QNAME_VALUE = /^\s*([^\s:<>&"'=]+):[^\s:]+\s*$/;

/** Note in `used` the prefixes `el` needs: its own, its attributes' and QName-valued attributes'. */
function notePrefixes(el: Element, used: Set<string>): void {
  used.add(el.prefix ?? '');
  for (const a of el.attributes) {
    if (a.prefix !== null && a.prefix !== 'xmlns') used.add(a.prefix);
    const q = QNAME_VALUE.exec(a.value);
    if (q) used.add(q[1]!);
  }
}

/**
 * ` xmlns="…"` / ` xmlns:p="…"` for each prefix in `used` ('' = default) that `root` does not
 * declare itself, bound to the nearest ancestor declaration; unbound or undeclared (`xmlns=""`)
 * prefixes and `xml` are left out.
 */
function inheritedDeclarations(root: Element, used: ReadonlySet<string>): string {
  let out = '';
  for (const prefix of used) {
    if (prefix === 'xml') continue;
    for (let e: Element | null = root; e; e = e.parentElement) {
      const decl = namespaceDeclaration(e, prefix === '' ? null : prefix);
      if (!decl) continue;
      if (e !== root && decl.value !== '') out += ` ${decl.name}="${escAttr(decl.value)}"`;
      break;
    }
  }
  return out;
}

/** `<name attrs…` of `el` (without the closing `>` / `/>`). */
function startTag(el: Element): string {
  let s = `<${el.tagName}`;
  for (const a of el.attributes) s += ` ${a.name}="${escAttr(a.value)}"`;
  return s;
}

/**
 * Serialise `node` as standalone XML text (no XML declaration). An element keeps its qualified
 * names, attributes (in order) and text (escaped: `& < >` and CR in text; also `"`, TAB and LF in
 * attributes, so values survive re-parsing, XML 1.0 §3.3.3); CDATA is written as escaped text,
 * empty elements as `<a/>`. The root also declares, after its attributes, each namespace binding
 * in scope from its ancestors that the fragment uses and does not declare itself: the prefixes of
 * element and attribute names, and of attribute values and text that are a whole `p:local` QName
 * (as Exclusive XML Canonicalization 1.0 §3 "visibly utilized", plus QName content), so the
 * fragment parses alone to the same names. A document serialises its root, text its escaped data.
 */
export function serialize(node: Node): string {
  if (node.nodeType === TEXT_NODE || node.nodeType === CDATA_SECTION_NODE)
    return escText((node as Text).data);
  const root = node.nodeType === ELEMENT_NODE ? (node as Element) : (node as Document).documentElement;
  if (!root) return '';
  const used = new Set<string>();
  let s = '';
  let rootTagEnd = 0;
  let n: Node = root;
  for (;;) {
    if (n.nodeType === ELEMENT_NODE) {
      const el = n as Element;
      notePrefixes(el, used);
      s += startTag(el);
      if (n === root) rootTagEnd = s.length;
      if (n.firstChild) {
        s += '>';
        n = n.firstChild;
        continue;
      }
      s += '/>';
    } else {
      const data = (n as Text).data;
      const q = QNAME_VALUE.exec(data);
      if (q) used.add(q[1]!);
      s += escText(data);
    }
    while (n !== root && !n.nextSibling) {
      n = n.parentNode!;
      s += `</${(n as Element).tagName}>`;
    }
    if (n === root) break;
    n = n.nextSibling!;
  }
  return s.slice(0, rootTagEnd) + inheritedDeclarations(root, used) + s.slice(rootTagEnd);
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escape text or an attribute value for inclusion in XML. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}
