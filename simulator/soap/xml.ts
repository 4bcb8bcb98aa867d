/**
 * Hardened, namespace-aware XML reading, and (re-exported from xml-serialize.ts) the writing
 * helpers every codec shares.
 *
 * Parsing uses saxes 6 (a strict, conformant, namespace-aware SAX parser: XML 1.0 5th edition and
 * Namespaces in XML 1.0) and builds the minimal DOM of xml-dom.ts from its events. Hardening: any
 * document type declaration is refused before the parser sees the text, so no DTD, internal
 * entity (billion laughs) or external entity (XXE) is ever processed; only the five predefined
 * entities and character references are expanded (XML 1.0 §4.1, §4.6). The caller caps the size;
 * the parser caps the structure ({@link XML_LIMITS}: element depth, element count, attributes per
 * element and in all), so that the cost of a parse stays linear in the input whatever its shape.
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
  type Attr,
  type ContentReader,
  type Node,
  type ParentNode,
} from './xml-dom.js';
import { notePrefixes, qnamePrefix } from './xml-serialize.js';
import { LIMIT_COUNTS, XML_LIMITS, lineColumn, structurePastLimits, type XmlLimits } from './xml-limits.js';

export type { Document, Element, Node };
export { XML_LIMITS };
export { esc, serialize, verbatimXml, type RootAttribute } from './xml-serialize.js';
export type { ContentReader, ContentTag } from './xml-dom.js';

/**
 * Why a string is not acceptable XML: `doctype`, `not-well-formed`, `empty`, or `limit` (an
 * {@link XmlLimits} limit was passed; `limit` names it and `position` is the index in the text
 * where reading stopped).
 */
