/**
 * Reusing the broker's forwarded assertion: one signature per claims while the reuse window lasts
 * (every caller gets the same promise), a new one after it, for other claims, for a clock that
 * went back, after a failed signature, and always with a window of 0; the cache stays bounded.
 */
import { describe, expect, it } from 'vitest';
import type { AssertionInput } from '../security/xua-issue.js';
import { ForwardedAssertions } from './forwarded-assertions.js';

const T0 = Date.parse('2026-12-03T08:00:00Z');

function input(atMs: number, over: Partial<AssertionInput> = {}): AssertionInput {
  return {
    issuer: 'urn:nir-sim:nir-broker',
    subjectId: 'Dr Alex Example',
    organization: 'Org',
    organizationId: 'urn:oid:1.2',
    homeCommunityId: 'urn:oid:1.2.3',
    role: { code: '158965000', codeSystem: '2.16.840.1.113883.6.96' },
    purposeOfUse: { code: 'TREATMENT' },
    resourceId: '9995649284^^^&2.16.840.1.113883.2.1.4.1&ISO',
    audiences: ['urn:oid:1.1', 'urn:oid:1.2'],
    now: new Date(atMs),
    ...over,
  };
}

/** A signer that answers `signed-N` for its N-th call, and counts them. */
function counter(): { sign: (a: AssertionInput) => Promise<string>; calls: () => number } {
  let n = 0;
  return { sign: () => Promise.resolve(`signed-${++n}`), calls: () => n };
}

describe('ForwardedAssertions', () => {
  it('reuses one signature for the same claims within the window, signs again at its end', async () => {
    const c = counter();
    const cache = new ForwardedAssertions(150_000);
    const first = cache.get(input(T0), c.sign);
    expect(cache.get(input(T0 + 1), c.sign)).toBe(first);
    expect(cache.get(input(T0 + 149_999), c.sign)).toBe(first);
    expect(await first).toBe('signed-1');
    expect(await cache.get(input(T0 + 150_000), c.sign)).toBe('signed-2');
    expect(await cache.get(input(T0 + 150_001), c.sign)).toBe('signed-2');
    expect([c.calls(), cache.stats()]).toEqual([2, { entries: 1, reused: 3, signed: 2 }]);
  });

  it('signs anew for any other claim: patient, user, role, purpose, audiences, issuer', async () => {
    const c = counter();
    const cache = new ForwardedAssertions(150_000);
    await cache.get(input(T0), c.sign);
    const withoutPatient = input(T0 + 1);
    delete withoutPatient.resourceId;
    const others: AssertionInput[] = [
      withoutPatient,
      ...[
        { resourceId: '9995527421^^^&2.16.840.1.113883.2.1.4.1&ISO' },
        { subjectId: 'Dr Other' },
        { nameId: 'other' },
        { organizationId: 'urn:oid:9' },
        { role: { code: '309343006', codeSystem: '2.16.840.1.113883.6.96' } },
        { purposeOfUse: { code: 'EMERGENCY' } },
        { purposeOfUse: { code: 'TREATMENT', displayName: 'Treatment' } },
        { audiences: ['urn:oid:1.1'] },
        { issuer: 'urn:other' },
      ].map((o) => input(T0 + 1, o)),
    ];
    for (const o of others) await cache.get(o, c.sign);
    expect(c.calls()).toBe(1 + others.length);
    expect(await cache.get(input(T0 + 2), c.sign)).toBe('signed-1');
  });

  it('signs anew when the clock reads before the remembered IssueInstant (its NotBefore is not yet)', async () => {
    const c = counter();
    const cache = new ForwardedAssertions(150_000);
    await cache.get(input(T0), c.sign);
    expect(await cache.get(input(T0 - 1), c.sign)).toBe('signed-2');
  });

  it('forgets a signature that failed: every waiting caller sees the rejection, the next call signs again', async () => {
    let n = 0;
    const sign = (): Promise<string> =>
      ++n === 1 ? Promise.reject(new Error('bad key')) : Promise.resolve('ok');
    const cache = new ForwardedAssertions(150_000);
    const a = cache.get(input(T0), sign);
    const b = cache.get(input(T0 + 1), sign);
    await expect(a).rejects.toThrow(new Error('bad key'));
    await expect(b).rejects.toThrow(new Error('bad key'));
    expect(await cache.get(input(T0 + 2), sign)).toBe('ok');
    expect(n).toBe(2);
  });

  it('a window of 0 signs once per call and remembers nothing', async () => {
    const c = counter();
    const cache = new ForwardedAssertions(0);
    expect([await cache.get(input(T0), c.sign), await cache.get(input(T0), c.sign)]).toEqual([
      'signed-1',
      'signed-2',
    ]);
    expect(cache.stats()).toEqual({ entries: 0, reused: 0, signed: 2 });
  });

  it('stays within maxEntries, dropping the least recently used', async () => {
    const c = counter();
    const cache = new ForwardedAssertions(150_000, 2);
    const patient = (p: string): Partial<AssertionInput> => ({ resourceId: p });
    await cache.get(input(T0, patient('a')), c.sign); // signed-1
    await cache.get(input(T0, patient('b')), c.sign); // signed-2
    await cache.get(input(T0, patient('a')), c.sign); // reused: b is now the least recently used
    await cache.get(input(T0, patient('c')), c.sign); // signed-3, drops b
    expect(cache.stats().entries).toBe(2);
    expect(await cache.get(input(T0, patient('a')), c.sign)).toBe('signed-1');
    expect(await cache.get(input(T0, patient('b')), c.sign)).toBe('signed-4');
  });

  it('refuses a negative or non-finite window and a bound below 1', () => {
    expect(() => new ForwardedAssertions(-1)).toThrow(new RangeError('reuseMs must be a number >= 0'));
    expect(() => new ForwardedAssertions(Number.NaN)).toThrow(RangeError);
    expect(() => new ForwardedAssertions(1, 0)).toThrow(new RangeError('maxEntries must be an integer >= 1'));
  });
});
