/**
 * Completing the problems of a refused `POST /faults` so that every problem of every fault is
 * listed at once (docs/faults.md "The control API"): the fault schema is a union discriminated on `kind`, so
 * when the kind is unknown it stops there and never looks at `probability`, `patient`, `times`...
 * Here the common envelope is checked as well, and the kind problem names the value given and
 * the catalogue.
 */
import { FAULT_KINDS, parseFaultSpec } from '../faults/fault-spec.js';

/** The kind problem of a fault whose `kind` is not in the catalogue, or undefined when it is. */
function unknownKind(item: Record<string, unknown>): string | undefined {
  const kind = item['kind'];
  if (typeof kind === 'string' && (FAULT_KINDS as readonly string[]).includes(kind)) return undefined;
  const given = kind === undefined ? 'missing' : `unknown kind ${JSON.stringify(kind)}`;
  return `kind: ${given}; expected one of ${FAULT_KINDS.join(', ')}`;
}

/**
 * Every problem of a refused batch: `problems` as the FaultStore reported them (prefixed
 * `faults[i].` when there are several items), with, for each item of an unknown kind, a clearer
 * kind problem and the problems of its envelope fields. Ordered by item.
 */
export function completeFaultProblems(items: readonly unknown[], problems: readonly string[]): string[] {
  if (items.length === 0) return [...problems];
  const out: string[] = [];
  items.forEach((item, i) => {
    const at = items.length > 1 ? `faults[${i}].` : '';
    const own = problems.filter((p) => at === '' || p.startsWith(at));
    const isObject = typeof item === 'object' && item !== null && !Array.isArray(item);
    const kindProblem = isObject ? unknownKind(item as Record<string, unknown>) : undefined;
    if (kindProblem === undefined) {
      out.push(...own);
      return;
    }
    out.push(at + kindProblem);
    out.push(...own.filter((p) => !p.startsWith(`${at}kind:`)));
    const envelope = parseFaultSpec({ ...(item as Record<string, unknown>), kind: 'timeout' });
    if (!envelope.ok) {
      for (const p of envelope.problems.map((q) => at + q)) if (!out.includes(p)) out.push(p);
    }
  });
  return out;
}
