/**
 * Bounds on what an AuditEvent carries from a request, so that every event fits what PARS accepts
 * (2 MiB per POST, answered 413 beyond) whatever the broker accepted (10 MiB requests):
 * - each string taken from the request (wsa:MessageID, ids, names, UIDs) at most
 *   {@link MAX_AUDIT_STRING} characters: a longer one keeps its first characters followed by a
 *   marker giving its full length and the SHA-256 (hex, of its UTF-8 bytes) of the whole value,
 *   so a privacy officer can still match it against the request as sent;
 * - the ITI-38 and ITI-67 query entity (DICOM PS3.15 A.5.3 Query, base64) at most {@link MAX_AUDIT_QUERY}
 *   characters (XML; ITI-67: the request line), marked the same way in an entity detail;
 * - the whole event at most {@link MAX_AUDIT_EVENT_BYTES} bytes of JSON: the document / study
 *   entities of a larger one are spread over several events (each with the same patient,
 *   transaction and endpoint entities), and an entity's detail list too long on its own is cut with
 *   a detail saying how many were left out.
 */
import { createHash } from 'node:crypto';
import type { AuditEvent, AuditEventEntity, AuditEventEntityDetail } from 'fhir/r4.js';

/** Longest string from a request kept whole in an AuditEvent, characters. */
const MAX_AUDIT_STRING = 1024;
/** Longest AdhocQueryRequest kept whole in the query entity, characters of XML. */
export const MAX_AUDIT_QUERY = 64 * 1024;
/** Largest AuditEvent written, bytes of JSON (PARS accepts 2 MiB; headroom for meta and framing). */
export const MAX_AUDIT_EVENT_BYTES = 1024 * 1024;
/** The entity detail type that records a cut value's length and digest. */
export const TRUNCATED_DETAIL = 'truncated';

/** The marker after a cut value: `…[truncated: N characters, sha256 HEX]`. */
function truncationMarker(full: string): string {
  const digest = createHash('sha256').update(full, 'utf8').digest('hex');
  return `…[truncated: ${full.length} characters, sha256 ${digest}]`;
}

/** `value` when within `max` characters, else its first characters and the marker (at most `max` in all). */
function boundString(value: string, max = MAX_AUDIT_STRING): string {
  if (value.length <= max) return value;
  const marker = truncationMarker(value);
  return value.slice(0, Math.max(0, max - marker.length)) + marker;
}

/** The query kept in the query entity, and the marker when it was cut. */
export function boundQuery(xml: string): { xml: string; marker?: string } {
  if (xml.length <= MAX_AUDIT_QUERY) return { xml };
  return { xml: xml.slice(0, MAX_AUDIT_QUERY), marker: truncationMarker(xml) };
}

/**
 * Every string of `value` bounded by {@link boundString}, except the base64 `query` (bounded apart).
 * Only the objects and arrays on the way to a string that was cut are copied: a value with nothing
 * to cut (nearly every event) is returned as it is, so do not mutate the result.
 */
export function boundStrings<T>(value: T): T {
  return walk(value) as T;
}

function walk(v: unknown, key?: string): unknown {
  if (typeof v === 'string') return key === 'query' ? v : boundString(v);
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const w = walk(x);
      if (w !== x) (out ??= [...(v as unknown[])])[i] = w;
    }
    return out ?? v;
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (const k of Object.keys(o)) {
      const x = o[k];
      const w = walk(x, k);
      if (w !== x) (out ??= { ...o })[k] = w;
    }
    return out ?? v;
  }
  return v;
}

const bytes = (e: unknown): number => Buffer.byteLength(JSON.stringify(e), 'utf8');

/**
 * Split an event whose JSON exceeds {@link MAX_AUDIT_EVENT_BYTES}: `fixed` entities (patient,
 * transaction, endpoint, query) go into every part, the `spread` ones (documents, studies) are
 * shared out in order. `make(entities)` builds one event (with its own id).
 */
export function withinEventBound(
  fixed: AuditEventEntity[],
  spread: AuditEventEntity[],
  make: (entity: AuditEventEntity[]) => AuditEvent,
): AuditEvent[] {
  const whole = make([...fixed, ...spread]);
  if (bytes(whole) <= MAX_AUDIT_EVENT_BYTES) return [whole];
  const room = MAX_AUDIT_EVENT_BYTES - bytes(make(fixed)) - 64;
  const parts: AuditEventEntity[][] = [];
  let current: AuditEventEntity[] = [];
  let size = 0;
  for (const raw of spread) {
    const e = fitEntity(raw, room);
    const n = bytes(e) + 1;
    if (current.length > 0 && size + n > room) {
      parts.push(current);
      current = [];
      size = 0;
    }
    current.push(e);
    size += n;
  }
  if (current.length > 0) parts.push(current);
  return parts.map((p) => make([...fixed, ...p]));
}

/** An entity cut to `room` bytes by dropping its last details, with a detail saying how many went. */
function fitEntity(e: AuditEventEntity, room: number): AuditEventEntity {
  if (bytes(e) <= room || !e.detail?.length) return e;
  const detail: AuditEventEntityDetail[] = [];
  let size = bytes({ ...e, detail: [] }) + 200;
  for (const d of e.detail) {
    const n = bytes(d) + 1;
    if (size + n > room) break;
    detail.push(d);
    size += n;
  }
  const left = e.detail.length - detail.length;
  return {
    ...e,
    detail: [
      ...detail,
      { type: TRUNCATED_DETAIL, valueString: `${left} more details left out (event size bound)` },
    ],
  };
}
