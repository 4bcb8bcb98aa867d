import { describe, expect, it } from 'vitest';
import { formatNhsNumber, isNhsTestRangeNumber, isValidNhsNumber, nhsCheckDigit } from './nhs-number.js';

describe('isValidNhsNumber (NHS Data Dictionary Modulus 11)', () => {
  it.each([
    ['9434765919', true],
    ['9999999999', true],
    ['9912003888', true],
    ['9000000009', true],
    ['9690937278', true],
    ['943 476 5919', true],
    ['9999999991', false],
    ['9876544321', false],
    ['123', false],
    ['abcdefghij', false],
    ['943476591', false],
    ['94347659190', false],
    ['', false],
    ['943-476-5919', false],
    ['9434765918', false],
  ])('%j -> %s', (input, valid) => {
    expect(isValidNhsNumber(input)).toBe(valid);
  });

  it('rejects every 999000000x: that prefix has no valid check digit', () => {
    expect(nhsCheckDigit('999000000')).toBeUndefined();
    for (let d = 0; d <= 9; d++) expect(isValidNhsNumber(`999000000${d}`)).toBe(false);
  });
});

describe('nhsCheckDigit', () => {
  it.each([
    ['943476591', 9],
    ['999999999', 9],
    ['991200388', 8],
    ['900000000', 9],
  ])('%s -> %i', (first9, check) => {
    expect(nhsCheckDigit(first9)).toBe(check);
  });

  it('maps a computed 11 (weighted sum divisible by 11) to 0', () => {
    // 9*10 + 9*9 + 9*8 + 5*2 = 253 = 23 * 11
    expect(nhsCheckDigit('999000005')).toBe(0);
    expect(isValidNhsNumber('9990000050')).toBe(true);
  });

  it.each(['12345678', '1234567890', 'abcdefghi', '12345 678'])('returns undefined for %j', (s) => {
    expect(nhsCheckDigit(s)).toBeUndefined();
  });
});

describe('formatNhsNumber', () => {
  it('formats 3-3-4', () => {
    expect(formatNhsNumber('9434765919')).toBe('943 476 5919');
    expect(formatNhsNumber('943 476 5919')).toBe('943 476 5919');
  });
  it('throws RangeError for anything but ten digits', () => {
    expect(() => formatNhsNumber('123')).toThrow(RangeError);
  });
});

describe('isNhsTestRangeNumber', () => {
  it.each([
    ['9990000000', true],
    ['9999999999', true],
    ['9989999999', false],
    ['999000000', false],
  ])('%s -> %s', (s, inRange) => {
    expect(isNhsTestRangeNumber(s)).toBe(inRange);
  });
});
