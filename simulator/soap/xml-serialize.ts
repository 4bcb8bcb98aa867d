/**
 * Writing XML from the tree of xml-dom.ts: `serialize` (a standalone fragment with the namespace
 * declarations it inherits, Namespaces in XML 1.0 §6), `verbatimXml` (an element's source text made
 * standalone) and `esc`. Re-exported by xml.ts, which every codec imports.
 */
import {
  CDATA_SECTION_NODE,
  ELEMENT_NODE,
  TEXT_NODE,
  namespaceDeclaration,
  type Document,
  type Element,
  type Node,
  type Text,
} from './xml-dom.js';

const TEXT_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
const ATTR_ESC: Record<string, string> = { ...TEXT_ESC, '"': '&quot;', '\n': '&#10;', '\t': '&#9;' };
const escText = (s: string): string => s.replace(/[&<>\r]/g, (c) => TEXT_ESC[c]!);
const escAttr = (s: string): string => s.replace(/[&<>"\r\n\t]/g, (c) => ATTR_ESC[c]!);

/** A whole value shaped like a prefixed QName (`p:local`): its prefix, else undefined. */
const QNAME_VALUE = /^\s*([^\s:<>&"'=]+):[^\s:]+\s*$/;

/**
 * The prefix of `value` when the whole of it is shaped like a prefixed QName ({@link QNAME_VALUE}),
 * else undefined. Only a value with exactly one `:` can match, so the others (no colon, or a URN
 * such as `urn:uuid:…`, most attribute values of a registry object) skip the RegExp.
 */
export function qnamePrefix(value: string): string | undefined {
  const colon = value.indexOf(':');
  if (colon < 1 || value.indexOf(':', colon + 1) >= 0) return undefined;
  return QNAME_VALUE.exec(value)?.[1];
}

/** Note in `used` the prefixes `el` needs: its own, its attributes' and QName-valued attributes'. */
export function notePrefixes(el: Element, used: Set<string>): void {
  used.add(el.prefix ?? '');
  for (const a of el.attributes) {
    if (a.prefix !== null && a.prefix !== 'xmlns') used.add(a.prefix);
    const q = qnamePrefix(a.value);
    if (q !== undefined) used.add(q);
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

/**
 * `<name attrs…` of `el` (without the closing `>` / `/>`); with `set`, that unprefixed attribute
 * has `set.value` instead (written first when `el` does not have it; left out when undefined).
 */
function startTag(el: Element, set?: RootAttribute): string {
  let s = `<${el.tagName}`;
  if (set?.value !== undefined && el.getAttribute(set.name) === null)
    s += ` ${set.name}="${escAttr(set.value)}"`;
  for (const a of el.attributes)
    if (set?.name !== a.name) s += ` ${a.name}="${escAttr(a.value)}"`;
    else if (set.value !== undefined) s += ` ${a.name}="${escAttr(set.value)}"`;
  return s;
}

/** An unprefixed attribute {@link serialize} sets on the root it writes (or removes: `value` undefined). */
export interface RootAttribute {
  name: string;
  value: string | undefined;
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
 * With `opts.setRootAttribute` the root is written with that attribute set to that value (replacing
 * its value when present, first when absent; removing it when undefined); the tree is not changed.
 */
export function serialize(node: Node, opts: { setRootAttribute?: RootAttribute } = {}): string {
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
      if (el.contentRead)
        throw new Error(`serialize: the content of <${el.tagName}> was read by a ContentReader, not kept`);
      notePrefixes(el, used);
      if (n === root) {
        s += startTag(el, opts.setRootAttribute);
        rootTagEnd = s.length;
      } else s += startTag(el);
      if (n.firstChild) {
        s += '>';
        n = n.firstChild;
        continue;
      }
      s += '/>';
    } else {
      const data = (n as Text).data;
      const q = qnamePrefix(data);
      if (q !== undefined) used.add(q);
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

/**
 * `el` as it was written in the text it was parsed from (its bytes verbatim, comments and
 * character references included), with the namespace declarations it inherits from its
 * ancestors for the prefixes it uses added at the end of its start tag, exactly as `serialize`
 * adds them (Namespaces in XML 1.0 §6), so the fragment stands alone. An element without a
 * source (not from `parseXml`) is serialised. Costs one walk of the subtree for its prefixes
 * and no string building, for relaying what was received without re-encoding it; for an element
 * whose content a ContentReader read (`contentRead`), the prefixes the parser noted in that content
 * stand for the walk, so the result is the same as had the tree been built.
 */
export function verbatimXml(el: Element): string {
  const src = el.source;
  if (!src) return serialize(el);
  const { text, start, startTagEnd, end } = src;
  if (el.contentRead) {
    const used = el.contentRead.prefixes;
    return text.slice(start, startTagEnd) + inheritedDeclarations(el, used) + text.slice(startTagEnd, end);
  }
  const used = new Set<string>();
  let n: Node = el;
  for (;;) {
    if (n.nodeType === ELEMENT_NODE) {
      notePrefixes(n as Element, used);
      if (n.firstChild) {
        n = n.firstChild;
        continue;
      }
    } else {
      const q = qnamePrefix((n as Text).data);
      if (q !== undefined) used.add(q);
    }
    while (n !== el && !n.nextSibling) n = n.parentNode!;
    if (n === el) break;
    n = n.nextSibling!;
  }
  return text.slice(start, startTagEnd) + inheritedDeclarations(el, used) + text.slice(startTagEnd, end);
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escape text or an attribute value for inclusion in XML. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}
