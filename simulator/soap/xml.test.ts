import { describe, expect, it } from 'vitest';
import { skipWithoutReference } from '../../test/helpers/repo-root.js';
import {} from '../../test/helpers/reference-tests.js';
import {
  XML_LIMITS,
  XmlParseError,
  attr,
  childElements,
  parseXml,
  serialize,
  textOf,
  verbatimXml,
  type ContentReader,
  type ContentTag,
  type Document,
  type Element,
  type Node,
} from './xml.js';
import { readReference } from '../../test/helpers/reference.js';

const XMLNS = 'http://www.w3.org/2000/xmlns/';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

function parseError(xml: string, limits = XML_LIMITS): XmlParseError {
  try {
    parseXml(xml, limits);
  } catch (err) {
    if (err instanceof XmlParseError) return err;
    throw err;
  }
  throw new Error('expected an XmlParseError');
}

const root = (xml: string): Element => parseXml(xml).documentElement!;

/** Namespace-level shape of a subtree: names, non-declaration attributes, text and children. */
interface Shape {
  ns: string | null;
  local: string;
  attrs: string[];
  content: (string | Shape)[];
}
function shape(el: Element): Shape {
  const attrs = el.attributes
    .filter((a) => a.namespaceURI !== XMLNS)
    .map((a) => `{${a.namespaceURI ?? ''}}${a.localName}=${a.value}`)
    .sort();
  const content: (string | Shape)[] = [];
  for (let n: Node | null = el.firstChild; n; n = n.nextSibling) {
    content.push(n.nodeType === 1 ? shape(n as Element) : n.nodeValue!);
  }
  return { ns: el.namespaceURI, local: el.localName, attrs, content };
}

describe('parseXml: namespaces and the DOM it builds', () => {
  const doc = parseXml(
    '<?xml version="1.0" encoding="UTF-8"?>\n<!-- before -->\n' +
      '<s:E xmlns:s="urn:s" xmlns="urn:d" s:mu="1" plain="p" xml:lang="en">' +
      '<B>one<!-- c -->two<?pi x?></B><s:C><D xmlns="">x</D><s:E/></s:C></s:E>\n',
  );
  const e = doc.documentElement!;
  const [b, c] = childElements(e) as [Element, Element];
  const [d, e2] = childElements(c) as [Element, Element];

  it('resolves prefixes and default namespaces; unprefixed attributes have none', () => {
    expect([e.namespaceURI, e.prefix, e.localName, e.tagName, e.nodeName]).toEqual([
      'urn:s',
      's',
      'E',
      's:E',
      's:E',
    ]);
    expect([b.namespaceURI, b.prefix, b.localName]).toEqual(['urn:d', null, 'B']);
    expect([d.namespaceURI, d.localName, e2.namespaceURI]).toEqual([null, 'D', 'urn:s']);
    expect([
      e.getAttributeNS('urn:s', 'mu'),
      e.getAttributeNS(null, 'plain'),
      e.getAttributeNS('', 'plain'),
    ]).toEqual(['1', 'p', 'p']);
    expect(e.getAttributeNS(XML_NS, 'lang')).toBe('en');
    expect([e.getAttribute('s:mu'), e.getAttribute('missing'), e.getAttributeNS('urn:x', 'mu')]).toEqual([
      '1',
      null,
      null,
    ]);
    expect([e.hasAttribute('plain'), e.hasAttribute('nope'), attr(e, 'plain'), attr(e, 'nope')]).toEqual([
      true,
      false,
      'p',
      undefined,
    ]);
  });

  it('keeps namespace declarations as attributes in the XMLNS namespace, in document order', () => {
    expect(e.attributes.map((a) => [a.name, a.namespaceURI, a.prefix, a.localName, a.value])).toEqual([
      ['xmlns:s', XMLNS, 'xmlns', 's', 'urn:s'],
      ['xmlns', XMLNS, null, 'xmlns', 'urn:d'],
      ['s:mu', 'urn:s', 's', 'mu', '1'],
      ['plain', null, null, 'plain', 'p'],
      ['xml:lang', XML_NS, 'xml', 'lang', 'en'],
    ]);
  });

  it('lookupNamespaceURI walks the ancestors (DOM "locate a namespace")', () => {
    expect([d.lookupNamespaceURI('s'), d.lookupNamespaceURI(null), d.lookupNamespaceURI('')]).toEqual([
      'urn:s',
      null,
      null,
    ]);
    expect([b.lookupNamespaceURI(null), b.lookupNamespaceURI('nope'), b.lookupNamespaceURI('xml')]).toEqual([
      'urn:d',
      null,
      XML_NS,
    ]);
  });

  it('links the tree, drops comments and PIs, and merges the text around them', () => {
    expect([
      doc.nodeType,
      e.nodeType,
      doc.firstChild === e,
      e.parentNode === doc,
      b.parentNode === e,
    ]).toEqual([9, 1, true, true, true]);
    expect([b.firstChild?.nodeType, b.firstChild?.nodeValue, b.firstChild?.nextSibling]).toEqual([
      3,
      'onetwo',
      null,
    ]);
    expect([b.nextSibling === c, e.textContent, c.textContent, doc.textContent]).toEqual([
      true,
      'onetwox',
      'x',
      null,
    ]);
  });

  it("getElementsByTagNameNS matches descendants in document order, '*' for either part", () => {
    const names = (els: Element[]): string[] => els.map((x) => x.tagName);
    expect(names(doc.getElementsByTagNameNS('*', '*'))).toEqual(['s:E', 'B', 's:C', 'D', 's:E']);
    expect(names(e.getElementsByTagNameNS('*', '*'))).toEqual(['B', 's:C', 'D', 's:E']);
    expect(names(e.getElementsByTagNameNS('urn:s', '*'))).toEqual(['s:C', 's:E']);
    expect(names(doc.getElementsByTagNameNS('*', 'E'))).toEqual(['s:E', 's:E']);
    expect(names(doc.getElementsByTagNameNS('', 'D'))).toEqual(['D']);
    expect(names(doc.getElementsByTagNameNS(null, 'B'))).toEqual([]);
  });

  it('keeps CDATA as text and expands character and predefined entity references', () => {
    const r = root('\uFEFF<a>x &lt;&amp;&gt;&quot;&apos; &#65;&#x42;<![CDATA[<not> &amp; markup]]>\r\ny</a>');
    expect(textOf(r)).toBe('x <&>"\' AB<not> &amp; markup\ny');
    expect([r.firstChild?.nodeType, r.firstChild?.nextSibling?.nodeType]).toEqual([3, 4]);
    expect(root('<a v="a&#9;b&#10;c&#13;d\te"/>').getAttribute('v')).toBe('a\tb\nc\rd e');
  });
});

