/**
 * Read-only audit routes of the control API, for the dashboard's Audit view (docs/dashboard.md):
 * the simulated PARS listens on another port (another origin, and it sends no CORS headers), so the
 * page reads it through these. Both search PARS with FHIR R4 search (http://hl7.org/fhir/R4/search.html,
 * the AuditEvent parameters of pars/search.ts) and answer JSON:
 *
 * | route | answer |
 * |---|---|
 * | `GET /audit-events?patient=&since=&until=&limit=` | 200 `{ pars, total, events }`: the newest `limit` (1-500, default 100) AuditEvents naming the patient (NHS number) and `recorded` within [since, until] (ISO 8601 instants), newest first, each flattened to {@link AuditEventView} |
 * | `GET /audit-report?patient=` | 200 the Patient Access Report (audit/reports.ts, as `sim audit report --patient --json` prints it) with `pars` |
 *
 * Bad input answers 400 `{ error: 'invalid audit query', problems }`; a PARS that does not answer,
 * or answers an error, 502 `{ error: 'PARS did not answer', problems }`.
 */
import express, { type Router } from 'express';
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import { HttpTransportError, httpExchange, parseJsonBody } from '../transport/http-client.js';
import { isValidNhsNumber } from '../xca/nhs-number.js';
import { sendError } from './json-http.js';

/** Most events `GET /audit-events` answers (the page draws them all). */
export const MAX_AUDIT_EVENTS = 500;
/** Default `limit`. */
const DEFAULT_AUDIT_EVENTS = 100;
/** Most AuditEvents a Patient Access Report reads from PARS (each search at most this many). */
export const MAX_REPORT_EVENTS = 10_000;
/** How long one PARS search may take, ms. */
const PARS_TIMEOUT_MS = 10_000;
/** Largest PARS answer read, bytes (64 MiB: up to 10,000 AuditEvents of a few KiB). */
const MAX_PARS_BYTES = 64 * 1024 * 1024;
/** AuditEvent.entity.role `1` Patient (DICOM PS3.15 A.5, FHIR R4 object-role). */
const PATIENT_ROLE = '1';

/** One AuditEvent as the Audit view lists it (FHIR R4 AuditEvent, flattened). */
export interface AuditEventView {
  id: string;
  /** AuditEvent.recorded, ISO 8601. */
  recorded: string;
  /** AuditEvent.subtype[0].code: ITI-38, ITI-39, RAD-75, ITI-67, ITI-68, ... */
  transaction: string;
  /** AuditEvent.action: C R U D E. */
  action: string;
  /** AuditEvent.outcome: 0 success, 4 minor failure, 8 serious failure, 12 major failure. */
  outcome: string;
  outcomeDesc?: string;
  /** Each agent: who (identifier value, else display or reference), its resource type and whether it is the requestor. */
  agents: { who: string; type?: string; role?: string; requestor: boolean }[];
  /** The patient entity's NHS number (or the id as sent). */
  patient?: string;
}

/** What the routes need from the runtime. */
export interface AuditRoutesOptions {
  /** The PARS base URL (its FHIR base is `${url}/FHIR/R4`). */
  parsUrl: string;
  /**
   * The Patient Access Report over the events found (audit/reports.ts `patientAccessReport`,
   * passed in: the control API may not import audit).
   */
  patientReport: (events: readonly AuditEvent[], nhsNumber: string) => object;
}

class ParsError extends Error {}

/** The router for `GET /audit-events` and `GET /audit-report`. */
export function auditRoutes(opts: AuditRoutesOptions): Router {
  const r = express.Router();
  const pars = opts.parsUrl.replace(/\/+$/, '');
  r.get('/audit-events', (req, res, next) => {
    const q = parseQuery(req.query, ['patient', 'since', 'until', 'limit']);
    if (!q.ok) return sendError(res, 400, 'invalid audit query', q.problems);
    const params: [string, string][] = [];
    if (q.patient !== undefined) params.push(['patient', q.patient]);
    if (q.since !== undefined) params.push(['date', `ge${q.since}`]);
    if (q.until !== undefined) params.push(['date', `le${q.until}`]);
    newest(pars, params, q.limit)
      .then(({ total, events }) => res.json({ pars, total, events: events.map(eventView) }))
      .catch((err) => parsFailed(res, err, next));
  });
  r.get('/audit-report', (req, res, next) => {
    const q = parseQuery(req.query, ['patient']);
    if (q.ok && q.patient === undefined) q.problems.push('patient: required (an NHS number)');
    if (!q.ok || q.problems.length > 0) return sendError(res, 400, 'invalid audit query', q.problems);
    const nhs = q.patient!;
    // As `sim audit report`: the patient's events and those naming no patient, for the report to place.
    Promise.all([all(pars, [['patient', nhs]]), all(pars, [['patient:missing', 'true']])])
      .then(([mine, unnamed]) => res.json({ ...opts.patientReport([...mine, ...unnamed], nhs), pars }))
      .catch((err) => parsFailed(res, err, next));
  });
  return r;
}

type Query =
  | { ok: true; problems: string[]; patient?: string; since?: string; until?: string; limit: number }
  | { ok: false; problems: string[] };

