import { describe, expect, it } from 'vitest';
import {
  SlotValueError,
  codeValueText,
  encodeStringList,
  parseCode,
  parseDtm,
  parseList,
  parseNumber,
  parseQuotedString,
  parseStringList,
  quoteString,
} from './slot-value.js';

describe('stored-query value syntax (ITI TF-2 3.18.4.1.2.3.5)', () => {
  it.each([
    ["'abc'", 'abc'],
    ["  'a b'  ", 'a b'],
    ["'O''Brien'", "O'Brien"],
    ["''", ''],
    ["'a,b)('", 'a,b)('],
  ])('parseQuotedString(%s) = %s', (raw, value) => {
    expect(parseQuotedString(raw)).toBe(value);
  });

  it.each([
    ['abc', /value abc is not a quoted string/],
    ['‘curly’', /is not a quoted string/],
    ["'abc", /unterminated quoted string/],
    ["'a'b'", /text after the closing quote/],
    ["('a')", /is not a quoted string/],
  ])('parseQuotedString(%s) fails', (raw, message) => {
    expect(() => parseQuotedString(raw)).toThrow(SlotValueError);
    expect(() => parseQuotedString(raw)).toThrow(message);
  });

  it('parses lists of quoted strings and numbers, ignoring whitespace, keeping commas inside quotes', () => {
    expect(parseList("('a', 'b,c' ,12, 'd''e')")).toEqual([
      { kind: 'string', value: 'a' },
      { kind: 'string', value: 'b,c' },
      { kind: 'number', value: '12' },
      { kind: 'string', value: "d'e" },
    ]);
  });

  it.each([
    ["'a'", /is not a list in parentheses/],
    ['urn:x', /is not a list in parentheses/],
    ['()', /is an empty list/],
    ["('a',)", /empty list item/],
    ["('a',,'b')", /empty list item/],
    ["('a' 'b')", /where a comma should be/],
    [
      '(urn:oasis:names:tc:ebxml-regrep:StatusType:Approved)',
      /item urn:oasis:names:tc:ebxml-regrep:StatusType:Approved is not a quoted string/,
    ],
    ["('a)", /unterminated quoted string/],
  ])('parseList(%s) fails', (raw, message) => {
    expect(() => parseList(raw)).toThrow(message);
  });

  it('concatenates lists spread over several Values and rejects unquoted items', () => {
    expect(parseStringList(["('a')", "('b','c')"])).toEqual(['a', 'b', 'c']);
    expect(() => parseStringList(["('a', 3)"])).toThrow(/item 3 is not a quoted string/);
  });

  it('parses numbers and DTM times', () => {
    expect(parseNumber(' 42 ')).toBe('42');
    expect(() => parseNumber("'42'")).toThrow(/not an unquoted number/);
    for (const t of ['2024', '202403', '20240301', '2024030110', '202403011015', '20240301101500'])
      expect(parseDtm(t)).toBe(t);
    for (const t of ['20240', "'2024'", '2024-03-01', '202403011015001'])
      expect(() => parseDtm(t)).toThrow(/not an unquoted DTM/);
  });

  it.each([
    ['CT^^1.2.840.10008.2.16.4', { code: 'CT', codingScheme: '1.2.840.10008.2.16.4' }],
    ['a^b^^c^^d', { code: 'a^b', codingScheme: 'c^^d' }],
  ])('parseCode(%s)', (text, code) => {
    expect(parseCode(text)).toEqual(code);
  });

  it.each([
    ['value^^', /coding scheme missing/],
    ['^^scheme', /code missing/],
    ['value', /no \^\^/],
  ])('parseCode(%s) fails', (text, message) => {
    expect(() => parseCode(text)).toThrow(message);
  });

  it('encodes what it parses', () => {
    expect(quoteString("O'Brien")).toBe("'O''Brien'");
    expect(parseQuotedString(quoteString("it's, (odd)"))).toBe("it's, (odd)");
    const items = ["a'b", 'c,d', codeValueText({ code: 'CT', codingScheme: 'DCM' })];
    expect(encodeStringList(items)).toBe("('a''b','c,d','CT^^DCM')");
    expect(parseStringList([encodeStringList(items)])).toEqual(items);
  });
});
