import { describe, expect, it } from 'vitest';
import { decodeCharset, parseContentType, quoteParam, soapXmlContentType } from './content-type.js';

describe('parseContentType', () => {
  it('reads quoted and token parameters, names case-insensitively, ; and \\" inside quotes', () => {
    const ct = parseContentType(
      ' Multipart/Related ; BOUNDARY="a;b"; start=<x@y> ; Type="app\\"x"; junk; start="<dup>" ',
    );
    expect(ct.mediaType).toBe('multipart/related');
    expect(Object.fromEntries(ct.params)).toEqual({ boundary: 'a;b', start: '<x@y>', type: 'app"x' });
  });

  it('answers an empty media type for a missing header', () => {
    expect(parseContentType(undefined)).toEqual({ mediaType: '', params: new Map() });
  });
});

describe('quoteParam / soapXmlContentType', () => {
  it('quotes and escapes, and refuses header injection', () => {
    expect(quoteParam('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(() => quoteParam('a\r\nX-Evil: 1')).toThrow(TypeError);
    expect(soapXmlContentType('urn:a')).toBe('application/soap+xml; charset=UTF-8; action="urn:a"');
  });
});

describe('decodeCharset', () => {
  const latin1Doc = Buffer.concat([
    Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>'),
    Buffer.from([0xd8]),
    Buffer.from('</a>'),
  ]);

  it('uses the charset parameter first, then the XML declaration, then UTF-8', () => {
    expect(decodeCharset(latin1Doc, undefined)).toContain('<a>Ø</a>');
    expect(() => decodeCharset(latin1Doc, 'utf-8')).toThrow(/not valid utf-8/);
    expect(decodeCharset(Buffer.from('\uFEFF<a>é</a>'), undefined)).toBe('<a>é</a>');
  });

  it('reads the encoding only from a real XML declaration (XML 1.0 §2.8, §4.3.3)', () => {
    const latin1 = (head: string): Buffer =>
      Buffer.concat([Buffer.from(head), Buffer.from([0xd8]), Buffer.from('</a>')]);
    for (const decl of [
      '<?xml version="1.0" encoding="ISO-8859-1"?><a>',
      "\uFEFF<?xml version='1.0' encoding = 'latin1' standalone='no'?><a>",
      '<?xml\r\n version="1.0"\r\n encoding="iso-8859-1" ?>\n<a>',
      '<?xml encoding="ISO-8859-1"?><a>',
    ])
      expect(decodeCharset(latin1(decl), undefined)).toMatch(/<a>Ø<\/a>$/);
    for (const head of [
      '<?xml-stylesheet href="s.xsl" encoding="ISO-8859-1"?><a>', // a PI, not the declaration
      '<?xml version="1.0 encoding=\'ISO-8859-1\'"?><a>', // inside another value
      '<?xml version="1.0"?><a encoding="ISO-8859-1">', // after the declaration
      '<?xml version="1.0" encoding="ISO-8859-1\'?><a>', // quotes do not match
      '<?xml version="1.0"encoding="ISO-8859-1"?><a>', // no S between pseudo-attributes
      '<?xml version="1.0" encoding="8859-1"?><a>', // not an EncName
      ` <?xml version="1.0" encoding="ISO-8859-1"?><a>`, // not at the start
      `<?xml version="1.0"${' '.repeat(200)}encoding="ISO-8859-1"?><a>`, // past the first 200 bytes
    ])
      expect(() => decodeCharset(latin1(head), undefined), head).toThrow(/not valid utf-8/);
  });

  it('throws RangeError for an unknown charset', () => {
    expect(() => decodeCharset(Buffer.from('<a/>'), 'x-nonsense')).toThrow(RangeError);
  });
});