export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
  constructor(
    message: string,
    readonly reason: 'doctype' | 'not-well-formed' | 'empty' | 'limit',
    readonly limit?: keyof XmlLimits,
    readonly position?: number,
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
 * For `parseXml`: called with each element once its start tag is read (attributes set, linked to
 * its parent and ancestors); a {@link ContentReader} returned reads that element's content in
 * place of the tree (see `parseXml`), undefined keeps the content as a tree.
 */
export type ReadContent = (el: Element) => ContentReader | undefined;

/**
 * Parse `xml` into a {@link Document} whose root element holds elements, text and CDATA sections
 * (comments and processing instructions are dropped; adjacent text is merged into one node).
 * Reading stops at the first limit passed (`limits`, default {@link XML_LIMITS}), so the work done
 * is bounded by the limits whatever follows in the text.
 *
 * With `readContent`, an element for which it returns a reader is kept with its attributes,
 * `source` and `contentRead` but without children: the reader gets the events of its content
 * instead, in the same single pass, under the same limits and well-formedness and namespace
 * checks (a decoder that needs a few values from a large subtree builds no nodes for it).
 * @throws XmlParseError `empty` for an empty or all-whitespace string; `doctype` for any
 *   `<!DOCTYPE` / `<!ENTITY` (anywhere, any case); `not-well-formed` with saxes' `line:column:
 *   message` for anything else saxes rejects (mismatched or unclosed tags, unbound prefixes,
 *   undefined entities, more than one root, text outside the root, disallowed characters, …);
 *   `limit` for an element deeper than `maxDepth`, more than `maxElements` elements, or more than
 *   `maxAttributesPerElement` / `maxAttributes` attributes. What a reader throws is thrown as it is.
 */
export function parseXml(
  xml: string,
  limits: Readonly<XmlLimits> = XML_LIMITS,
  readContent?: ReadContent,
): Document {
  if (xml.trim() === '') throw new XmlParseError('empty XML document', 'empty');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new XmlParseError('document type declarations are not allowed', 'doctype');
  }
  const over = (limit: keyof XmlLimits, position: number): XmlParseError =>
    new XmlParseError(
      `XML exceeds the ${limit} limit of ${limits[limit]} (${LIMIT_COUNTS[limit]}) at ${lineColumn(xml, position)}`,
      'limit',
      limit,
      position,
    );
  const past = structurePastLimits(xml, limits);
  if (past) throw over(past.limit, past.position);
  const doc = new Document();
  let parent: ParentNode = doc;
  const parser = new SaxesParser({ xmlns: true });
  parser.on('error', (err) => {
    throw new XmlParseError(`XML is not well-formed: ${err.message}`, 'not-well-formed');
  });
  // The pre-scan above has found any limit a document saxes accepts can pass; the checks below
  // are a second line that costs one comparison per element. No `attribute` handler is
  // registered: with both it and `text` set, V8 stops inlining saxes' per-character reader into
  // its scanning states and the parse costs 3 to 4 times as much (measured on ITI-38 answers).
  let depth = 0;
  let elements = 0;
  let attributes = 0;
  // While a ContentReader reads the content of `parent`: the reader, the depth below `parent`,
  // the prefixes the content uses, and the text since the last tag or CDATA section (one Text
  // node of the tree it replaces, whose QName shape counts as a use of its prefix).
  let reader: ContentReader | undefined;
  let readDepth = 0;
  let prefixes = new Set<string>();
  let run = '';
  const endRun = (): void => {
    if (run === '') return;
    notePrefix(run);
    run = '';
  };
  // saxes emits opentagstart once the name is read, before it reads the attributes and resolves
  // the prefixes (the O(depth) stack walk), so the depth is checked before any deep work.
  // Source offsets of the open elements' `<` (saxes reports `position` just past what it has read).
  const starts: number[] = [];
  const startTagEnds: number[] = [];
  parser.on('opentagstart', () => {
    if (reader === undefined) starts.push(xml.lastIndexOf('<', parser.position - 1));
    depth += 1;
    elements += 1;
    if (depth > limits.maxDepth) throw over('maxDepth', parser.position);
    if (elements > limits.maxElements) throw over('maxElements', parser.position);
  });
  const countAttributes = (own: number): void => {
    attributes += own;
    if (own > limits.maxAttributesPerElement) throw over('maxAttributesPerElement', parser.position);
    if (attributes > limits.maxAttributes) throw over('maxAttributes', parser.position);
  };
  const notePrefix = (value: string): void => {
    const q = qnamePrefix(value);
    if (q !== undefined) prefixes.add(q);
  };
  parser.on('opentag', (tag) => {
    if (reader !== undefined) {
      // In document order, as verbatimXml's walk of a tree notes them (the order of the declarations).
      endRun();
      prefixes.add(tag.prefix);
      let own = 0;
      for (const name in tag.attributes) {
        own += 1;
        const a = tag.attributes[name]!;
        if (a.prefix !== '' && a.prefix !== 'xmlns') prefixes.add(a.prefix);
        notePrefix(a.value);
      }
      countAttributes(own);
      readDepth += 1;
      reader.open(tag, readDepth);
      return;
    }
    const attrs: Attr[] = [];
    for (const name in tag.attributes) attrs.push(toAttr(tag.attributes[name]!));
    countAttributes(attrs.length);
    const ns = tag.uri === '' ? null : tag.uri;
    const el = parent.appendChild(
      new Element(tag.name, ns, tag.prefix === '' ? null : tag.prefix, tag.local, attrs),
    );
    parent = el;
    startTagEnds.push(parser.position - (tag.isSelfClosing ? 2 : 1));
    reader = readContent?.(el);
    if (reader !== undefined) {
      readDepth = 0;
      prefixes = new Set();
      notePrefixes(el, prefixes);
    }
  });
  parser.on('closetag', () => {
    depth -= 1;
    if (reader !== undefined) {
      endRun();
      if (readDepth > 0) {
        reader.close(readDepth);
        readDepth -= 1;
        return;
      }
    }
    const el = parent as Element;
    const start = starts.pop()!;
    const startTagEnd = startTagEnds.pop()!;
    const end = parser.position;
    // Kept only when the offsets frame exactly this element, as `verbatimXml` relies on.
    if (
      xml.charCodeAt(start) === 0x3c &&
      xml.charCodeAt(end - 1) === 0x3e &&
      xml.startsWith(el.tagName, start + 1)
    )
      el.source = { text: xml, start, startTagEnd, end };
    if (reader !== undefined) {
      el.contentRead = { reader, prefixes };
      reader = undefined;
    }
    parent = parent.parentNode ?? doc;
  });
  parser.on('text', (data) => {
    if (reader !== undefined) {
      run += data;
      reader.text(data, readDepth);
      return;
    }
    if (parent === doc) return; // whitespace around the root (saxes rejects anything else)
    const last = parent.lastChild;
    if (last?.nodeType === TEXT_NODE) (last as Text).data += data;
    else parent.appendChild(new Text(data));
  });
  parser.on('cdata', (data) => {
    if (reader !== undefined) {
      endRun();
      notePrefix(data);
      reader.text(data, readDepth);
      return;
    }
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
