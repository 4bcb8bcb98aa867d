/**
 * The structural limits of the hardened XML parser (`parseXml`, xml.ts) and the linear scan of the
 * text that finds the first one passed before any tree is built: element depth, element count,
 * attributes per element and in all (XML 1.0 §2.4, §3.1 for what the scan relies on).
 */

/**
 * Structural limits of `parseXml` (xml.ts). Each is far above what an IHE message needs and low enough
 * that the worst input within the limits costs time linear in its length.
 */
export interface XmlLimits {
  /** Deepest element nesting (the root is depth 1). */
  maxDepth: number;
  /** Most elements in one document. */
  maxElements: number;
  /** Most attributes (namespace declarations included) on one element. */
  maxAttributesPerElement: number;
  /** Most attributes in one document. */
  maxAttributes: number;
}

/**
 * The default {@link XmlLimits}, sized from the IHE and NIST reference messages (ITI-18/38/39,
 * RAD-75, XUA): their deepest element is at depth 9, a signed XUA assertion inside a SOAP header
 * reaches about 12; no element has more than 7 attributes; a DocumentEntry is about 100 elements
 * and 110 attributes, so 200,000 elements is an ITI-38 answer of some 2,000 full DocumentEntries
 * (a data-pack patient has 2 to 4 studies per community).
 *
 * - `maxDepth` 64: saxes (with namespaces) resolves each element's prefix by walking the stack of
 *   open tags (O(depth) per element), so unbounded nesting costs O(depth²): 30,000 levels (205 KB)
 *   took 20 s. The depth is checked when a start tag opens, before that walk, so a parse costs at
 *   most 64 steps per element.
 * - `maxElements` 200,000 and `maxAttributes` 400,000: bound the tree built in memory and the
 *   time to build it (a 10 MiB body of `<a/>` would otherwise be 2.6 million nodes). Every limit
 *   is first checked by a linear scan of the text (about 0.1 s for 9 MB), so a document over any
 *   of them is refused before any of its tree is built (building 200,000 elements takes about a
 *   second on a 2-core laptop).
 * - `maxAttributesPerElement` 256: an envelope declaring every namespace it uses needs about 20.
 */
export const XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxDepth: 64,
  maxElements: 200_000,
  maxAttributesPerElement: 256,
  maxAttributes: 400_000,
});

/** A structural limit and the index in the text just after where it was passed. */
interface LimitPassed {
  limit: keyof XmlLimits;
  position: number;
}

/** XML 1.0 §2.3 `S` (space, TAB, LF, CR), `/` or `>`: what ends an element's name in a start tag. */
const endsName = (c: number): boolean =>
  c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f || c === 0x3e || Number.isNaN(c);

/**
 * The first place where `xml` passes one of `limits`, found by a linear scan of the text before
 * any of the tree is built (building it costs tens of times more per element): `<` starts a tag
 * (XML 1.0 §2.4 keeps a raw `<` out of text and attribute values), end tags close one level,
 * comments, CDATA sections and processing instructions are skipped, each quoted value inside a
 * start tag is one attribute (XML 1.0 §3.1; namespace declarations included), and a start tag's end
 * is the first `>` outside a quoted value. For a document saxes accepts it finds exactly what the
 * parser would, in document order: `maxDepth` / `maxElements` at the position just after the
 * element's name, `maxAttributesPerElement` / `maxAttributes` just after the closing quote of the
 * attribute past the limit, as saxes reports them. Undefined when no limit is passed (or the text
 * is cut short: the parser then reports it).
 */
export function structurePastLimits(xml: string, limits: Readonly<XmlLimits>): LimitPassed | undefined {
  let depth = 0;
  let elements = 0;
  let attributes = 0;
  let i = xml.indexOf('<');
  while (i >= 0) {
    const next = xml.charCodeAt(i + 1);
    let end: number;
    if (next === 0x2f /* / */) {
      depth -= 1;
      end = xml.indexOf('>', i);
    } else if (next === 0x3f /* ? */) end = xml.indexOf('?>', i + 2);
    else if (xml.startsWith('<!--', i)) end = xml.indexOf('-->', i + 4);
    else if (xml.startsWith('<![CDATA[', i)) end = xml.indexOf(']]>', i + 9);
    else {
      let j = i + 1;
      while (!endsName(xml.charCodeAt(j))) j++;
      depth += 1;
      elements += 1;
      if (depth > limits.maxDepth) return { limit: 'maxDepth', position: j + 1 };
      if (elements > limits.maxElements) return { limit: 'maxElements', position: j + 1 };
      let own = 0;
      end = j;
      for (;;) {
        const c = xml.charCodeAt(end);
        if (Number.isNaN(c)) return undefined;
        if (c === 0x22 /* " */ || c === 0x27 /* ' */) {
          end = xml.indexOf(xml[end]!, end + 1);
          if (end < 0) return undefined;
          own += 1;
          attributes += 1;
          if (own > limits.maxAttributesPerElement)
            return { limit: 'maxAttributesPerElement', position: end + 1 };
          if (attributes > limits.maxAttributes) return { limit: 'maxAttributes', position: end + 1 };
        } else if (c === 0x3e /* > */) break;
        end++;
      }
      if (xml.charCodeAt(end - 1) === 0x2f /* / */) depth -= 1;
    }
    if (end < 0) return undefined;
    i = xml.indexOf('<', end + 1);
  }
  return undefined;
}

/** What each limit counts, for the message of an `XmlParseError` `limit` (xml.ts). */
export const LIMIT_COUNTS: Readonly<Record<keyof XmlLimits, string>> = {
  maxDepth: 'element nesting',
  maxElements: 'elements in the document',
  maxAttributesPerElement: 'attributes on one element',
  maxAttributes: 'attributes in the document',
};

/** saxes' `line:column` of `position` (1-based line; column counted from 0 at each line start). */
export function lineColumn(xml: string, position: number): string {
  let line = 1;
  let lineStart = 0;
  for (let n = xml.indexOf('\n'); n >= 0 && n < position; n = xml.indexOf('\n', n + 1)) {
    line += 1;
    lineStart = n + 1;
  }
  return `${line}:${position - lineStart}`;
}