/** ISO 8601 instant with a zone (RFC 3339 date-time), as FHIR R4 `instant`. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

function parseQuery(query: express.Request['query'], allowed: readonly string[]): Query {
  const problems: string[] = [];
  const one = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      problems.push(`${name}: give it once`);
      return undefined;
    }
    return v;
  };
  for (const name of Object.keys(query))
    if (!allowed.includes(name)) problems.push(`${name}: not a parameter (${allowed.join(', ')})`);
  const out: { patient?: string; since?: string; until?: string; limit: number } = {
    limit: DEFAULT_AUDIT_EVENTS,
  };
  const patient = one('patient')?.replace(/\s+/g, '');
  if (patient !== undefined) {
    if (!isValidNhsNumber(patient))
      problems.push(`patient=${patient}: not an NHS number (10 digits, modulus 11 check digit)`);
    else out.patient = patient;
  }
  for (const name of ['since', 'until'] as const) {
    const v = one(name);
    if (v === undefined) continue;
    if (!INSTANT.test(v) || Number.isNaN(Date.parse(v)))
      problems.push(`${name}=${v}: an ISO 8601 instant with a zone, e.g. 2026-12-03T16:00:00Z`);
    else out[name] = new Date(v).toISOString();
  }
  if (out.since !== undefined && out.until !== undefined && out.since > out.until)
    problems.push(`since=${out.since} is after until=${out.until}`);
  const limit = one('limit');
  if (limit !== undefined) {
    const n = Number(limit);
    if (!/^\d+$/.test(limit) || n < 1 || n > MAX_AUDIT_EVENTS)
      problems.push(`limit=${limit}: a whole number from 1 to ${MAX_AUDIT_EVENTS}`);
    else out.limit = n;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, problems, ...out };
}

/** The newest `limit` matches, newest first, and how many match (PARS keeps them oldest first). */
async function newest(
  pars: string,
  params: [string, string][],
  limit: number,
): Promise<{ total: number; events: AuditEvent[] }> {
  const first = await search(pars, [...params, ['_count', String(limit)]]);
  const total = first.total ?? 0;
  const page =
    total > limit
      ? await search(pars, [...params, ['_count', String(limit)], ['_offset', String(total - limit)]])
      : first;
  const events = (page.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  return {
    total,
    events: events.sort((a, b) => (a.recorded < b.recorded ? 1 : a.recorded > b.recorded ? -1 : 0)),
  };
}

/** Every match, at most MAX_REPORT_EVENTS. */
async function all(pars: string, params: [string, string][]): Promise<AuditEvent[]> {
  const b = await search(pars, [...params, ['_count', String(MAX_REPORT_EVENTS)]]);
  if ((b.total ?? 0) > MAX_REPORT_EVENTS)
    throw new ParsError(
      `more than ${MAX_REPORT_EVENTS} AuditEvents match ${params.map((p) => p.join('=')).join('&')}: use sim audit report --file`,
    );
  return (b.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
}

/** One FHIR search of PARS (a searchset Bundle). @throws ParsError when it does not answer 200 JSON. */
async function search(pars: string, params: [string, string][]): Promise<Bundle<AuditEvent>> {
  const url = new URL(`${pars}/FHIR/R4/AuditEvent?${new URLSearchParams(params).toString()}`);
  let status: number;
  let body: unknown;
  try {
    const res = await httpExchange(
      {
        method: 'GET',
        url,
        headers: { accept: 'application/fhir+json' },
        signal: AbortSignal.timeout(PARS_TIMEOUT_MS),
      },
      MAX_PARS_BYTES,
    );
    status = res.status;
    body = parseJsonBody(res);
  } catch (err) {
    if (err instanceof HttpTransportError)
      throw new ParsError(
        `${pars}: ${err.kind === 'timeout' ? `no answer within ${PARS_TIMEOUT_MS} ms` : err.kind}`,
      );
    throw new ParsError(`${pars}: the answer is not JSON`);
  }
  if (status !== 200) {
    const issues = (body as { issue?: { diagnostics?: string }[] }).issue ?? [];
    throw new ParsError(`${pars}: HTTP ${status}${issues.map((i) => `; ${i.diagnostics ?? ''}`).join('')}`);
  }
  return body as Bundle<AuditEvent>;
}

function parsFailed(res: express.Response, err: unknown, next: express.NextFunction): void {
  if (err instanceof ParsError) sendError(res, 502, 'PARS did not answer', [err.message]);
  else next(err);
}

/** Flatten one AuditEvent for the view. */
export function eventView(e: AuditEvent): AuditEventView {
  const patient = (e.entity ?? []).find((x) => x.role?.code === PATIENT_ROLE)?.what;
  const patientId = patient?.identifier?.value ?? patient?.reference?.replace(/^Patient\//, '');
  return {
    id: e.id ?? '',
    recorded: e.recorded,
    transaction: e.subtype?.[0]?.code ?? '',
    action: e.action ?? '',
    outcome: e.outcome ?? '',
    ...(e.outcomeDesc !== undefined ? { outcomeDesc: e.outcomeDesc } : {}),
    agents: e.agent.map((a) => {
      const role = a.type?.coding?.[0]?.display ?? a.type?.coding?.[0]?.code ?? a.role?.[0]?.text;
      return {
        who: a.who?.identifier?.value ?? a.who?.display ?? a.who?.reference ?? '',
        ...(a.who?.type !== undefined ? { type: a.who.type } : {}),
        ...(role !== undefined ? { role } : {}),
        requestor: a.requestor,
      };
    }),
    ...(patientId !== undefined ? { patient: patientId } : {}),
  };
}
