/**
 * The minimal, read-mostly DOM that `parseXml` (xml.ts) builds from saxes events: just the node
 * kinds, properties and methods the codecs use, with DOM Living Standard names and semantics
 * (https://dom.spec.whatwg.org/), so code written against a browser or xmldom DOM reads the same.
 *
 * Trees hold elements, text and CDATA sections only: comments, processing instructions and the
 * XML declaration are not kept (XML 1.0 §2.5, §2.6: nothing reads them). Namespaces follow
 * Namespaces in XML 1.0 (https://www.w3.org/TR/xml-names/): `namespaceURI` is null for no
 * namespace, unprefixed attributes have no namespace (§6.2), and `xmlns` / `xmlns:p` declarations
 * stay in `attributes` with the XMLNS namespace, as the DOM keeps them.
 */

/** `Node.nodeType` of an Element (DOM §4.4). */
export const ELEMENT_NODE = 1;
/** `Node.nodeType` of a Text node. */
export const TEXT_NODE = 3;
/** `Node.nodeType` of a CDATASection (its data is text: XML 1.0 §2.7). */
export const CDATA_SECTION_NODE = 4;
/** `Node.nodeType` of a Document. */
const DOCUMENT_NODE = 9;

/** The namespace of `xmlns` / `xmlns:p` attributes (Namespaces in XML 1.0 §3). */
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';
/** The namespace bound to the `xml` prefix (Namespaces in XML 1.0 §3). */
const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

/**
 * One attribute of an element (DOM §4.9.2 Attr, as plain data): `name` is the qualified name as
 * written (`p:local` or `local`); `namespaceURI` is null for an unprefixed attribute other than
 * `xmlns`; `prefix` is null when there is none. `value` is the normalised value (XML 1.0 §3.3.3).
 */
export interface Attr {
  readonly name: string;
  readonly value: string;
  readonly namespaceURI: string | null;
  readonly localName: string;
  readonly prefix: string | null;
}

/** Either kind of node that has children (DOM's ParentNode mixin). */
export type ParentNode = Element | Document;

/**
 * Base of every node (DOM §4.4 Node): the tree links `parentNode`, `firstChild`, `lastChild`,
 * `nextSibling`, plus `nodeType`, `nodeName`, `nodeValue` and `textContent`.
 */
export abstract class Node {
  /** The parent element or document; null for a document. */
  parentNode: ParentNode | null = null;
  /** The first child; always null for text. */
  firstChild: Node | null = null;
  /** The last child; always null for text. */
  lastChild: Node | null = null;
  /** The next sibling, in document order. */
  nextSibling: Node | null = null;
  /** The parent if it is an element, else null (DOM `parentElement`). */
  get parentElement(): Element | null {
    const p = this.parentNode;
    return p?.nodeType === ELEMENT_NODE ? (p as Element) : null;
  }
  /** 1 element, 3 text, 4 CDATA section, 9 document. */
  abstract get nodeType(): number;
  /** Qualified name for an element; `#text`, `#cdata-section`, `#document` otherwise. */
  abstract get nodeName(): string;
  /** The data of text and CDATA nodes; null for elements and documents. */
  get nodeValue(): string | null {
    return null;
  }
  /** Concatenated descendant text for elements, the data of text, null for a document. */
  get textContent(): string | null {
    return null;
  }
}

/** A text node (DOM §4.11 Text): character data with entity and character references expanded. */
export class Text extends Node {
  /** @param data The character data. */
  constructor(public data: string) {
    super();
  }
  /** {@link TEXT_NODE}. */
  get nodeType(): number {
    return TEXT_NODE;
  }
  /** `#text`. */
  get nodeName(): string {
    return '#text';
  }
  /** The data. */
  override get nodeValue(): string {
    return this.data;
  }
  /** The data. */
  override get textContent(): string {
    return this.data;
  }
}

