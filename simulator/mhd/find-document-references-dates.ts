/**
 * The ITI-67 date parameters as XDS time ranges (ITI TF-2 3.67.4.1.2.1 -> ITI TF-2
 * 3.18.4.1.2.3.7.1): `creation` -> creationTime, `period` -> serviceStartTime / serviceStopTime,
 * each FHIR date the range of its precision (FHIR R4 "Search" 3.1.1.5.3), bounds as UTC DTM.
 */
import type { TimeRange } from '../xca/stored-query-model.js';
import { problem, readItems, type Occurrence, type ReadContext } from './find-document-references-params.js';
import { compareDtmBound, parseDateValue, type DateValue } from './search-parameters-values.js';

/** Date occurrences -> their values; OR lists of dates cannot be expressed in XDS. */
function readDates(occurrences: Occurrence[], ctx: ReadContext): DateValue[] | undefined {
  const out: DateValue[] = [];
  let ok = true;
  for (const o of occurrences) {
    if (o.items.length > 1) {
      ctx.problems.push(
        problem(
          o.sentName,
          'not-supported',
          `${o.sentName}: several comma-separated dates (OR) cannot be expressed as one XDS time range; repeat the parameter to AND them`,
        ),
      );
      ok = false;
      continue;
    }
    const v = readItems(o, ctx, (item) => parseDateValue(item.replace(/ (\d{2}:\d{2})$/, '+$1')));
    if (v === undefined) {
      ok = false;
      continue;
    }
    const d = v[0]!;
    if (d.prefix === 'ne' || d.prefix === 'sa' || d.prefix === 'eb' || d.prefix === 'ap') {
      ctx.problems.push(
        problem(
          o.sentName,
          'not-supported',
          `${o.sentName}: prefix '${d.prefix}' is not supported (eq, ge, gt, le, lt are)`,
        ),
      );
      ok = false;
      continue;
    }
    out.push(d);
  }
  return ok ? out : undefined;
}

/** The narrower of two From bounds (later) / To bounds (earlier). */
const later = (a: string | undefined, b: string): string =>
  a === undefined || compareDtmBound(b, a) > 0 ? b : a;
const earlier = (a: string | undefined, b: string): string =>
  a === undefined || compareDtmBound(b, a) < 0 ? b : a;

function range(from: string | undefined, to: string | undefined): TimeRange | undefined {
  if (from === undefined && to === undefined) return undefined;
  const r: TimeRange = {};
  if (from !== undefined) r.from = from;
  if (to !== undefined) r.to = to;
  return r;
}

function emptyRange(r: TimeRange | undefined): boolean {
  return r?.from !== undefined && r.to !== undefined && compareDtmBound(r.from, r.to) >= 0;
}

/**
 * `creation` -> creationTime (From inclusive, To exclusive): eq X -> [start, end), ge X -> From
 * start, gt X -> From end, le X -> To end, lt X -> To start; repeats AND-ed (the narrowest bounds).
 */
export function readCreation(occurrences: Occurrence[], ctx: ReadContext): TimeRange | undefined {
  const dates = readDates(occurrences, ctx);
  if (dates === undefined) return undefined;
  let from: string | undefined;
  let to: string | undefined;
  for (const d of dates) {
    if (d.prefix === 'eq' || d.prefix === 'ge') from = later(from, d.start);
    if (d.prefix === 'gt' && d.end !== undefined) from = later(from, d.end);
    if (d.prefix === 'gt' && d.end === undefined)
      ctx.noMatch ??= 'creation: gt the year 9999 matches nothing';
    if ((d.prefix === 'eq' || d.prefix === 'le') && d.end !== undefined) to = earlier(to, d.end);
    if (d.prefix === 'lt') to = earlier(to, d.start);
  }
  const r = range(from, to);
  if (emptyRange(r)) ctx.noMatch ??= 'creation: the date bounds leave no time between them';
  return r;
}

/** The service-time filters a `period` search becomes. */
export interface ServiceTimes {
  serviceStartTime?: TimeRange;
  serviceStopTime?: TimeRange;
}

/**
 * `period` -> service times with the overlap semantics of a Period (FHIR R4 "Search" 3.1.1.5.3):
 * ge X -> ServiceStopTimeFrom start(X); gt X -> ServiceStopTimeFrom end(X); le X ->
 * ServiceStartTimeTo end(X); lt X -> ServiceStartTimeTo start(X); eq X (the period inside X) ->
 * ServiceStartTimeFrom start(X) and ServiceStopTimeTo end(X).
 */
export function readPeriod(occurrences: Occurrence[], ctx: ReadContext): ServiceTimes {
  const dates = readDates(occurrences, ctx);
  if (dates === undefined) return {};
  let startFrom: string | undefined;
  let startTo: string | undefined;
  let stopFrom: string | undefined;
  let stopTo: string | undefined;
  for (const d of dates) {
    if (d.prefix === 'ge') stopFrom = later(stopFrom, d.start);
    if (d.prefix === 'gt' && d.end !== undefined) stopFrom = later(stopFrom, d.end);
    if (d.prefix === 'gt' && d.end === undefined) ctx.noMatch ??= 'period: gt the year 9999 matches nothing';
    if (d.prefix === 'le' && d.end !== undefined) startTo = earlier(startTo, d.end);
    if (d.prefix === 'lt') startTo = earlier(startTo, d.start);
    if (d.prefix === 'eq') {
      startFrom = later(startFrom, d.start);
      if (d.end !== undefined) stopTo = earlier(stopTo, d.end);
    }
  }
  const out: ServiceTimes = {};
  const start = range(startFrom, startTo);
  const stop = range(stopFrom, stopTo);
  if (start) out.serviceStartTime = start;
  if (stop) out.serviceStopTime = stop;
  if (emptyRange(start) || emptyRange(stop))
    ctx.noMatch ??= 'period: the date bounds leave no time between them';
  return out;
}
