/**
 * XDS stored query -> ITI-67 search, for the broker's legs to MHD-speaking communities (IHE MHD
 * 1:33.6.2 read the other way; ITI TF-2 3.18.4.1.2.3.7 -> ITI TF-2 3.67.4.1.2.1). The inverse of
 * `find-document-references.ts` for every query that parser produces, so a search that goes
 * ITI-67 -> ITI-38 -> ITI-67 asks the same thing. What ITI-67 cannot say is a problem, never
 * silently dropped, except where noted:
 *
 * - returnType ObjectRef: ITI-67 always returns whole DocumentReferences; the same search is
 *   sent and the caller keeps only the ids (no problem).
 * - $XDSDocumentEntryType: ITI-67 has no objectType; an On-Demand type is dropped with a
 *   warning (MHD communities hold stable documents).
 * - GetDocuments: a search by `identifier` (uniqueId -> `urn:ietf:rfc:3986|urn:oid:<id>`,
 *   entryUUID -> `urn:ietf:rfc:3986|urn:uuid:...`), with `status=current,superseded` (GetDocuments
 *   ignores status) and the patient, which ITI-67 requires and GetDocuments does not carry: the
 *   caller passes it (`options.patientId`), else the problem is `required`.
 * - SubmissionSet / Folder queries (NoDocumentEntries): ITI-66 territory, `not-supported`.
 */
import { EntryStatus, ReferenceIdType } from '../xca/constants.js';
import { nhsNumberFromPatientId, parseCx } from '../xca/patient-id.js';
import type { CodeFilter, FindDocumentsFilters, StoredQuery, TimeRange } from '../xca/stored-query-model.js';
import { DocumentEntryType } from '../xca/constants.js';
import {
  DICOM_UID_SYSTEM,
  NHS_NUMBER_SYSTEM,
  URI_IDENTIFIER_SYSTEM,
  type IssueType,
  type SearchProblem,
} from './search-parameters.js';
import {
  compareDtmBound,
  escapeValue,
  fhirDateFromDtm,
  parseDateValue,
  systemFromCodingScheme,
  tokenText,
} from './search-parameters-values.js';

/** The ITI-67 search of a stored query: the query string (no `?`) and warnings; or why not. */
export type SearchFromStoredQueryResult =
  { ok: true; search: string; warnings: SearchProblem[] } | { ok: false; problems: SearchProblem[] };

/** What the stored query does not carry. */
export interface SearchFromStoredQueryOptions {
  /** The patient CX, for GetDocuments (ITI-67 requires a patient). */
  patientId?: string;
}

const CODE_PARAMS: ReadonlyArray<[keyof FindDocumentsFilters, string]> = [
  ['classCode', 'category'],
  ['typeCode', 'type'],
  ['practiceSettingCode', 'setting'],
  ['healthcareFacilityTypeCode', 'facility'],
  ['eventCodeList', 'event'],
  ['confidentialityCode', 'security-label'],
  ['formatCode', 'format'],
];

const STATUS_CODE: Readonly<Record<string, string>> = {
  [EntryStatus.Approved]: 'current',
  [EntryStatus.Deprecated]: 'superseded',
};

/**
 * The ITI-67 query string for `query` (pairs in the order of `find-document-references.ts`'s
 * table; values FHIR-escaped, then form-encoded by URLSearchParams).
 */