describe('parseXml: refused input', () => {
  const BILLION_LAUGHS =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><lolz>&lol2;</lolz>';
  const XXE =
    '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>';

  it.each([
    ['a DOCTYPE', '<!DOCTYPE a><a/>'],
    ['a lower-case doctype', '<!doctype a><a/>'],
    ['billion laughs', BILLION_LAUGHS],
    ['XXE', XXE],
    ['a bare ENTITY declaration', '<a><!ENTITY x "y"></a>'],
  ])('refuses %s before parsing (doctype)', (_name, xml) => {
    expect(parseError(xml).reason).toBe('doctype');
  });

  it.each([
    ['an unbound element prefix', '<p:a/>', /unbound namespace prefix: "p"/],
    ['an unbound attribute prefix', '<a p:x="1"/>', /unbound namespace prefix: "p"/],
    ['mismatched tags', '<a><b></a>', /unexpected close tag/],
    ['an unclosed tag', '<a><b>', /unclosed tag/],
    ['two roots', '<a/><b/>', /only one root/],
    ['text after the root', '<a/>x', /text data outside of root node/],
    ['text before the root', 'x<a/>', /text data outside of root node/],
    ['an undefined entity', '<a>&nbsp;</a>', /undefined entity/],
    ['an entity reference with no DTD (XXE attempt)', '<foo>&xxe;</foo>', /undefined entity/],
    ['a duplicate attribute', '<a x="1" x="2"/>', /duplicate attribute/],
    ['a disallowed character', '<a>\u0001</a>', /disallowed character/],
    ['no root', '<?xml version="1.0"?>', /root/],
  ])('rejects %s (not-well-formed, with the parser message)', (_name, xml, message) => {
    const err = parseError(xml);
    expect(err.reason).toBe('not-well-formed');
    expect(err.message).toMatch(/^XML is not well-formed: /);
    expect(err.message).toMatch(message);
  });

  it('rejects an empty or blank document (empty)', () => {
    expect([parseError('').reason, parseError(' \n\t').reason]).toEqual(['empty', 'empty']);
  });
});

