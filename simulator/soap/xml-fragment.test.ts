/**
 * Editing and embedding one XML fragment: its root attribute set on the parsed tree, its XML
 * declaration dropped where saxes says it ends, the rest kept byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { withRootAttribute, withoutXmlDeclaration } from './xml-fragment.js';
import { XmlParseError, parseXml, type Element } from './xml.js';

const root = (xml: string): Element => parseXml(xml).documentElement!;

describe('withRootAttribute', () => {
  const RIM = 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0';

  it('replaces, adds or removes the root attribute, leaving descendants and other attributes alone', () => {
    const xml = `<rim:ObjectRef xmlns:rim="${RIM}" id="urn:uuid:1" home="urn:oid:1.1"><rim:Slot home="keep"/></rim:ObjectRef>`;
    expect(withRootAttribute(xml, 'home', 'urn:oid:2.2')).toBe(
      `<rim:ObjectRef xmlns:rim="${RIM}" id="urn:uuid:1" home="urn:oid:2.2"><rim:Slot home="keep"/></rim:ObjectRef>`,
    );
    expect(withRootAttribute(xml, 'home', undefined)).toBe(
      `<rim:ObjectRef xmlns:rim="${RIM}" id="urn:uuid:1"><rim:Slot home="keep"/></rim:ObjectRef>`,
    );
    expect(withRootAttribute(`<rim:ObjectRef xmlns:rim="${RIM}" id="a"/>`, 'home', 'urn:oid:3')).toBe(
      `<rim:ObjectRef home="urn:oid:3" xmlns:rim="${RIM}" id="a"/>`,
    );
    expect(withRootAttribute('<a x="1"/>', 'home', undefined)).toBe('<a x="1"/>');
  });

  it('reads attributes as the parser does: `>` and `home=` inside another quoted value are text', () => {
    // A start-tag regex stops at the first `>` or matches the `home=` inside lid's value.
    const xml = `<rim:ObjectRef xmlns:rim="${RIM}" id="a>b" lid="x home='y'" home="urn:oid:1"/>`;
    expect(withRootAttribute(xml, 'home', undefined)).toBe(
      `<rim:ObjectRef xmlns:rim="${RIM}" id="a&gt;b" lid="x home='y'"/>`,
    );
    const wrong = root(withRootAttribute(xml, 'home', 'urn:oid:9'));
    expect(['id', 'lid', 'home'].map((n) => wrong.getAttribute(n))).toEqual([
      'a>b',
      "x home='y'",
      'urn:oid:9',
    ]);
  });

  it('refuses a fragment that is not well-formed', () => {
    expect(() => withRootAttribute('<a', 'home', 'x')).toThrow(XmlParseError);
  });
});

describe('withoutXmlDeclaration', () => {
  it('drops a declaration with the BOM and whitespace around it; keeps the rest byte for byte', () => {
    const rest = '<s:A xmlns:s="urn:s"  b = \'1\'>\r\n <!-- c --><s:B/></s:A>';
    for (const decl of [
      '<?xml version="1.0"?>',
      "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>",
      '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n',
      ' \n<?xml version="1.0"?> \t',
    ])
      expect(withoutXmlDeclaration(decl + rest)).toBe(rest);
  });

  it('returns anything that does not start with a well-formed declaration unchanged', () => {
    for (const xml of [
      '<a/>',
      '\uFEFF<a/>',
      '',
      '<?xml-stylesheet href="s.xsl" type="text/xsl"?><a/>', // a PI, not a declaration (XML 1.0 §2.6)
      '<?xml encoding="UTF-8"?><a/>', // no version
      '<?xml version="1.0"', // cut short
      '<a><?xml version="1.0"?></a>',
    ])
      expect(withoutXmlDeclaration(xml)).toBe(xml);
  });
});
