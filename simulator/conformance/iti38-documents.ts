/**
 * Whether an ITI-38 answer holds exactly the expected documents: every expected DocumentEntry
 * present, nothing foreign (another document, another patient's, another kind of object), under
 * status Success (ITI TF-2 3.38.4.1.3; NIR onboarding UAT-01: "full history, no errors").
 */
import { ResponseStatus } from '../xca/constants.js';
import type { RegistryObjectXml } from '../xca/types.js';
import { errorsText, listSome, shortUrn, type QueryOutcome } from './iti38-exchange.js';
import type { TestDocument } from './test-data.js';

/** How returned objects are matched to the expected documents. */
export interface ExpectedSet {
  /** ExtrinsicObject (LeafClass) or ObjectRef. */
  kind: 'ExtrinsicObject' | 'ObjectRef';
  /** Matched on the uniqueId ExternalIdentifier, or on the object's `@id` (the entryUUID). */
  by: 'uniqueId' | 'entryUUID';
  documents: readonly TestDocument[];
  /** The patient every entry must belong to (its patientId CX), for LeafClass answers. */
  patientCx?: string;
}

/**
 * `undefined` when `out` is a Success holding exactly `want`; else one sentence saying what
 * differs (the answer's problem, its status and errors, the missing ids, the foreign objects).
 */
export function documentSetProblem(out: QueryOutcome, want: ExpectedSet): string | undefined {
  if (!out.ok) return out.problem;
  const r = out.response;
  if (r.status !== ResponseStatus.Success)
    return `status ${shortUrn(r.status)} with ${errorsText(r.errors)} (expected Success with every document)`;
  const key = (d: TestDocument) => (want.by === 'uniqueId' ? d.uniqueId : d.entryUuid);
  const expected = new Set(want.documents.map(key));
  const seen = new Set<string>();
  const foreign: string[] = [];
  for (const o of r.objects) {
    const id = idOf(o, want.by);
    if (o.kind !== want.kind) foreign.push(`a rim:${o.kind} ${o.id}`);
    else if (!expected.has(id)) foreign.push(id);
    else if (want.patientCx !== undefined && o.entryIds?.patientId !== want.patientCx)
      foreign.push(`${id} (patientId ${o.entryIds?.patientId ?? 'missing'})`);
    else seen.add(id);
  }
  const missing = [...expected].filter((id) => !seen.has(id));
  const parts: string[] = [];
  if (missing.length > 0)
    parts.push(`${missing.length} of ${expected.size} expected ${want.by}s missing: ${listSome(missing)}`);
  if (foreign.length > 0) parts.push(`${foreign.length} unexpected: ${listSome(foreign)}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function idOf(o: RegistryObjectXml, by: ExpectedSet['by']): string {
  return by === 'uniqueId' && o.kind === 'ExtrinsicObject' ? (o.entryIds?.uniqueId ?? o.id) : o.id;
}