describe('parseXml: structural limits', () => {
  const nested = (depth: number): string => '<a>'.repeat(depth) + '</a>'.repeat(depth);
  /** The index just after the `n`th `<a>` (1-based), in a text of `<a>`s only. */
  const afterOpenTag = (n: number): number => 3 * n;

  it('has the documented defaults', () => {
    expect(XML_LIMITS).toEqual({
      maxDepth: 64,
      maxElements: 200_000,
      maxAttributesPerElement: 256,
      maxAttributes: 400_000,
    });
  });

  it('reads elements nested exactly maxDepth deep', () => {
    let depth = 0;
    for (let e: Element | null = root(nested(64)); e; e = childElements(e)[0] ?? null) depth += 1;
    expect(depth).toBe(64);
  });

  // 30,000 levels took 20 s and 10^6 never finished: saxes walks the open-tag stack per element.
  it.each([65, 30_000, 1_000_000])(
    'refuses %i levels at the 65th start tag, reading no further (work independent of the rest)',
    (depth) => {
      const err = parseError(nested(depth));
      expect(err).toMatchObject({ reason: 'limit', limit: 'maxDepth' });
      expect(err.message).toBe(
        `XML exceeds the maxDepth limit of 64 (element nesting) at 1:${afterOpenTag(65)}`,
      );
      // saxes reports the 65th tag once it has read its name: the parser stopped there.
      expect(err.position).toBe(afterOpenTag(65));
    },
  );

  it('counts depth, not elements: siblings and self-closing tags close their level', () => {
    const xml = `<r>${'<a/>'.repeat(100)}${nested(63)}${'<b></b>'.repeat(100)}</r>`;
    expect(childElements(root(xml))).toHaveLength(201);
  });

  it('refuses the element after maxElements, where it starts', () => {
    const limits = { ...XML_LIMITS, maxElements: 10 };
    expect(childElements(root(`<r>${'<a/>'.repeat(9)}</r>`))).toHaveLength(9);
    expect(() => parseXml(`<r>${'<a/>'.repeat(9)}</r>`, limits)).not.toThrow();
    const err = parseError(`<r>${'<a/>'.repeat(1_000)}</r>`, limits);
    expect(err).toMatchObject({ reason: 'limit', limit: 'maxElements', position: 3 + 9 * 4 + 3 });
    expect(err.message).toBe('XML exceeds the maxElements limit of 10 (elements in the document) at 1:42');
  });

  it('applies the default maxElements (200,000) to a flat document of empty elements', () => {
    const err = parseError(`<r>${'<a/>'.repeat(250_000)}</r>`);
    expect(err).toMatchObject({ reason: 'limit', limit: 'maxElements', position: 3 + 199_999 * 4 + 3 });
  });

  it('refuses the attribute after maxAttributesPerElement', () => {
    const attrs = (n: number): string => Array.from({ length: n }, (_, i) => ` x${i}="1"`).join('');
    expect(root(`<a${attrs(256)}/>`).attributes).toHaveLength(256);
    const err = parseError(`<a${attrs(10_000)}/>`);
    expect(err).toMatchObject({ reason: 'limit', limit: 'maxAttributesPerElement' });
    expect(err.message).toMatch(
      /^XML exceeds the maxAttributesPerElement limit of 256 \(attributes on one element\) at 1:\d+$/,
    );
    expect(err.position).toBe(`<a${attrs(257)}`.length);
  });

  it('refuses the attribute after maxAttributes in the document, namespace declarations included', () => {
    const limits = { ...XML_LIMITS, maxAttributes: 5 };
    expect(() => parseXml('<r xmlns="urn:r"><a x="1" y="2"/><a x="1" y="2"/></r>', limits)).not.toThrow();
    const err = parseError('<r xmlns="urn:r"><a x="1" y="2"/><a x="1" y="2" z="3"/></r>', limits);
    expect(err).toMatchObject({ reason: 'limit', limit: 'maxAttributes' });
    expect(err.message).toBe('XML exceeds the maxAttributes limit of 5 (attributes in the document) at 1:53');
  });

  it('reports the first limit passed in document order, attributes before a later element limit', () => {
    const limits = { ...XML_LIMITS, maxElements: 3, maxAttributes: 2 };
    const err = parseError('<r><a x="1" y="2" z="3"/><b/><c/><d/></r>', limits);
    expect(err).toMatchObject({ reason: 'limit', limit: 'maxAttributes', position: 23 });
    expect(err.message).toBe('XML exceeds the maxAttributes limit of 2 (attributes in the document) at 1:23');
  });

  it("counts a quoted '>' or quote of the other kind as part of the value, not as the tag's end", () => {
    const limits = { ...XML_LIMITS, maxAttributesPerElement: 2 };
    expect(parseXml(`<a x="1>'" y='">2'/>`, limits).documentElement!.attributes).toHaveLength(2);
    const err = parseError(`<a x="1>'" y='">2' z="3"/>`, limits);
    expect(err).toMatchObject({ reason: 'limit', limit: 'maxAttributesPerElement', position: 24 });
  });
});

