/**
 * Synthetic patients: NHS numbers from the test range 999 000 0000 - 999 999 9999 with a valid
 * Modulus 11 check digit (NHS Data Dictionary), en_GB demographics from faker, and the communities
 * each patient is known to.
 */
import { Faker, base, en, en_GB } from '@faker-js/faker';
import { nhsCheckDigit } from '../xca/nhs-number.js';
import { DAY_MS, toIsoDate } from './dtm.js';
import type { Gender, SpreadCounts } from './pack-format.js';
import { syntheticPostcode } from './postcode.js';

/** A generated person before any study is attached. */
export interface SyntheticPatient {
  nhsNumber: string;
  givenName: string;
  familyName: string;
  /** Midnight UTC of the birth date, ms since the epoch. */
  birthMs: number;
  /** `YYYY-MM-DD`. */
  birthDate: string;
  gender: Gender;
  postcode: string;
  /** 0-based indices of the communities holding studies for this patient, ascending. */
  communities: number[];
}

/** Spread classes: known to every community, to exactly one, to several but not all, to none. */
type SpreadClass = 'all' | 'one' | 'some' | 'none';

/**
 * A faker instance for one purpose of one pack: en_GB first, then en and base as fallbacks.
 * `stream` separates purposes so, e.g., patients do not change when the community count does.
 */
export function seededFaker(seed: number, ...stream: number[]): Faker {
  const faker = new Faker({ locale: [en_GB, en, base] });
  faker.seed([seed, ...stream]);
  return faker;
}

/** A unique NHS number in the 999 test range with a valid check digit. */
function nextNhsNumber(faker: Faker, used: Set<string>): string {
  for (;;) {
    const first9 = String(faker.number.int({ min: 999_000_000, max: 999_999_999 }));
    const check = nhsCheckDigit(first9);
    if (check === undefined) continue;
    const nhs = `${first9}${check}`;
    if (used.has(nhs)) continue;
    used.add(nhs);
    return nhs;
  }
}

/** The first three patients cover the classes the documentation's examples need; the rest are drawn. */
function spreadClass(faker: Faker, index: number, communities: number): SpreadClass {
  const fixed: SpreadClass[] = ['all', 'one', 'none'];
  if (index < fixed.length) return fixed[index]!;
  const r = faker.number.float({ min: 0, max: 1 });
  if (r < 0.15) return 'none';
  if (r < 0.6) return 'one';
  // "some" needs a strict subset of at least two, so three communities or more.
  if (r < 0.8 || communities < 3) return 'all';
  return 'some';
}

/** The community indices for a class; `some` picks 2 .. n-1 communities. */
function communitiesFor(faker: Faker, cls: SpreadClass, n: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  switch (cls) {
    case 'all':
      return all;
    case 'none':
      return [];
    case 'one':
      return [faker.number.int({ min: 0, max: n - 1 })];
    case 'some': {
      const k = faker.number.int({ min: 2, max: n - 1 });
      return faker.helpers.arrayElements(all, k).sort((a, b) => a - b);
    }
  }
}

/**
 * `count` patients for a pack with `communities` communities.
 * @param seed the pack seed (faker streams [seed, 1] for demographics, [seed, 2] for spread).
 * @param referenceMs the pack's reference instant (ms since the epoch); ages are 1-95 years at it.
 * @returns patients in generation order; the first three (when present) are known to all
 *   communities, to exactly one, and to none.
 */
export function synthesisePatients(
  seed: number,
  count: number,
  communities: number,
  referenceMs: number,
): SyntheticPatient[] {
  const people = seededFaker(seed, 1);
  const spread = seededFaker(seed, 2);
  const used = new Set<string>();
  const patients: SyntheticPatient[] = [];
  for (let i = 0; i < count; i++) {
    const nhsNumber = nextNhsNumber(people, used);
    const gender = people.helpers.weightedArrayElement<Gender>([
      { weight: 49, value: 'male' },
      { weight: 49, value: 'female' },
      { weight: 2, value: 'other' },
    ]);
    const givenName = gender === 'other' ? people.person.firstName() : people.person.firstName(gender);
    const familyName = people.person.lastName();
    const born = people.date.birthdate({ mode: 'age', min: 1, max: 95, refDate: referenceMs }).getTime();
    const birthMs = Math.floor(born / DAY_MS) * DAY_MS;
    const postcode = syntheticPostcode(people);
    const cls = spreadClass(spread, i, communities);
    patients.push({
      nhsNumber,
      givenName,
      familyName,
      birthMs,
      birthDate: toIsoDate(birthMs),
      gender,
      postcode,
      communities: communitiesFor(spread, cls, communities),
    });
  }
  return patients;
}

/** Count patients per spread class from their community lists (with one community, "all" wins). */
export function countSpread(patients: readonly SyntheticPatient[], communities: number): SpreadCounts {
  const counts: SpreadCounts = {
    inAllCommunities: 0,
    inExactlyOneCommunity: 0,
    inSomeCommunities: 0,
    inNoCommunity: 0,
  };
  for (const p of patients) {
    const n = p.communities.length;
    if (n === 0) counts.inNoCommunity++;
    else if (n === communities) counts.inAllCommunities++;
    else if (n === 1) counts.inExactlyOneCommunity++;
    else counts.inSomeCommunities++;
  }
  return counts;
}
