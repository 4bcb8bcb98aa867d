/** Choosing a query's patient by role, and picking documents of an earlier step. */
import { describe, expect, it } from 'vitest';
import type { EnvironmentCommunity, EnvironmentPatient } from './environment.js';
import { choosePatient, INVALID_NHS_NUMBER } from './patients.js';
import { pickDocuments, type FoundDocument } from './picks.js';
import { isValidNhsNumber } from '../xca/nhs-number.js';

const A = 'urn:oid:1.2.1';
const B = 'urn:oid:1.2.2';
const communities: EnvironmentCommunity[] = [
  { name: 'a', homeCommunityId: A },
  { name: 'b', homeCommunityId: B },
];
const patients: EnvironmentPatient[] = [
  { nhsNumber: '9990000018', homeCommunityIds: [B] },
  { nhsNumber: '9990000026', homeCommunityIds: [A, B, 'urn:oid:1.2.3'] },
  { nhsNumber: '9990000034', homeCommunityIds: ['urn:oid:1.2.3'] },
  { nhsNumber: '9990000042', homeCommunityIds: [A] },
];
const cx = (nhs: string): string => `${nhs}^^^&2.16.840.1.113883.2.1.4.1&ISO`;

describe('choosePatient', () => {
  it('takes the first patient of the pack that fits the role, against the topology', () => {
    expect(choosePatient('known-to-all', patients, communities)).toEqual({
      patientId: cx('9990000026'),
      nhsNumber: '9990000026',
      label: '9990000026 (known-to-all)',
    });
    expect(choosePatient('known-to-one', patients, communities)).toEqual({
      patientId: cx('9990000018'),
      nhsNumber: '9990000018',
      label: '9990000018 (known-to-one)',
    });
    expect(choosePatient({ role: 'known-to-one', community: 'a' }, patients, communities)).toEqual({
      patientId: cx('9990000042'),
      nhsNumber: '9990000042',
      label: '9990000042 (known-to-one a)',
    });
    // known only to a community outside the topology counts as known to none of it
    expect(choosePatient('known-to-none', patients, communities)).toEqual({
      patientId: cx('9990000034'),
      nhsNumber: '9990000034',
      label: '9990000034 (known-to-none)',
    });
  });

  it('sends invalid and explicit ids as given', () => {
    expect(isValidNhsNumber(INVALID_NHS_NUMBER)).toBe(false);
    expect(choosePatient('invalid-nhs-number', patients, communities)).toEqual({
      patientId: cx(INVALID_NHS_NUMBER),
      nhsNumber: INVALID_NHS_NUMBER,
      label: `${INVALID_NHS_NUMBER} (invalid-nhs-number)`,
    });
    expect(choosePatient({ nhsNumber: '9990000018' }, [], [])).toEqual({
      patientId: cx('9990000018'),
      nhsNumber: '9990000018',
      label: '9990000018',
    });
    expect(choosePatient({ patientId: 'x^^^&1.2&ISO' }, [], [])).toEqual({
      patientId: 'x^^^&1.2&ISO',
      label: "patient id 'x^^^&1.2&ISO'",
    });
  });

  it('says when no patient fits', () => {
    expect(choosePatient('known-to-all', patients.slice(0, 1), communities)).toEqual({
      problem: "no patient in the data pack is known-to-all of the topology's communities",
    });
  });
});

describe('pickDocuments', () => {
  const doc = (home: string, n: number): FoundDocument => ({
    home,
    uniqueId: `1.4.${n}`,
    repositoryUniqueId: '1.3',
  });
  const docs = [doc(A, 1), doc(A, 2), doc(B, 3), doc(A, 4), doc(B, 5)];

  it('picks all, the first, the first per community, or n of one community', () => {
    expect(pickDocuments(docs, 'all', communities)).toEqual({ ok: true, documents: docs });
    expect(pickDocuments(docs, 'first', communities)).toEqual({ ok: true, documents: [doc(A, 1)] });
    expect(pickDocuments(docs, 'first-per-community', communities)).toEqual({
      ok: true,
      documents: [doc(A, 1), doc(B, 3)],
    });
    expect(pickDocuments(docs, { community: 'b', count: 2 }, communities)).toEqual({
      ok: true,
      documents: [doc(B, 3), doc(B, 5)],
    });
  });

  it('says why a pick cannot be made', () => {
    expect(pickDocuments([], 'all', communities)).toEqual({
      ok: false,
      problem: 'the step it picks from found no documents',
    });
    expect(pickDocuments(docs, { community: 'b', count: 3 }, communities)).toEqual({
      ok: false,
      problem: 'pick wants 3 document(s) of b, the step found 2',
    });
  });
});
