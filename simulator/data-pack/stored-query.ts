/**
 * Stored-query evaluation over a community's DocumentEntries (ITI TF-2 3.18.4.1.2.3.7, the stored
 * query definitions): FindDocuments (3.18.4.1.2.3.7.1), FindDocumentsByReferenceId and
 * GetDocuments. Input is the typed query of xca/stored-query-model.ts; parameter syntax errors
 * were already handled by the parser.
 */
import { DocumentEntryType } from '../xca/constants.js';
import type { Coded, DocumentEntry } from '../xca/document-entry-model.js';
import type { CodeFilter, FindDocumentsFilters, StoredQuery, TimeRange } from '../xca/stored-query-model.js';

/**
 * Coded filter, AND of ORs (ITI TF-2 3.18.4.1.2.3.7.1, coded parameters): every inner list (one
 * Slot) must contain a value equal, on code and codingScheme, to one of the entry's codes. An empty
 * inner list matches nothing. Works for single-valued attributes (pass one code) and lists
 * (eventCodeList).
 */
export function matchesCodeFilter(codes: readonly Coded[], filter: CodeFilter): boolean {
  return filter.every((slot) =>
    slot.some((v) => codes.some((c) => c.code === v.code && c.codingScheme === v.codingScheme)),
  );
}

/**
 * DTM range test. Both sides are DTM prefixes `YYYY[MM[DD[hh[mm[ss]]]]]`; they are compared after
 * truncating to their common precision (ITI TF-2 3.18.4.1.2.3.6.1 time comparisons), From
 * inclusive and To exclusive. An entry without the attribute never matches a range that has a
 * bound; a range with neither bound matches everything.
 * @example inTimeRange('20240315120000', { from: '2024', to: '202404' }) === true
 */
export function inTimeRange(value: string | undefined, range: TimeRange): boolean {
  if (range.from === undefined && range.to === undefined) return true;
  if (value === undefined || value === '') return false;
  if (range.from !== undefined && compareDtm(value, range.from) < 0) return false;
  if (range.to !== undefined && compareDtm(value, range.to) >= 0) return false;
  return true;
}

/** Compare two DTM values at their common precision: negative, zero or positive. */
export function compareDtm(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  const x = a.slice(0, n);
  const y = b.slice(0, n);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * SQL-style LIKE as XDS uses it for authorPerson (ITI TF-2 3.18.4.1.2.3.7.1): `%` matches any run
 * of characters, `_` exactly one; everything else literally. Case-sensitive, whole-value match.
 */
export function likeMatches(value: string, pattern: string): boolean {
  let re = '^';
  for (const ch of pattern) {
    if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 'u').test(value);
}

/** Coded filters of FindDocuments, with how to read each attribute as a list of codes. */
const CODED: ReadonlyArray<[keyof FindDocumentsFilters, (e: DocumentEntry) => readonly Coded[]]> = [
  ['classCode', (e) => [e.classCode]],
  ['typeCode', (e) => [e.typeCode]],
  ['practiceSettingCode', (e) => [e.practiceSettingCode]],
  ['healthcareFacilityTypeCode', (e) => [e.healthcareFacilityTypeCode]],
  ['formatCode', (e) => [e.formatCode]],
  ['eventCodeList', (e) => e.eventCodeList],
  ['confidentialityCode', (e) => e.confidentialityCode],
];

/**
 * True when `entry` satisfies every FindDocuments filter (ITI TF-2 3.18.4.1.2.3.7.1): patientId
 * equal to the CX, availabilityStatus among `status`, each coded filter, the three time ranges,
 * authorPerson LIKE any pattern (any author), objectType among the given ones (Stable only when
 * absent, ITI TF-2 3.18.4.1.2.3.6.2).
 */
function matchesFindDocuments(entry: DocumentEntry, f: FindDocumentsFilters): boolean {
  if (entry.patientId !== f.patientId) return false;
  if (!f.status.includes(entry.availabilityStatus)) return false;
  const objectTypes = f.objectType ?? [DocumentEntryType.Stable];
  if (!objectTypes.includes(entry.objectType)) return false;
  for (const [key, codesOf] of CODED) {
    const filter = f[key] as CodeFilter | undefined;
    if (filter && !matchesCodeFilter(codesOf(entry), filter)) return false;
  }
  if (f.creationTime && !inTimeRange(entry.creationTime, f.creationTime)) return false;
  if (f.serviceStartTime && !inTimeRange(entry.serviceStartTime, f.serviceStartTime)) return false;
  if (f.serviceStopTime && !inTimeRange(entry.serviceStopTime, f.serviceStopTime)) return false;
  if (f.authorPerson) {
    const people = entry.author.flatMap((a) => (a.authorPerson === undefined ? [] : [a.authorPerson]));
    if (!f.authorPerson.some((p) => people.some((person) => likeMatches(person, p)))) return false;
  }
  return true;
}

/**
 * Evaluate a stored query against one community's entries.
 * - FindDocuments: entries matching {@link matchesFindDocuments}.
 * - FindDocumentsByReferenceId: the same, and at least one referenceIdList value equal to one of
 *   `query.referenceIdList` (OR).
 * - GetDocuments: entries whose entryUUID (or uniqueId) is in `ids`; status and objectType are not
 *   filtered.
 * - NoDocumentEntries (SubmissionSet / Folder / Association queries): none, since packs hold only
 *   DocumentEntries.
 * @returns matching entries in the order of `entries` (never a copy of an entry).
 */
export function evaluateStoredQuery(query: StoredQuery, entries: readonly DocumentEntry[]): DocumentEntry[] {
  switch (query.name) {
    case 'FindDocuments':
      return entries.filter((e) => matchesFindDocuments(e, query));
    case 'FindDocumentsByReferenceId': {
      const wanted = new Set(query.referenceIdList);
      return entries.filter(
        (e) => matchesFindDocuments(e, query) && e.referenceIdList.some((r) => wanted.has(r)),
      );
    }
    case 'GetDocuments': {
      const ids = new Set(query.ids);
      return entries.filter((e) => ids.has(query.by === 'entryUUID' ? e.entryUUID : e.uniqueId));
    }
    case 'NoDocumentEntries':
      return [];
  }
}

/**
 * True when any entry belongs to the patient with this CX (exact patientId match), i.e. the
 * community "knows" the patient and must not answer XDSUnknownPatientId.
 */
export function knowsPatient(entries: readonly DocumentEntry[], patientCx: string): boolean {
  return entries.some((e) => e.patientId === patientCx);
}
