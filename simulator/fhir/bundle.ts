/**
 * FHIR R4 searchset Bundles (http://hl7.org/fhir/R4/bundle.html, http://hl7.org/fhir/R4/search.html
 * 3.1.1.5 "Search result"): building the one a search answers with, and reading one received from
 * another server under bounds, with every problem reported as OperationOutcome issues.
 *
 * A searchset's `total` counts the matches only (R4 Bundle.total: "only when the bundle is a
 * search set", the number of matches); an OperationOutcome about the search travels as an entry
 * with `search.mode = outcome` (R4 search 3.1.1.5.1), never counted.
 */
import type {
  Bundle,
  BundleEntry,
  BundleLink,
  FhirResource,
  OperationOutcome,
  OperationOutcomeIssue,
} from 'fhir/r4.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../shared/json-depth.js';
import { issue } from './operation-outcome.js';
import { validateFhirResource } from './schema-validator.js';

/** One match of a search: its absolute URL (R4 Bundle.entry.fullUrl) and the resource. */
export interface SearchsetMatch {
  fullUrl: string;
  resource: FhirResource;
}

/** What a searchset Bundle is built from. */
export interface SearchsetOptions {
  /** The search as the server understood it (R4 search 3.1.1.5.3: the `self` link). */
  self: string;
  matches: readonly SearchsetMatch[];
  /** Warnings or errors about the search, an entry with `search.mode = outcome` (placed first). */
  outcome?: { fullUrl: string; resource: OperationOutcome };
  /** Bundle.id. */
  id?: string;
  /** Bundle.timestamp, a FHIR instant (when the Bundle was assembled). */
  timestamp?: string;
}

/** A searchset Bundle: `total` = the number of matches, a `self` link, the outcome (if any) first. */
export function searchsetBundle(o: SearchsetOptions): Bundle<FhirResource> {
  const entry: BundleEntry<FhirResource>[] = [];
  if (o.outcome)
    entry.push({ fullUrl: o.outcome.fullUrl, resource: o.outcome.resource, search: { mode: 'outcome' } });
  for (const m of o.matches)
    entry.push({ fullUrl: m.fullUrl, resource: m.resource, search: { mode: 'match' } });
  return {
    resourceType: 'Bundle',
    ...(o.id !== undefined ? { id: o.id } : {}),
    type: 'searchset',
    ...(o.timestamp !== undefined ? { timestamp: o.timestamp } : {}),
    total: o.matches.length,
    link: [{ relation: 'self', url: o.self }],
    ...(entry.length > 0 ? { entry } : {}),
  };
}

/** Bounds on a Bundle received from elsewhere. */
export interface BundleReadLimits {
  /** Largest body, bytes. */
  maxBytes: number;
  /** Most entries. */
  maxEntries: number;
  /** Deepest JSON nesting (shared/json-depth.ts). */
  maxDepth: number;
}

/**
 * Default bounds: 32 MiB, 5,000 entries (a DocumentReference is 2-4 KB, so a full answer is about
 * 20 MB), 64 levels (a DocumentReference nests about 7 deep).
 */
export const DEFAULT_BUNDLE_READ_LIMITS: Readonly<BundleReadLimits> = {
  maxBytes: 32 * 1024 * 1024,
  maxEntries: 5000,
  maxDepth: MAX_JSON_DEPTH,
};

/**
 * Why a received Bundle was refused, as OperationOutcome issues (severity `error`; codes
 * `too-long` for a bound, `structure` for JSON or the FHIR R4 schema, `invalid` for a wrong
 * resource or Bundle type, `too-costly` for too many entries). Each issue's `diagnostics` says
 * what to fix; `expression` names the element when there is one.
 */
export class FhirReadError extends Error {
  override readonly name = 'FhirReadError';
  constructor(readonly issues: OperationOutcomeIssue[]) {
    super(
      issues
        .map((i) => (i.expression ? `${i.expression.join(', ')}: ${i.diagnostics}` : i.diagnostics))
        .join('; '),
    );
  }
}