export function searchFromStoredQuery(
  query: StoredQuery,
  options: SearchFromStoredQueryOptions = {},
): SearchFromStoredQueryResult {
  const out = new URLSearchParams();
  const problems: SearchProblem[] = [];
  const fail = (xds: string, code: IssueType, diagnostics: string): void => {
    problems.push({ severity: 'error', code, diagnostics, expression: [xds] });
  };
  if (query.name === 'NoDocumentEntries') {
    fail(
      query.queryId,
      'not-supported',
      `stored query ${query.queryId} is about SubmissionSets or Folders; ITI-67 finds DocumentReferences only`,
    );
    return { ok: false, problems };
  }
  if (query.name === 'GetDocuments') {
    if (options.patientId === undefined) {
      fail(
        '$XDSDocumentEntryPatientId',
        'required',
        'GetDocuments carries no patient, and ITI-67 requires one: pass options.patientId',
      );
    } else addPatient(out, options.patientId);
    out.append('status', 'current,superseded');
    const ids = query.ids.map((id) =>
      tokenText(
        URI_IDENTIFIER_SYSTEM,
        query.by === 'entryUUID' || id.startsWith('urn:') ? id : `urn:oid:${id}`,
      ),
    );
    out.append('identifier', ids.join(','));
    return problems.length > 0 ? { ok: false, problems } : { ok: true, search: out.toString(), warnings: [] };
  }
  const warnings: SearchProblem[] = [];
  addPatient(out, query.patientId);
  const status: string[] = [];
  for (const urn of query.status) {
    const code = STATUS_CODE[urn];
    if (code === undefined)
      fail(
        '$XDSDocumentEntryStatus',
        'not-supported',
        `status ${urn} has no DocumentReference.status (current = Approved, superseded = Deprecated)`,
      );
    else status.push(code);
  }
  out.append('status', status.join(','));
  for (const [key, name] of CODE_PARAMS) addCodes(out, name, query[key] as CodeFilter | undefined);
  addCreation(out, query.creationTime);
  addPeriod(out, query.serviceStartTime, query.serviceStopTime, fail);
  if (query.authorPerson !== undefined) addAuthor(out, query.authorPerson, fail);
  if (query.name === 'FindDocumentsByReferenceId') addRelated(out, query.referenceIdList, fail);
  if (query.objectType !== undefined && query.objectType.some((t) => t !== DocumentEntryType.Stable)) {
    warnings.push({
      severity: 'warning',
      code: 'not-supported',
      diagnostics: '$XDSDocumentEntryType: ITI-67 has no objectType; On-Demand entries are not asked for',
      expression: ['$XDSDocumentEntryType'],
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, search: out.toString(), warnings };
}

/** The NHS number as `patient.identifier`; another CX as `urn:oid:<authority>|<id>`. */
function addPatient(out: URLSearchParams, cx: string): void {
  const nhs = nhsNumberFromPatientId(cx);
  if (nhs.ok) {
    out.append('patient.identifier', tokenText(NHS_NUMBER_SYSTEM, nhs.nhsNumber));
    return;
  }
  const parsed = parseCx(cx);
  const system = parsed?.assigningAuthorityOid === undefined ? '' : `urn:oid:${parsed.assigningAuthorityOid}`;
  out.append('patient.identifier', tokenText(system, parsed?.id ?? cx));
}

function addCodes(out: URLSearchParams, name: string, filter: CodeFilter | undefined): void {
  for (const or of filter ?? []) {
    out.append(name, or.map((c) => tokenText(systemFromCodingScheme(c.codingScheme), c.code)).join(','));
  }
}

function addCreation(out: URLSearchParams, r: TimeRange | undefined): void {
  if (r?.from !== undefined) out.append('creation', `ge${fhirDateFromDtm(r.from)}`);
  if (r?.to !== undefined) out.append('creation', `lt${fhirDateFromDtm(r.to)}`);
}

/**
 * Service times -> `period` (overlap semantics, see `readPeriod`): ServiceStopTimeFrom X ->
 * `ge X`, ServiceStartTimeTo X -> `lt X`; ServiceStartTimeFrom S with ServiceStopTimeTo E ->
 * `eq S` when E is the end of S's own range (what `period=eq` gives); any other
 * ServiceStartTimeFrom / ServiceStopTimeTo has no Period search.
 */
function addPeriod(
  out: URLSearchParams,
  start: TimeRange | undefined,
  stop: TimeRange | undefined,
  fail: (xds: string, code: IssueType, diagnostics: string) => void,
): void {
  if (start?.from !== undefined || stop?.to !== undefined) {
    const eq = start?.from === undefined ? undefined : fhirDateFromDtm(start.from);
    const end = eq === undefined ? undefined : parseDateValue(eq).end;
    if (
      eq === undefined ||
      stop?.to === undefined ||
      end === undefined ||
      compareDtmBound(end, stop.to) !== 0
    ) {
      fail(
        '$XDSDocumentEntryServiceStartTimeFrom',
        'not-supported',
        'ServiceStartTimeFrom / ServiceStopTimeTo have no ITI-67 period search unless together they bound one date (period=eq)',
      );
    } else out.append('period', eq);
  }
  if (stop?.from !== undefined) out.append('period', `ge${fhirDateFromDtm(stop.from)}`);
  if (start?.to !== undefined) out.append('period', `lt${fhirDateFromDtm(start.to)}`);
}

const FAMILY_ONLY = /^%\^([^%_^]+)(\^%|%)$/;
const GIVEN_ONLY = /^%\^%\^([^%_^]+)(\^%|%)$/;
const FAMILY_GIVEN = /^%\^([^%_^]+)(\^|%\^)([^%_^]+)(\^%|%)$/;

/**
 * authorPerson LIKE patterns -> author.family / author.given, for the pattern shapes
 * `readAuthor` writes: all family-only (`%^F%`, `%^F^%`), all given-only, or one family+given.
 * Other LIKE patterns have no FHIR string search.
 */
function addAuthor(
  out: URLSearchParams,
  patterns: string[],
  fail: (xds: string, code: IssueType, diagnostics: string) => void,
): void {
  const given = patterns.map((p) => GIVEN_ONLY.exec(p));
  const family = patterns.map((p) => FAMILY_ONLY.exec(p));
  const exactOf = (m: RegExpExecArray | null, i: number): boolean => m![i] === '^%';
  if (given.every((m) => m) && new Set(given.map((m) => exactOf(m, 2))).size === 1) {
    out.append(
      exactOf(given[0]!, 2) ? 'author.given:exact' : 'author.given',
      given.map((m) => escapeValue(m![1]!)).join(','),
    );
    return;
  }
  if (family.every((m) => m) && new Set(family.map((m) => exactOf(m, 2))).size === 1) {
    out.append(
      exactOf(family[0]!, 2) ? 'author.family:exact' : 'author.family',
      family.map((m) => escapeValue(m![1]!)).join(','),
    );
    return;
  }
  const both = patterns.length === 1 ? FAMILY_GIVEN.exec(patterns[0]!) : null;
  if (both) {
    out.append(both[2] === '^' ? 'author.family:exact' : 'author.family', escapeValue(both[1]!));
    out.append(both[4] === '^%' ? 'author.given:exact' : 'author.given', escapeValue(both[3]!));
    return;
  }
  fail(
    '$XDSDocumentEntryAuthorPerson',
    'not-supported',
    `authorPerson ${patterns.join(', ')}: only %^family%, %^%^given% or one %^family%^given% pattern has an ITI-67 author.family / author.given search`,
  );
}

/** referenceIdList CXi -> `related` tokens (see `readRelated`). */
function addRelated(
  out: URLSearchParams,
  refs: string[],
  fail: (xds: string, code: IssueType, diagnostics: string) => void,
): void {
  const tokens: string[] = [];
  for (const ref of refs) {
    const parts = ref.split('^');
    const [id, , , authority, type] = parts;
    const issuer = authority?.split('&')[1];
    if (parts.length === 5 && type === ReferenceIdType.studyInstanceUid && id) {
      tokens.push(tokenText(DICOM_UID_SYSTEM, `urn:oid:${id}`));
    } else if (parts.length === 5 && type === ReferenceIdType.accession && id && issuer) {
      tokens.push(tokenText(`urn:oid:${issuer}`, id));
    } else {
      fail(
        '$XDSDocumentEntryReferenceIdList',
        'not-supported',
        `referenceId ${ref}: only a Study Instance UID or an accession number with an OID issuer has an ITI-67 related search`,
      );
    }
  }
  out.append('related', tokens.join(','));
}
