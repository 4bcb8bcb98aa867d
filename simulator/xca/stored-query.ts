/**
 * AdhocQueryRequest -> typed StoredQuery (ITI TF-2 3.18.4.1.2.3.7 parameters, 3.18.4.1.2.3.5 value
 * syntax; ITI TF-2 3.38.4.1.2 for XCA). Problems are protocol outcomes, returned as one
 * RegistryError (ITI TF-3 Table 4.2.4.1-2), never thrown: XDSUnknownStoredQuery,
 * XDSStoredQueryMissingParam, XDSStoredQueryParamNumber, or XDSRegistryError for value syntax.
 * Parameters not defined for a query are ignored.
 */
import { DocumentEntryType, ErrorCode, ErrorSeverity, StoredQueryId } from './constants.js';
import { NO_DOCUMENT_ENTRY_QUERIES, PATIENT_ID_PARAMS, QueryParam } from './stored-query-params.js';
import {
  SlotValueError,
  parseCode,
  parseDtm,
  parseList,
  parseNumber,
  parseQuotedString,
  parseStringList,
} from './slot-value.js';
import type { CodeFilter, FindDocumentsFilters, StoredQuery, TimeRange } from './stored-query-model.js';
import type { AdhocQueryRequest, RegistryError } from './types.js';

const STATUS_PREFIX = 'urn:oasis:names:tc:ebxml-regrep:StatusType:';
const ENTRY_TYPES: ReadonlySet<string> = new Set(Object.values(DocumentEntryType));
/** Parameters whose Slot may repeat, each repetition AND-ed (ITI TF-2 3.18.4.1.2.3.5). */
const AND_PARAMS: ReadonlySet<string> = new Set([QueryParam.eventCodeList, QueryParam.confidentialityCode]);

/**
 * Most rim:Slot elements in one AdhocQuery. FindDocuments defines 20 parameters (ITI TF-2
 * 3.18.4.1.2.3.7.1) and only $XDSDocumentEntryEventCodeList and $XDSDocumentEntryConfidentialityCode
 * may repeat (an AND term each), so 100 leaves room for any real query. Past it the query is
 * answered with one XDSStoredQueryParamNumber RegistryError before any parameter is read.
 */
export const MAX_QUERY_SLOTS = 100;

/**
 * Most values one parameter may carry: rim:Value elements in one Slot, and items in the lists
 * they hold (ITI TF-2 3.18.4.1.2.3.5). A GetDocuments for every document of a patient, or a code
 * list of every class code in use, needs far fewer. Past it: one XDSStoredQueryParamNumber
 * RegistryError naming the parameter.
 */
export const MAX_SLOT_VALUES = 1_000;

/** The outcome of `parseStoredQuery`. */
export type StoredQueryResult = { ok: true; query: StoredQuery } | { ok: false; error: RegistryError };

class ParamError extends Error {
  constructor(
    readonly errorCode: ErrorCode,
    readonly codeContext: string,
  ) {
    super(codeContext);
  }
}

/** Slot values grouped by name: one inner array per rim:Slot, in document order. */
type Slots = ReadonlyMap<string, string[][]>;

/**
 * Interpret the stored query of `req`.
 *
 * FindDocuments / FindDocumentsByReferenceId: `{ name, patientId, status, ...filters }` with every
 * optional filter of FindDocumentsFilters that is present; codes as AND-of-OR CodeFilters (a repeated
 * Slot is an AND term, allowed only for EventCodeList and ConfidentialityCode).
 * GetDocuments: `{ name, by: 'entryUUID' | 'uniqueId', ids }`.
 * SubmissionSet / Folder / Association queries: `{ name: 'NoDocumentEntries', queryId, patientId? }`.
 *
 * Errors (severity Error, no location; codeContext names the query or parameter and the problem):
 * XDSUnknownStoredQuery for an id that is not an ITI-18 stored query; XDSStoredQueryMissingParam for
 * a missing required parameter; XDSStoredQueryParamNumber for a single-valued parameter with
 * several values or Slots, a Slot without a Value, or both / neither GetDocuments id parameter;
 * XDSRegistryError for value syntax (`Parameter $X: value ... is not a quoted string ('...')`,
 * list without parentheses, coded value without `^^`, status not a StatusType URN, ...).
 *
 * Limits: more than {@link MAX_QUERY_SLOTS} Slots, or a parameter with more than
 * {@link MAX_SLOT_VALUES} rim:Value elements or list items, is answered with XDSStoredQueryParamNumber
 * naming the limit. ITI TF-3 Table 4.2.4.1-2 has no code for a request over a responder's limits;
 * XDSStoredQueryParamNumber is the code for a parameter given with the wrong number of values or
 * Slots (ITI TF-2 3.18.4.1.3), which is what this is, and unlike XDSRegistryOutOfResources it
 * does not invite the sender to retry the same request later. The work is linear in the number of
 * Slots and values.
 */
