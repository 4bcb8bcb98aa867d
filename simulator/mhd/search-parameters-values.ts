/**
 * FHIR R4 search value syntax (FHIR R4 "Search" 3.1.1.5): comma-separated OR values, `\`
 * escaping (3.1.1.5.7: `\,` `\|` `\$` `\\`), tokens `[system]|[code]` (3.1.1.5.4) and dates with a
 * comparison prefix (3.1.1.5.3, 3.1.1.4.1), and the XDS DTM bounds a date stands for (ITI TF-3
 * 4.2.3.1.5 "DTM": UTC, `YYYY[MM[DD[hh[mm[ss]]]]]`). Errors are `SearchValueError`s whose message
 * says what is wrong with the value; the caller adds the parameter name.
 */
import { CODE_SYSTEM_OIDS } from './search-parameters.js';

/** A value that breaks FHIR R4 search syntax. */
export class SearchValueError extends Error {
  override readonly name = 'SearchValueError';
}

/** `a,b\,c` -> `['a', 'b\,c']`: split at commas not escaped by `\` (items keep their escapes). */
export function splitOr(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') i += 1;
    else if (c === ',') {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out;
}

/** Remove FHIR search escapes: `\x` -> `x`. A trailing lone `\` is an error. */
export function unescapeValue(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === undefined)
      throw new SearchValueError(`value '${text}' ends with a lone escape character \\`);
    out += next;
    i += 1;
  }
  return out;
}

/** Escape `\`, `,`, `|` and `$` for a search value (FHIR R4 "Search" 3.1.1.5.7). */
export function escapeValue(text: string): string {
  return text.replace(/[\\,|$]/g, (c) => `\\${c}`);
}

/** A token: `system` undefined for `code` alone (any system), `''` for `|code` (no system). */
export interface Token {
  system: string | undefined;
  code: string;
}

/** One OR item (still escaped) -> Token, split at the first unescaped `|`. */
export function parseToken(item: string): Token {
  for (let i = 0; i < item.length; i++) {
    const c = item[i];
    if (c === '\\') i += 1;
    else if (c === '|') {
      const code = unescapeValue(item.slice(i + 1));
      if (code === '') throw new SearchValueError(`token '${item}' has a system but no code`);
      return { system: unescapeValue(item.slice(0, i)), code };
    }
  }
  const code = unescapeValue(item);
  if (code === '') throw new SearchValueError('token is empty');
  return { system: undefined, code };
}

/** `system|code` with both parts escaped. */
export function tokenText(system: string, code: string): string {
  return `${escapeValue(system)}|${escapeValue(code)}`;
}

/** A FHIR code system URI -> the XDS codingScheme (see CODE_SYSTEM_OIDS). */
export function codingSchemeFromSystem(system: string): string {
  const known = CODE_SYSTEM_OIDS.get(system);
  if (known !== undefined) return known;
  return system.startsWith('urn:oid:') ? system.slice('urn:oid:'.length) : system;
}

/** An XDS codingScheme -> the FHIR code system URI (inverse of `codingSchemeFromSystem`). */
export function systemFromCodingScheme(scheme: string): string {
  for (const [uri, oid] of CODE_SYSTEM_OIDS) if (oid === scheme) return uri;
  return /^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/.test(scheme) ? `urn:oid:${scheme}` : scheme;
}

/** Date comparison prefixes (FHIR R4 "Search" 3.1.1.4.1). */
export type DatePrefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';
const PREFIXES: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

/**
 * A date search value as the UTC DTM range it stands for: `start` inclusive, `end` exclusive
 * (undefined past year 9999), both at the value's precision (FHIR R4 "Search" 3.1.1.5.3: a
 * date is the whole range of its precision). Fractions of a second widen to the whole second,
 * since DTM stops at seconds.
 */
export interface DateValue {
  prefix: DatePrefix;
  start: string;
  end: string | undefined;
}

const DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** 0100-01-01T00:00:00Z, the first instant a day or time value may stand for. */
const FIRST_INSTANT = Date.UTC(100, 0, 1);

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/**
 * `ge2024-05-01`, `2024-05`, `lt2024-05-01T10:00:00+01:00` -> DateValue. A time without an offset
 * is read as UTC (the broker's own time zone). Years 0001-9999.
 * @throws SearchValueError for any other text, an impossible date or an offset beyond ±14:00.
 */