/** A CDATA section (DOM §4.13 CDATASection; XML 1.0 §2.7): text written as `<![CDATA[…]]>`. */
export class CDATASection extends Text {
  /** {@link CDATA_SECTION_NODE}. */
  override get nodeType(): number {
    return CDATA_SECTION_NODE;
  }
  /** `#cdata-section`. */
  override get nodeName(): string {
    return '#cdata-section';
  }
}

/** Shared by Element and Document: appending children and the descendant queries. */
abstract class ParentNodeBase extends Node {
  /** Append `child` (not yet in any tree) as the last child; returns it (DOM `appendChild`). */
  appendChild<T extends Node>(child: T): T {
    child.parentNode = this as unknown as ParentNode;
    if (this.lastChild) this.lastChild.nextSibling = child;
    else this.firstChild = child;
    this.lastChild = child;
    return child;
  }

  /**
   * Descendant elements (not this node) in document order whose namespace is `namespace` and local
   * name is `localName`; `'*'` matches any for either, `''` means no namespace (DOM §4.4
   * "list of elements with namespace namespace and local name localName"). A static array.
   */
  getElementsByTagNameNS(namespace: string | null, localName: string): Element[] {
    const ns = namespace === '' ? null : namespace;
    const out: Element[] = [];
    for (let n = nextInTree(this, this); n; n = nextInTree(n, this)) {
      if (n.nodeType !== ELEMENT_NODE) continue;
      const e = n as Element;
      if ((ns === '*' || e.namespaceURI === ns) && (localName === '*' || e.localName === localName))
        out.push(e);
    }
    return out;
  }
}

/** The node after `n` in a preorder walk of `root`'s subtree, or null at the end. */
function nextInTree(n: Node, root: Node): Node | null {
  if (n.firstChild) return n.firstChild;
  for (let c: Node | null = n; c && c !== root; c = c.parentNode) {
    if (c.nextSibling) return c.nextSibling;
  }
  return null;
}

/** An element's place in the text it was parsed from (offsets in UTF-16 code units). */
export interface SourceRange {
  readonly text: string;
  readonly start: number;
  readonly startTagEnd: number;
  readonly end: number;
}

/**
 * A start tag inside content that a {@link ContentReader} reads, as the parser resolved it
 * (Namespaces in XML 1.0 §6): `uri` is `''` for no namespace; `attributes` are keyed by qualified
 * name as written, with normalised values (XML 1.0 §3.3.3).
 */
export interface ContentTag {
  readonly uri: string;
  readonly local: string;
  readonly attributes: Readonly<Record<string, { readonly value: string }>>;
}

/**
 * Reads an element's content while it is parsed, in place of the tree (`parseXml`'s
 * `readContent`): the events of everything inside the element, in document order. `depth` is
 * counted from the element whose content is read (0); its children are at depth 1.
 */
export interface ContentReader {
  /** A start tag at `depth` (1 = a child of the element). */
  open(tag: ContentTag, depth: number): void;
  /** Character data (text or a CDATA section, references expanded) directly inside the element open at `depth`. */
  text(data: string, depth: number): void;
  /** The end of the element opened at `depth`. */
  close(depth: number): void;
}

/**
 * What a parse kept of an element whose content a {@link ContentReader} read: the reader, and
 * every namespace prefix the element and its content use (`''` = the default namespace) in element
 * and attribute names and in attribute values and text that are a whole `p:local` QName, in
 * document order of first use, for `verbatimXml`.
 */
export interface ContentRead {
  readonly reader: ContentReader;
  readonly prefixes: ReadonlySet<string>;
}

/**
 * An element (DOM §4.9 Element) with its namespace, qualified name as written (`tagName`,
 * `nodeName`), `prefix` (null when unprefixed), `localName` and `attributes` in document order.
 */
