/**
 * Well-formed, synthetic English postcodes: `<area><district> <sector><unit>` (Royal Mail PAF
 * format: outward code = area letters + district number; inward code = one digit + two letters,
 * never C, I, K, M, O or V). Faker's en_GB patterns can put a digit in the unit, so nir-sim builds
 * its own. Area letters are real English postcode areas; the full code need not exist.
 */
import type { Faker } from '@faker-js/faker';

/** A sample of postcode areas in England, spread across the NHS England regions. */
const AREAS = [
  'B',
  'BA',
  'BD',
  'BN',
  'BS',
  'CB',
  'CV',
  'DH',
  'DL',
  'E',
  'EX',
  'HU',
  'L',
  'LE',
  'LS',
  'M',
  'N',
  'NE',
  'NG',
  'NR',
  'OX',
  'PL',
  'S',
  'SE',
  'SO',
  'SR',
  'SW',
  'TS',
  'W',
  'YO',
] as const;

/** Letters allowed in the inward unit (Royal Mail). */
const UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/** A postcode such as `NE4 7QT`, drawn with `faker` (so deterministic under a seed). */
export function syntheticPostcode(faker: Faker): string {
  const area = faker.helpers.arrayElement(AREAS);
  const district = faker.number.int({ min: 1, max: 20 });
  const sector = faker.number.int({ min: 0, max: 9 });
  const unit = faker.string.fromCharacters(UNIT_LETTERS, 2);
  return `${area}${district} ${sector}${unit}`;
}

/** True when `s` has the shape of a UK postcode (outward, one space, inward). */
export function isPostcodeShaped(s: string): boolean {
  return /^[A-Z]{1,2}\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2}$/.test(s);
}