export function parseDateValue(item: string): DateValue {
  const text = unescapeValue(item);
  let prefix: DatePrefix = 'eq';
  let rest = text;
  const head = text.slice(0, 2);
  if (PREFIXES.has(head)) {
    prefix = head as DatePrefix;
    rest = text.slice(2);
  }
  const m = DATE.exec(rest);
  if (!m) {
    throw new SearchValueError(
      `value '${text}' is not a FHIR date [prefix]YYYY[-MM[-DD[Thh:mm[:ss[.s]][Z|(+|-)hh:mm]]]]`,
    );
  }
  // A fraction of a second is matched but dropped: start is its whole second, end the next one.
  const [, y, mo, d, hh, mi, ss, , tz] = m;
  const year = Number(y);
  if (year < 1) throw new SearchValueError(`value '${text}': year 0000 does not exist`);
  if (mo === undefined) return { prefix, start: y!, end: year < 9999 ? pad(year + 1, 4) : undefined };
  const month = Number(mo);
  if (month < 1 || month > 12) throw new SearchValueError(`value '${text}': month ${mo} is not 01-12`);
  if (d === undefined) {
    const next =
      month === 12 ? (year < 9999 ? `${pad(year + 1, 4)}01` : undefined) : `${y}${pad(month + 1, 2)}`;
    return { prefix, start: `${y}${mo}`, end: next };
  }
  const day = Number(d);
  const dayStart = Date.UTC(year, month - 1, day);
  const check = new Date(dayStart);
  // Date.UTC reads years 0-99 as 1900-1999: such days are refused rather than misread.
  if (year < 100)
    throw new SearchValueError(`value '${text}': years before 0100 are not accepted with a day`);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new SearchValueError(`value '${text}': ${y}-${mo}-${d} is not a calendar date`);
  }
  if (hh === undefined) return { prefix, start: `${y}${mo}${d}`, end: dtmAt(dayStart + 86_400_000, 8) };
  const hour = Number(hh);
  const minute = Number(mi);
  const second = ss === undefined ? 0 : Number(ss);
  if (hour > 23 || minute > 59 || second > 59) {
    throw new SearchValueError(
      `value '${text}': time ${hh}:${mi}${ss === undefined ? '' : `:${ss}`} is out of range`,
    );
  }
  const offsetMin = tz === undefined || tz === 'Z' ? 0 : offsetMinutes(tz, text);
  const instant = dayStart + ((hour * 60 + minute - offsetMin) * 60 + second) * 1000;
  const digits = ss === undefined ? 12 : 14;
  const unit = ss === undefined ? 60_000 : 1000;
  const start = dtmAt(instant, digits);
  if (start === undefined || instant < FIRST_INSTANT) {
    throw new SearchValueError(`value '${text}' is outside the years 0100-9999 once turned to UTC`);
  }
  return { prefix, start, end: dtmAt(instant + unit, digits) };
}

function offsetMinutes(tz: string, text: string): number {
  const h = Number(tz.slice(1, 3));
  const m = Number(tz.slice(4, 6));
  if (h > 14 || m > 59 || (h === 14 && m > 0)) {
    throw new SearchValueError(`value '${text}': offset ${tz} is beyond ±14:00`);
  }
  return (tz.startsWith('-') ? -1 : 1) * (h * 60 + m);
}

/** The DTM of `ms` (UTC) cut to `digits`; undefined past 9999. */
function dtmAt(ms: number, digits: number): string | undefined {
  const t = new Date(ms);
  const year = t.getUTCFullYear();
  if (year > 9999) return undefined;
  const full =
    pad(year, 4) +
    pad(t.getUTCMonth() + 1, 2) +
    pad(t.getUTCDate(), 2) +
    pad(t.getUTCHours(), 2) +
    pad(t.getUTCMinutes(), 2) +
    pad(t.getUTCSeconds(), 2);
  return full.slice(0, digits);
}

/**
 * A DTM (`YYYY[MM[DD[hh[mm[ss]]]]]`, UTC) -> the FHIR search date of the same instant and
 * precision: `2024`, `2024-05`, `2024-05-01`, `2024-05-01T10:00Z`... An hour-only DTM is written
 * with minutes `:00`, the least precision a FHIR time has.
 */
export function fhirDateFromDtm(dtm: string): string {
  const y = dtm.slice(0, 4);
  if (dtm.length === 4) return y;
  const mo = dtm.slice(4, 6);
  if (dtm.length === 6) return `${y}-${mo}`;
  const d = dtm.slice(6, 8);
  if (dtm.length === 8) return `${y}-${mo}-${d}`;
  const hh = dtm.slice(8, 10);
  const mi = dtm.length >= 12 ? dtm.slice(10, 12) : '00';
  if (dtm.length < 14) return `${y}-${mo}-${d}T${hh}:${mi}Z`;
  return `${y}-${mo}-${d}T${hh}:${mi}:${dtm.slice(12, 14)}Z`;
}

/** Compare two DTM bounds by instant: each padded with zeros to 14 digits first. */
export function compareDtmBound(a: string, b: string): number {
  const x = a.padEnd(14, '0');
  const y = b.padEnd(14, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}
