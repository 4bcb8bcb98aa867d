/**
 * Embedding and editing one XML fragment without touching its text with a regex: set or remove its
 * root element's attribute on the parsed tree, and drop a leading XML declaration where the parser
 * says it ends.
 */
import { SaxesParser } from 'saxes';
import { parseXml, serialize } from './xml.js';

/**
 * `fragment` (one element, as {@link serialize} writes it) with the unprefixed attribute `name` of
 * its root element set to `value`, or removed when `value` is undefined: read with the hardened
 * {@link parseXml} and written again by {@link serialize}, so the attribute is found as the parser
 * sees it (a `>` or `name=` inside another attribute's quoted value, XML 1.0 §3.1, is just text).
 * Attribute order is otherwise kept and is not significant (XML 1.0 §3.1).
 * @throws XmlParseError when `fragment` is not well-formed XML.
 */
export function withRootAttribute(fragment: string, name: string, value: string | undefined): string {
  return serialize(parseXml(fragment), { setRootAttribute: { name, value } });
}

/** XML 1.0 §2.3 `S`: space, tab, CR, LF. */
const isXmlSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/** Thrown from a saxes handler to stop reading as soon as the prologue's first item is known. */
const STOP_READING = new Error('stop reading (not an error)');

/**
 * `xml` without a leading XML declaration (XML 1.0 §2.8 `XMLDecl`), for embedding a standalone
 * document's element in another document (a SOAP env:Body, a wsse:Security header). The
 * declaration is read by saxes, and its end is the parser's `position` when it reports the
 * declaration (`xmldecl`); reading stops there, so the cost is the declaration's length whatever
 * follows. The text after it is returned as it is, byte for byte: a signed XUA assertion must keep
 * the bytes its signature covers, which re-serialising could change. A BOM (U+FEFF) and XML
 * whitespace before the declaration and whitespace after it go with it. Anything else is returned
 * unchanged: text without a declaration, a declaration saxes finds malformed (the receiver's parser
 * then reports it), and a processing instruction whose target merely starts with `xml` (e.g.
 * `<?xml-stylesheet …?>`, XML 1.0 §2.6), which is not a declaration.
 */
export function withoutXmlDeclaration(xml: string): string {
  let start = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (isXmlSpace(xml.charCodeAt(start))) start++;
  if (!xml.startsWith('<?xml', start)) return xml;
  const parser = new SaxesParser();
  let end = -1;
  parser.on('xmldecl', () => {
    end = start + parser.position;
    throw STOP_READING;
  });
  const stop = (): never => {
    throw STOP_READING;
  };
  parser.on('error', stop);
  parser.on('processinginstruction', stop);
  try {
    parser.write(xml.slice(start));
  } catch (err) {
    if (err !== STOP_READING) throw err;
  }
  if (end < 0) return xml;
  while (isXmlSpace(xml.charCodeAt(end))) end++;
  return xml.slice(end);
}