describe('serialize', () => {
  it('writes a standalone fragment declaring the ancestor namespaces it uses', () => {
    const doc = parseXml(
      '<a xmlns="urn:d" xmlns:p="urn:p" xmlns:q="urn:q" xmlns:unused="urn:u">' +
        '<p:b q:x="1" t="p:Qn"><c>q:Text</c><p:e/></p:b></a>',
    );
    const b = doc.getElementsByTagNameNS('urn:p', 'b')[0]!;
    expect(serialize(b)).toBe(
      '<p:b q:x="1" t="p:Qn" xmlns:p="urn:p" xmlns:q="urn:q" xmlns="urn:d"><c>q:Text</c><p:e/></p:b>',
    );
    expect(serialize(doc)).toBe(serialize(doc.documentElement!));
  });

  it('does not redeclare what the element declares itself, nor an undeclared default', () => {
    const doc = parseXml(
      '<a xmlns="urn:d" xmlns:p="urn:p"><b xmlns:p="urn:other" xmlns=""><p:c/><d/></b></a>',
    );
    const b = childElements(doc.documentElement!)[0]!;
    expect(serialize(b)).toBe('<b xmlns:p="urn:other" xmlns=""><p:c/><d/></b>');
    expect(serialize(childElements(b)[1]!)).toBe('<d/>');
  });

  it('escapes text and attribute values so they survive a round trip', () => {
    const el = root(
      '<a v="&quot;&amp;&lt;&gt;&#9;&#10;&#13;\'">&amp;&lt;&gt;&#13;"\'<![CDATA[]]]]><![CDATA[>]]></a>',
    );
    const out = serialize(el);
    expect(out).toBe('<a v="&quot;&amp;&lt;&gt;&#9;&#10;&#13;\'">&amp;&lt;&gt;&#13;"\']]&gt;</a>');
    const again = root(out);
    expect([again.getAttribute('v'), again.textContent]).toEqual([el.getAttribute('v'), el.textContent]);
  });

  it
    .skipIf(skipWithoutReference)
    .each([
      'examples/ITI-38/nist_soap_FindDocuments_LeafClass_response_Success.xml',
      'examples/ITI-18-reference/ihe-official_RegistryStoredQuery_response_SOAP_full-DocumentEntry.xml',
      'examples/ITI-38/nist_soap_response_Failure_with-RegistryErrorList.xml',
      'examples/ITI-38/ihe-official_deferred_02_query-response_PartialSuccess_DeferredProcessingRequired.xml',
    ])('every element of %s re-parses alone to the same tree', (rel) => {
    const doc = parseXml(readReference(rel));
    const all = doc.getElementsByTagNameNS('*', '*');
    expect(all.length).toBeGreaterThan(5);
    for (const el of all) {
      const again = root(serialize(el));
      expect(shape(again)).toEqual(shape(el));
      for (const x of [again, ...again.getElementsByTagNameNS('*', '*')]) {
        expect(x.lookupNamespaceURI(x.prefix)).toBe(x.namespaceURI);
      }
    }
  });
});

