/**
 * A bound on the nesting of parsed JSON (RFC 8259 §9 lets a parser limit "the maximum depth of
 * nesting"). V8's JSON.parse reads any depth, but what runs on the value afterwards may recurse:
 * the FHIR schema validator of PARS overflowed the stack on an AuditEvent whose extensions nested
 * 1,000 deep, and JSON.stringify does on deeper values. Checking the depth first, without
 * recursion, keeps such values away from that code.
 */

/**
 * Deepest nesting accepted in a JSON request body (the top-level value is depth 1, each array or
 * object inside adds one). A FHIR AuditEvent is about 6 deep (entity.detail, agent.network,
 * extension.extension); control-API bodies are 4.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * How deep `value` nests, counting at most up to `limit + 1` (it stops looking once past
 * `limit`, so the cost is linear in the value whatever its depth). Scalars are depth 0, `[]` and
 * `{}` depth 1.
 */
export function jsonDepth(value: unknown, limit: number = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}
