/**
 * HL7 v2 DTM values as XDS uses them: UTC, `YYYY[MM[DD[hh[mm[ss]]]]]`, no offset
 * (ITI TF-3 4.2.3.1.5 "DTM").
 */

/** Milliseconds in one day. */
export const DAY_MS = 86_400_000;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * A full-precision DTM, `YYYYMMDDhhmmss`, of an instant.
 * @param epochMs milliseconds since the Unix epoch; sub-second parts are dropped.
 */
export function toDtm(epochMs: number): string {
  const d = new Date(epochMs);
  return (
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1, 2) +
    pad(d.getUTCDate(), 2) +
    pad(d.getUTCHours(), 2) +
    pad(d.getUTCMinutes(), 2) +
    pad(d.getUTCSeconds(), 2)
  );
}

/** `YYYY-MM-DD` (ISO 8601 calendar date, UTC) of an instant in ms since the epoch. */
export function toIsoDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** True when `s` is a DTM prefix of 4, 6, 8, 10, 12 or 14 digits. */
export function isDtm(s: string): boolean {
  return /^\d{4}(\d{2}){0,5}$/.test(s);
}