describe('verbatimXml', () => {
  const child = (xml: string, ...path: number[]): Element => {
    let el = parseXml(xml).documentElement!;
    for (const i of path) el = childElements(el)[i]!;
    return el;
  };

  it('gives the element as written, with the declarations it inherits added at the end of its start tag', () => {
    const xml =
      '<env:E xmlns:env="urn:e" xmlns:rim="urn:r" xmlns="urn:d"><env:B>' +
      '<rim:O id=\'a&apos;1\' n="x &#x3e; y"><!-- kept --><Plain>T &amp; &#233;</Plain>\r\n<rim:S/></rim:O>' +
      '</env:B></env:E>';
    const o = child(xml, 0, 0);
    expect(verbatimXml(o)).toBe(
      '<rim:O id=\'a&apos;1\' n="x &#x3e; y" xmlns:rim="urn:r" xmlns="urn:d"><!-- kept --><Plain>T &amp; &#233;</Plain>\r\n<rim:S/></rim:O>',
    );
    // what it gives is standalone and reads back as the same tree as the serialised form
    expect(serialize(parseXml(verbatimXml(o)))).toBe(serialize(o));
  });

  it('frames self-closing elements, a root declaring its own namespace, and text after characters outside the BMP', () => {
    const xml =
      '<a:R xmlns:a="urn:a">\u{1F600}\u{1F600}<a:X k="1" /><a:Y xmlns:a="urn:y" v="2">\u{1F600}</a:Y></a:R>';
    expect(verbatimXml(child(xml, 0))).toBe('<a:X k="1"  xmlns:a="urn:a"/>');
    expect(verbatimXml(child(xml, 1))).toBe('<a:Y xmlns:a="urn:y" v="2">\u{1F600}</a:Y>');
    expect(verbatimXml(parseXml(xml).documentElement!)).toBe(xml);
  });

  it('adds the declaration of a prefix used only in a QName value (xsi:type, codes), as serialize does', () => {
    const xml = '<r xmlns:q="urn:q"><v t="q:Code">q:Other</v></r>';
    expect(verbatimXml(child(xml, 0))).toBe('<v t="q:Code" xmlns:q="urn:q">q:Other</v>');
  });

  it('serialises an element that was not read from text', () => {
    const el = parseXml('<r><s a="1"/></r>').documentElement!;
    const s = childElements(el)[0]!;
    delete s.source;
    expect(verbatimXml(s)).toBe('<s a="1"/>');
  });
});