export function parseStoredQuery(req: AdhocQueryRequest): StoredQueryResult {
  try {
    checkCounts(req);
    return { ok: true, query: parseById(req) };
  } catch (e) {
    if (!(e instanceof ParamError)) throw e;
    return {
      ok: false,
      error: { errorCode: e.errorCode, codeContext: e.codeContext, severity: ErrorSeverity.Error },
    };
  }
}

/**
 * The unquoted value of the first of $XDSDocumentEntryPatientId, $XDSSubmissionSetPatientId,
 * $XDSFolderPatientId, $patientId present in `req` (for the broker, which fans patient queries out,
 * ITI TF-2 3.38.4.1.3); undefined when none is present or its first value is not a quoted string.
 */
export function storedQueryPatientId(req: AdhocQueryRequest): string | undefined {
  for (const name of PATIENT_ID_PARAMS) {
    const raw = req.slots.find((s) => s.name === name)?.values[0];
    if (raw === undefined) continue;
    try {
      return parseQuotedString(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function checkCounts(req: AdhocQueryRequest): void {
  if (req.slots.length > MAX_QUERY_SLOTS) {
    throw paramNumber(
      `AdhocQuery has ${req.slots.length} Slots; at most ${MAX_QUERY_SLOTS} are accepted (MAX_QUERY_SLOTS)`,
    );
  }
  for (const s of req.slots) {
    if (s.values.length > MAX_SLOT_VALUES) throw tooManyValues(s.name, s.values.length, 'Value elements');
  }
}

function tooManyValues(name: string, count: number, what: string): ParamError {
  return paramNumber(
    `Parameter ${name} has ${count} ${what}; at most ${MAX_SLOT_VALUES} are accepted (MAX_SLOT_VALUES)`,
  );
}

/** The values of `name` as list items, at most MAX_SLOT_VALUES of them. */
function listItems(name: string, values: readonly string[]): string[] {
  const items = syntax(name, () => parseStringList(values));
  if (items.length > MAX_SLOT_VALUES) throw tooManyValues(name, items.length, 'list items');
  return items;
}

function groupSlots(req: AdhocQueryRequest): Slots {
  const out = new Map<string, string[][]>();
  for (const s of req.slots) {
    const same = out.get(s.name);
    if (same) same.push(s.values);
    else out.set(s.name, [s.values]);
  }
  return out;
}

function parseById(req: AdhocQueryRequest): StoredQuery {
  const slots = groupSlots(req);
  const queryId = req.queryId;
  const id = queryId.toLowerCase();
  switch (id) {
    case StoredQueryId.FindDocuments:
      return { name: 'FindDocuments', ...findDocumentsFilters('FindDocuments', slots) };
    case StoredQueryId.FindDocumentsByReferenceId: {
      const filters = findDocumentsFilters('FindDocumentsByReferenceId', slots);
      const referenceIdList = stringList(slots, QueryParam.referenceIdList);
      if (referenceIdList === undefined) {
        throw missing('FindDocumentsByReferenceId', QueryParam.referenceIdList);
      }
      return { name: 'FindDocumentsByReferenceId', referenceIdList, ...filters };
    }
    case StoredQueryId.GetDocuments:
      return getDocuments(slots);
    default:
      break;
  }
  if (NO_DOCUMENT_ENTRY_QUERIES.has(id)) {
    const patientId = storedQueryPatientId(req);
    return patientId === undefined
      ? { name: 'NoDocumentEntries', queryId }
      : { name: 'NoDocumentEntries', queryId, patientId };
  }
  throw new ParamError(
    ErrorCode.XDSUnknownStoredQuery,
    `Unknown stored query id ${queryId} (ITI TF-2 3.18.4.1.2.3.7)`,
  );
}

function findDocumentsFilters(query: string, slots: Slots): FindDocumentsFilters {
  const P = QueryParam;
  const patientId = single(slots, P.patientId, 'string');
  if (patientId === undefined) throw missing(query, P.patientId);
  if (patientId.trim() === '') throw syntaxError(P.patientId, "value '' is an empty patient id");
  const status = stringList(slots, P.status);
  if (status === undefined) throw missing(query, P.status);
  const badStatus = status.find((s) => !s.startsWith(STATUS_PREFIX) || s.length === STATUS_PREFIX.length);
  if (badStatus !== undefined) {
    const expected = `${STATUS_PREFIX}Approved|Deprecated`;
    throw syntaxError(P.status, `value '${badStatus}' is not a StatusType URN (${expected})`);
  }
  const f: FindDocumentsFilters = { patientId, status };
  for (const key of [
    'classCode',
    'typeCode',
    'practiceSettingCode',
    'healthcareFacilityTypeCode',
    'formatCode',
    'eventCodeList',
    'confidentialityCode',
  ] as const) {
    const codes = codeFilter(slots, P[key]);
    if (codes !== undefined) f[key] = codes;
  }
  for (const key of ['creationTime', 'serviceStartTime', 'serviceStopTime'] as const) {
    const range = timeRange(slots, P[`${key}From`], P[`${key}To`]);
    if (range !== undefined) f[key] = range;
  }
  const authorPerson = stringList(slots, P.authorPerson);
  if (authorPerson !== undefined) f.authorPerson = authorPerson;
  const objectType = stringList(slots, P.type);
  const badType = objectType?.find((t) => !ENTRY_TYPES.has(t));
  if (badType !== undefined) {
    throw syntaxError(
      P.type,
      `value '${badType}' is not a DocumentEntry objectType UUID (stable or on-demand)`,
    );
  }
  if (objectType !== undefined) f.objectType = objectType;
  return f;
}

function getDocuments(slots: Slots): StoredQuery {
  const uuids = stringList(slots, QueryParam.entryUUID);
  const uniqueIds = stringList(slots, QueryParam.uniqueId);
  if (uuids !== undefined && uniqueIds !== undefined) {
    throw paramNumber(
      `GetDocuments: both ${QueryParam.entryUUID} and ${QueryParam.uniqueId} are given; exactly one is allowed`,
    );
  }
  if (uuids !== undefined) return { name: 'GetDocuments', by: 'entryUUID', ids: uuids };
  if (uniqueIds !== undefined) return { name: 'GetDocuments', by: 'uniqueId', ids: uniqueIds };
  throw paramNumber(
    `GetDocuments: neither ${QueryParam.entryUUID} nor ${QueryParam.uniqueId} is given; exactly one is required`,
  );
}

/** The values of the only Slot named `name`; undefined when absent. */
function onlySlot(slots: Slots, name: string): string[] | undefined {
  const all = slots.get(name);
  if (all === undefined) return undefined;
  if (all.length > 1) throw repeatedSlot(name, all.length);
  const values = all[0]!;
  if (values.length === 0) throw paramNumber(`Parameter ${name} has a Slot without any Value`);
  return values;
}

function single(slots: Slots, name: string, kind: 'string' | 'dtm'): string | undefined {
  const values = onlySlot(slots, name);
  if (values === undefined) return undefined;
  if (values.length > 1) {
    throw paramNumber(`Parameter ${name} takes one value but has ${values.length} Value elements`);
  }
  const raw = values[0]!;
  if (raw.trim().startsWith('(')) {
    const n = syntax(name, () => parseList(raw)).length;
    if (n > 1) throw paramNumber(`Parameter ${name} takes one value but is given a list of ${n}`);
    throw syntaxError(
      name,
      `value ${raw} is a list; the parameter takes a single ${kind === 'string' ? "quoted string ('...')" : 'unquoted DTM time'}`,
    );
  }
  return syntax(name, () => (kind === 'string' ? parseQuotedString(raw) : parseDtm(parseNumber(raw))));
}

function stringList(slots: Slots, name: string): string[] | undefined {
  const values = onlySlot(slots, name);
  return values === undefined ? undefined : listItems(name, values);
}

function codeFilter(slots: Slots, name: string): CodeFilter | undefined {
  const all = slots.get(name);
  if (all === undefined) return undefined;
  if (all.length > 1 && !AND_PARAMS.has(name)) throw repeatedSlot(name, all.length);
  return all.map((values) => {
    if (values.length === 0) throw paramNumber(`Parameter ${name} has a Slot without any Value`);
    return syntax(name, () => listItems(name, values).map(parseCode));
  });
}

function timeRange(slots: Slots, fromName: string, toName: string): TimeRange | undefined {
  const from = single(slots, fromName, 'dtm');
  const to = single(slots, toName, 'dtm');
  if (from === undefined && to === undefined) return undefined;
  const range: TimeRange = {};
  if (from !== undefined) range.from = from;
  if (to !== undefined) range.to = to;
  return range;
}

function syntax<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SlotValueError) throw syntaxError(name, e.message);
    throw e;
  }
}

function syntaxError(name: string, problem: string): ParamError {
  return new ParamError(ErrorCode.XDSRegistryError, `Parameter ${name}: ${problem}`);
}

function missing(query: string, name: string): ParamError {
  return new ParamError(
    ErrorCode.XDSStoredQueryMissingParam,
    `${query}: required parameter ${name} is missing`,
  );
}

function repeatedSlot(name: string, count: number): ParamError {
  const andParams = [...AND_PARAMS].join(' and ');
  return paramNumber(`Parameter ${name} is given in ${count} Slots; only ${andParams} may repeat`);
}

function paramNumber(context: string): ParamError {
  return new ParamError(ErrorCode.XDSStoredQueryParamNumber, context);
}