export class Element extends ParentNodeBase {
  /**
   * @param tagName Qualified name as written, e.g. `rim:Slot`.
   * @param namespaceURI Resolved namespace (Namespaces in XML 1.0 §6), null for none.
   * @param prefix The prefix, null when unprefixed.
   * @param localName The local part.
   * @param attributes All attributes, namespace declarations included, in document order.
   */
  constructor(
    readonly tagName: string,
    readonly namespaceURI: string | null,
    readonly prefix: string | null,
    readonly localName: string,
    readonly attributes: readonly Attr[],
  ) {
    super();
  }
  /**
   * Where the element was read, when it came from `parseXml`: the text it was parsed from and
   * the UTF-16 offsets of its `<`, of the `>` (or `/>`) ending its start tag, and just past its
   * end tag. Absent for elements built otherwise.
   */
  source?: SourceRange;
  /**
   * Set when a {@link ContentReader} read this element's content during the parse: the element
   * then has no children in the tree (its text is in `source`), and `serialize` refuses it.
   */
  contentRead?: ContentRead;
  /** {@link ELEMENT_NODE}. */
  get nodeType(): number {
    return ELEMENT_NODE;
  }
  /** The qualified name, as `tagName`. */
  get nodeName(): string {
    return this.tagName;
  }
  /** The data of every descendant text and CDATA node, in document order. */
  override get textContent(): string {
    let s = '';
    for (let n = nextInTree(this, this); n; n = nextInTree(n, this)) {
      if (n.nodeType === TEXT_NODE || n.nodeType === CDATA_SECTION_NODE) s += (n as Text).data;
    }
    return s;
  }
  /** The value of the first attribute whose qualified name is `qualifiedName`, else null. */
  getAttribute(qualifiedName: string): string | null {
    for (const a of this.attributes) if (a.name === qualifiedName) return a.value;
    return null;
  }
  /** Whether an attribute with qualified name `qualifiedName` is present. */
  hasAttribute(qualifiedName: string): boolean {
    return this.getAttribute(qualifiedName) !== null;
  }
  /** The value of the attribute `{namespace}localName` (`''`/null: no namespace), else null. */
  getAttributeNS(namespace: string | null, localName: string): string | null {
    const ns = namespace === '' ? null : namespace;
    for (const a of this.attributes) if (a.namespaceURI === ns && a.localName === localName) return a.value;
    return null;
  }
  /**
   * The namespace bound to `prefix` (null or `''`: the default namespace) in scope at this element,
   * or null when unbound or undeclared (`xmlns=""`); `xml` and `xmlns` are predefined (DOM §4.4
   * "locate a namespace").
   */
  lookupNamespaceURI(prefix: string | null): string | null {
    const p = prefix === '' ? null : prefix;
    if (p === 'xml') return XML_NAMESPACE;
    if (p === 'xmlns') return XMLNS_NAMESPACE;
    return locateNamespace(this, p);
  }
}

/** DOM "locate a namespace" for a prefix other than `xml` / `xmlns`, from `start` up. */
function locateNamespace(start: Element, prefix: string | null): string | null {
  for (let el: Element | null = start; el; el = el.parentElement) {
    if (el.namespaceURI !== null && el.prefix === prefix) return el.namespaceURI;
    const decl = namespaceDeclaration(el, prefix);
    if (decl) return decl.value === '' ? null : decl.value;
  }
  return null;
}

/**
 * The attribute of `el` declaring `prefix` (`xmlns:prefix`; `xmlns` when `prefix` is null), if any
 * (Namespaces in XML 1.0 §3).
 */
export function namespaceDeclaration(el: Element, prefix: string | null): Attr | undefined {
  for (const a of el.attributes) {
    if (a.namespaceURI !== XMLNS_NAMESPACE) continue;
    if (prefix === null ? a.prefix === null : a.prefix !== null && a.localName === prefix) return a;
  }
  return undefined;
}

/** A document (DOM §4.5 Document): its single child is the root element. */
export class Document extends ParentNodeBase {
  /** {@link DOCUMENT_NODE}. */
  get nodeType(): number {
    return DOCUMENT_NODE;
  }
  /** `#document`. */
  get nodeName(): string {
    return '#document';
  }
  /** The root element (XML 1.0 §2.1 "document element"), null while the document is empty. */
  get documentElement(): Element | null {
    for (let n = this.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) return n as Element;
    return null;
  }
}