describe('parseXml with readContent', () => {
  /** Records every event of the content it reads, as `open ns local depth` / `text "…" depth` / `close depth`. */
  class Recorder implements ContentReader {
    readonly events: string[] = [];
    open(tag: ContentTag, depth: number): void {
      const attrs = Object.keys(tag.attributes).map((n) => `${n}=${tag.attributes[n]!.value}`);
      this.events.push(`open {${tag.uri}}${tag.local} ${depth}${attrs.length ? ` ${attrs.join(' ')}` : ''}`);
    }
    text(data: string, depth: number): void {
      this.events.push(`text ${JSON.stringify(data)} ${depth}`);
    }
    close(depth: number): void {
      this.events.push(`close ${depth}`);
    }
  }
  /** Reads the content of every element named `local` (any namespace) with a new Recorder. */
  const reading = (local: string) => {
    const readers: Recorder[] = [];
    const readContent = (el: Element): ContentReader | undefined => {
      if (el.localName !== local) return undefined;
      const r = new Recorder();
      readers.push(r);
      return r;
    };
    return { readers, readContent };
  };
  /** Every element named `local` in the tree, in document order. */
  const named = (doc: Document, local: string): Element[] => doc.getElementsByTagNameNS('*', local);

  it('keeps the element with its attributes and source but no children, and hands its content to the reader in order', () => {
    const xml =
      '<r xmlns="urn:d" xmlns:p="urn:p"><O id="1" p:k="v">a&amp;b<p:C x="1"><D/></p:C><![CDATA[<c>]]><!-- no event --></O><After/></r>';
    const { readers, readContent } = reading('O');
    const doc = parseXml(xml, XML_LIMITS, readContent);
    const o = named(doc, 'O')[0]!;
    expect(o.firstChild).toBeNull();
    expect(o.attributes.map((a) => `${a.name}=${a.value}`)).toEqual(['id=1', 'p:k=v']);
    expect(readers).toHaveLength(1);
    expect(o.contentRead?.reader).toBe(readers[0]);
    expect(readers[0]!.events).toEqual([
      'text "a&b" 0',
      'open {urn:p}C 1 x=1',
      'open {urn:d}D 2',
      'close 2',
      'close 1',
      'text "<c>" 0',
    ]);
    // the elements after the read one are a tree again
    expect(childElements(doc.documentElement!).map((e) => e.localName)).toEqual(['O', 'After']);
    expect(verbatimXml(o)).toBe(
      '<O id="1" p:k="v" xmlns="urn:d" xmlns:p="urn:p">a&amp;b<p:C x="1"><D/></p:C><![CDATA[<c>]]><!-- no event --></O>',
    );
  });

  it.each([
    ['self-closing', '<r xmlns:a="urn:a"><a:O k="1"/></r>'],
    [
      'comments, CDATA and references',
      '<r xmlns:rim="urn:r" xmlns="urn:d"><rim:O id=\'a&apos;1\'><!-- c --><P>T &amp; &#233;</P>\r\n<rim:S/></rim:O></r>',
    ],
    ['a QName only in text, across a comment', '<r xmlns:q="urn:q"><O><v>q:<!-- split -->Code</v></O></r>'],
    [
      'a QName only in CDATA and in an attribute value',
      '<r xmlns:q="urn:q" xmlns:t="urn:t"><O><v t="t:x"><![CDATA[q:Code]]></v></O></r>',
    ],
    ['a prefix redeclared inside the content', '<r xmlns:a="urn:a1"><O><a:X xmlns:a="urn:a2"/></O></r>'],
    ['the default namespace undeclared inside', '<r xmlns="urn:d"><O><X xmlns=""><Y/></X></O></r>'],
    ["unused ancestors' declarations left out", '<r xmlns:u="urn:u" xmlns:a="urn:a"><O a:k="1"/></r>'],
    ['characters outside the BMP before it', '<r xmlns:a="urn:a">\u{1F600}<O><a:V>\u{1F600}</a:V></O></r>'],
  ])('gives verbatimXml the same text as the tree would (%s)', (_name, xml) => {
    const fromTree = named(parseXml(xml), 'O').map(verbatimXml);
    const doc = parseXml(xml, XML_LIMITS, reading('O').readContent);
    const read = named(doc, 'O');
    expect(read.every((o) => o.contentRead !== undefined && o.firstChild === null)).toBe(true);
    expect(read.map(verbatimXml)).toEqual(fromTree);
  });

  it('keeps every limit inside the content it reads, at the same place', () => {
    const deep = `<r><O>${'<a>'.repeat(5)}${'</a>'.repeat(5)}</O></r>`;
    const limits = {
      ...XML_LIMITS,
      maxDepth: 4,
      maxElements: 3,
      maxAttributesPerElement: 1,
      maxAttributes: 2,
    };
    const cases = [
      deep,
      '<r><O><a/><b/></O></r>',
      '<r><O><a x="1" y="2"/></O></r>',
      '<r x="1"><O><a y="1"/><b z="1"/></O></r>',
    ];
    for (const xml of cases) {
      let fromTree: XmlParseError | undefined;
      try {
        parseXml(xml, limits);
      } catch (err) {
        fromTree = err as XmlParseError;
      }
      expect(fromTree).toBeInstanceOf(XmlParseError);
      expect(() => parseXml(xml, limits, reading('O').readContent)).toThrow(fromTree!.message);
    }
  });

  it('refuses malformed content it reads as the tree parse does (saxes checks it all)', () => {
    for (const xml of [
      '<r><O><a></b></O></r>',
      '<r><O><p:a/></O></r>',
      '<r><O><a x="1" x="2"/></O></r>',
      '<r><O>&undefined;</O></r>',
      '<r><O><a>',
    ]) {
      const fromTree = parseError(xml);
      let read: unknown;
      try {
        parseXml(xml, XML_LIMITS, reading('O').readContent);
      } catch (err) {
        read = err;
      }
      expect(read).toBeInstanceOf(XmlParseError);
      expect((read as XmlParseError).reason).toBe('not-well-formed');
      expect((read as XmlParseError).message).toBe(fromTree.message);
    }
  });

  it('serialize refuses an element whose content was read (its children are not in the tree)', () => {
    const doc = parseXml('<r><O><a/></O></r>', XML_LIMITS, reading('O').readContent);
    expect(() => serialize(doc)).toThrow(
      'serialize: the content of <O> was read by a ContentReader, not kept',
    );
  });
});
