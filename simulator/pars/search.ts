/**
 * FHIR search over the stored AuditEvents (FHIR R4 search, http://hl7.org/fhir/R4/search.html, with
 * the AuditEvent search parameters of http://hl7.org/fhir/R4/auditevent.html#search):
 * - `patient`: the patient entity's NHS number (`9995649284`, `https://fhir.nhs.uk/Id/nhs-number|…`
 *   or `Patient/…`), or the id as sent when it was not one; `patient:missing=true` the events that
 *   name no patient (FHIR R4 search 3.1.1.5.2 `:missing`), `false` those that name one;
 * - `date`: `recorded`, with the prefixes eq (default), ne, lt, le, gt, ge and the precision given
 *   (`2025`, `2025-03`, `2025-03-14`, or a full instant); repeat it for a range;
 * - `subtype`: a token, `[system|]code` (e.g. `urn:ihe:event-type-code|ITI-39` or `ITI-39`);
 * - `agent`: an agent's identifier value (`[system|]value`: user, organisation or calling system)
 *   or its reference;
 * - `_count`: page size (default 1000, at most 10000);
 * - `_offset`: how many matches to skip (default 0), the page the Bundle's `first`, `previous`,
 *   `next` and `last` links point at (FHIR R4 search 3.1.1.5.6 paging; Bundle.link).
 * Comma-separated values are ORs, repeated parameters ANDs. Unknown parameters are errors
 * (as with `Prefer: handling=strict`), listed with every other problem.
 */
import type { AuditEvent, Reference } from 'fhir/r4.js';

/** A parsed search: a predicate, the page size and the matches skipped. */
interface AuditEventSearch {
  matches(e: AuditEvent): boolean;
  count: number;
  offset: number;
}

const PATIENT_ROLE = '1';
const NHS_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const PREFIXES = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
type Prefix = (typeof PREFIXES)[number];

/** Parse query parameters (each name -> its values, in order); every problem is listed. */
export function parseAuditEventSearch(
  params: ReadonlyArray<[string, string]>,
): { ok: true; search: AuditEventSearch } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const tests: ((e: AuditEvent) => boolean)[] = [];
  let count = 1000;
  let offset = 0;
  for (const [name, value] of params) {
    const values = value.split(',').map((v) => v.trim());
    switch (name) {
      case 'patient':
        tests.push((e) => values.some((v) => hasPatient(e, v)));
        break;
      case 'patient:missing':
        if (value !== 'true' && value !== 'false') problems.push(`patient:missing=${value}: true or false`);
        else
          tests.push(
            (e) => !(e.entity ?? []).some((x) => x.role?.code === PATIENT_ROLE) === (value === 'true'),
          );
        break;
      case 'subtype':
        tests.push((e) =>
          values.some((v) => (e.subtype ?? []).some((c) => tokenMatches(v, c.system, c.code))),
        );
        break;
      case 'agent':
        tests.push((e) => values.some((v) => e.agent.some((a) => agentMatches(v, a.who))));
        break;
      case 'date': {
        const t = dateTest(value);
        if (typeof t === 'string') problems.push(`date=${value}: ${t}`);
        else tests.push(t);
        break;
      }
      case '_count': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 10_000)
          problems.push(`_count=${value}: a whole number from 1 to 10000`);
        else count = n;
        break;
      }
      case '_offset': {
        const n = Number(value);
        if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
          problems.push(`_offset=${value}: a whole number, 0 or more`);
        else offset = n;
        break;
      }
      default:
        problems.push(
          `${name}: not a supported search parameter (patient, patient:missing, date, subtype, agent, _count, _offset)`,
        );
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, search: { matches: (e) => tests.every((t) => t(e)), count, offset } };
}

function hasPatient(e: AuditEvent, v: string): boolean {
  const want = v.startsWith('Patient/') ? v.slice('Patient/'.length) : v;
  return (e.entity ?? []).some((x) => {
    if (x.role?.code !== PATIENT_ROLE) return false;
    if (x.what?.reference === `Patient/${want}`) return true;
    const id = x.what?.identifier;
    return id !== undefined && tokenMatches(want, id.system ?? NHS_SYSTEM, id.value);
  });
}

function agentMatches(v: string, who: Reference | undefined): boolean {
  if (!who) return false;
  if (who.reference === v) return true;
  return who.identifier !== undefined && tokenMatches(v, who.identifier.system, who.identifier.value);
}

/** FHIR token: `code`, `system|code`, `|code` (no system) or `system|` (any code). */
function tokenMatches(token: string, system: string | undefined, code: string | undefined): boolean {
  const bar = token.indexOf('|');
  if (bar < 0) return code === token;
  const s = token.slice(0, bar);
  const c = token.slice(bar + 1);
  if (s === '' ? system !== undefined : system !== s) return false;
  return c === '' || code === c;
}

/** A `date` test on `recorded`, or why the value is wrong. */
function dateTest(raw: string): ((e: AuditEvent) => boolean) | string {
  const prefix = PREFIXES.find((p) => raw.startsWith(p)) ?? 'eq';
  const value = PREFIXES.some((p) => raw.startsWith(p)) ? raw.slice(2) : raw;
  const range = dateRange(value);
  if (!range) return 'expected [eq|ne|lt|le|gt|ge]YYYY[-MM[-DD[Thh:mm[:ss[.sss]]Z|±hh:mm]]]';
  return (e) => inRange(Date.parse(e.recorded), prefix, range);
}

function inRange(t: number, p: Prefix, [start, end]: [number, number]): boolean {
  switch (p) {
    case 'eq':
      return t >= start && t < end;
    case 'ne':
      return t < start || t >= end;
    case 'lt':
      return t < start;
    case 'le':
      return t < end;
    case 'gt':
      return t >= end;
    case 'ge':
      return t >= start;
  }
}

/** [start, end) in epoch ms of a FHIR date or dateTime at its own precision (dates in UTC). */
function dateRange(v: string): [number, number] | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(v);
  if (m) {
    const y = Number(m[1]);
    if (m[2] === undefined) return [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)];
    const mo = Number(m[2]) - 1;
    if (mo < 0 || mo > 11) return undefined;
    if (m[3] === undefined) return [Date.UTC(y, mo, 1), Date.UTC(y, mo + 1, 1)];
    const d = Number(m[3]);
    if (d < 1 || d > 31) return undefined;
    return [Date.UTC(y, mo, d), Date.UTC(y, mo, d + 1)];
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  const precisionMs = /:\d{2}:\d{2}\.\d+/.test(v) ? 1 : /T\d{2}:\d{2}:\d{2}/.test(v) ? 1000 : 60_000;
  return [t, t + precisionMs];
}
