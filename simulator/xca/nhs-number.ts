/**
 * NHS number validation and formatting.
 *
 * Source: NHS Data Dictionary, "NHS NUMBER" data element: ten digits, the tenth a Modulus 11 check
 * digit. Weights 10..2 over digits 1-9; check = 11 - (sum mod 11); 11 becomes 0; 10 means the
 * number is invalid and is never issued. Display format is 3-3-4 ("943 476 5919").
 */

/** Modulus 11 weights for digits 1 to 9 (NHS Data Dictionary). */
const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/** Spaces are display-only (3-3-4 format) and are ignored before validation. */
function stripSpaces(s: string): string {
  return s.replace(/ /g, '');
}

/**
 * The Modulus 11 check digit for the first nine digits of an NHS number.
 * @param first9 exactly nine ASCII digits (no spaces).
 * @returns 0-9, or `undefined` when `first9` is not nine digits or when no valid check digit exists
 *   (the "remainder gives 10" case of the NHS Data Dictionary, e.g. prefix `999000000`).
 * @example nhsCheckDigit('943476591') === 9
 */
export function nhsCheckDigit(first9: string): number | undefined {
  if (!/^\d{9}$/.test(first9)) return undefined;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(first9[i]) * WEIGHTS[i]!;
  const check = 11 - (sum % 11);
  if (check === 10) return undefined;
  return check === 11 ? 0 : check;
}

/**
 * True when `s`, after removing spaces, is exactly ten digits whose tenth digit is the Modulus 11
 * check digit of the first nine (NHS Data Dictionary). Any Modulus-11-valid number is accepted,
 * not only the 999 test range.
 * @example isValidNhsNumber('943 476 5919') === true; isValidNhsNumber('9999999991') === false
 */
export function isValidNhsNumber(s: string): boolean {
  const digits = stripSpaces(s);
  if (!/^\d{10}$/.test(digits)) return false;
  return nhsCheckDigit(digits.slice(0, 9)) === Number(digits[9]);
}

/**
 * The NHS display format, 3-3-4 separated by single spaces (NHS Data Dictionary).
 * @param nhs ten digits, spaces allowed (they are removed first).
 * @returns e.g. `943 476 5919`; the check digit is not verified.
 * @throws RangeError when `nhs` is not ten digits after removing spaces.
 */
export function formatNhsNumber(nhs: string): string {
  const digits = stripSpaces(nhs);
  if (!/^\d{10}$/.test(digits)) throw new RangeError(`not a ten-digit NHS number: ${JSON.stringify(nhs)}`);
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
}

/** True when `nhs` (digits only) lies in 999 000 0000 - 999 999 9999, the test-data range. */
export function isNhsTestRangeNumber(nhs: string): boolean {
  return /^999\d{7}$/.test(nhs);
}
