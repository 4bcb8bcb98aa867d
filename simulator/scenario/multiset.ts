/**
 * Comparing an expected list with a returned one as multisets: each expected entry stands for
 * `count` returned items; a maximum bipartite matching (augmenting paths) pairs them, so a loose
 * entry never steals the item a stricter one needs. Used for RegistryErrorLists (ITI TF-3 4.2.4.1)
 * and OperationOutcome issues (FHIR R4), both unordered.
 */

/** The expected entries left unmatched (each as often as it is missing) and the returned items left over. */
export interface MultisetDifference<W, A> {
  missing: { entry: W; times: number }[];
  unexpected: A[];
}

/** Match `wanted` (each `count(w)` times) against `actual` with `matches`. */
export function multisetDifference<W, A>(
  wanted: readonly W[],
  actual: readonly A[],
  count: (w: W) => number,
  matches: (w: W, a: A) => boolean,
): MultisetDifference<W, A> {
  const expected = wanted.flatMap((e) => Array.from({ length: count(e) }, () => e));
  const owner: (number | undefined)[] = actual.map(() => undefined);
  const tryAssign = (w: number, seen: Set<number>): boolean => {
    for (let a = 0; a < actual.length; a++) {
      if (seen.has(a) || !matches(expected[w]!, actual[a]!)) continue;
      seen.add(a);
      const prev = owner[a];
      if (prev === undefined || tryAssign(prev, seen)) {
        owner[a] = w;
        return true;
      }
    }
    return false;
  };
  const missing = new Map<W, number>();
  for (const [w, e] of expected.entries()) {
    if (!tryAssign(w, new Set())) missing.set(e, (missing.get(e) ?? 0) + 1);
  }
  return {
    missing: [...missing].map(([entry, times]) => ({ entry, times })),
    unexpected: actual.filter((_, a) => owner[a] === undefined),
  };
}
