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

  it('throws RangeError for an unknown charset', () => {
    expect(() => decodeCharset(Buffer.from('<a/>'), 'x-nonsense')).toThrow(RangeError);
  });
});