/** A searchset read: the Bundle, its matches, its outcomes and the next page's URL, if any. */
export interface ReadSearchset {
  bundle: Bundle<FhirResource>;
  /** Entries with `search.mode = match` (or no mode), in order. */
  matches: FhirResource[];
  /** OperationOutcome entries (`search.mode = outcome`, or an OperationOutcome with no mode). */
  outcomes: OperationOutcome[];
  /** The `next` link: the server paged its answer and this is not all of it. */
  next?: string;
}

/**
 * Read a searchset Bundle from a body received from another server (R4 JSON, RFC 8259, UTF-8):
 * bounded (bytes, then nesting, then entries), then validated against the FHIR R4 schema.
 * `include` entries are neither matches nor outcomes and are left out.
 * @throws FhirReadError with every problem found at the first stage that failed.
 */
export function readSearchsetBundle(
  body: string | Uint8Array,
  limits: Readonly<BundleReadLimits> = DEFAULT_BUNDLE_READ_LIMITS,
): ReadSearchset {
  const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  if (bytes > limits.maxBytes)
    fail('too-long', `the Bundle is ${bytes} bytes, more than the ${limits.maxBytes} accepted`);
  let text: string;
  try {
    text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return fail('structure', 'the body is not UTF-8 (FHIR JSON is UTF-8, RFC 8259 section 8.1)');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail('structure', `the body is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('structure', 'the body is not a JSON object (a FHIR resource)');
  const resourceType = (value as { resourceType?: unknown }).resourceType;
  if (resourceType !== 'Bundle')
    fail(
      'invalid',
      `the body is a ${typeof resourceType === 'string' ? resourceType : 'JSON object without resourceType'}, not a Bundle`,
      ['Bundle.resourceType'],
    );
  if (jsonDepth(value, limits.maxDepth) > limits.maxDepth)
    fail('too-long', `the Bundle nests deeper than ${limits.maxDepth} levels`);
  const entries = (value as { entry?: unknown }).entry;
  if (Array.isArray(entries) && entries.length > limits.maxEntries)
    fail(
      'too-costly',
      `the Bundle has ${entries.length} entries, more than the ${limits.maxEntries} accepted`,
      ['Bundle.entry'],
    );
  const type = (value as { type?: unknown }).type;
  if (type !== 'searchset')
    fail('invalid', `the Bundle's type is ${JSON.stringify(type)}, not "searchset" (a search answer)`, [
      'Bundle.type',
    ]);
  const verdict = validateFhirResource('Bundle', value);
  if (!verdict.ok)
    throw new FhirReadError(
      verdict.problems.map((p) =>
        issue({ severity: 'error', code: 'structure', diagnostics: p.message, expression: [p.expression] }),
      ),
    );
  const bundle = value as Bundle<FhirResource>;
  const out: ReadSearchset = { bundle, matches: [], outcomes: [] };
  const problems: OperationOutcomeIssue[] = [];
  (bundle.entry ?? []).forEach((e, k) => {
    const where = `Bundle.entry[${k}]`;
    const mode = e.search?.mode;
    if (!e.resource) {
      problems.push(
        issue({
          severity: 'error',
          code: 'required',
          diagnostics: 'a searchset entry has a resource (R4 bdl-5)',
          expression: [where],
        }),
      );
    } else if (mode === 'outcome' || (mode === undefined && e.resource.resourceType === 'OperationOutcome')) {
      if (e.resource.resourceType === 'OperationOutcome') out.outcomes.push(e.resource);
      else
        problems.push(
          issue({
            severity: 'error',
            code: 'invalid',
            diagnostics: `an entry with search.mode outcome is a ${e.resource.resourceType}, not an OperationOutcome`,
            expression: [`${where}.resource`],
          }),
        );
    } else if (mode === 'match' || mode === undefined) {
      out.matches.push(e.resource);
    }
  });
  if (problems.length > 0) throw new FhirReadError(problems);
  const next = bundle.link?.find((l: BundleLink) => l.relation === 'next')?.url;
  if (next !== undefined) out.next = next;
  return out;
}

function fail(
  code: 'too-long' | 'structure' | 'invalid' | 'too-costly',
  diagnostics: string,
  expression?: string[],
): never {
  throw new FhirReadError([
    issue({ severity: 'error', code, diagnostics, ...(expression ? { expression } : {}) }),
  ]);
}
