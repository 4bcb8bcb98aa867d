/**
 * Sending one AuditEvent to PARS: `POST {base}/FHIR/R4/AuditEvent` with `application/fhir+json`
 * (PARS "Record Audit Event", modelled on IHE RESTful ATNA ITI-20). The answer decides what the
 * queue does (RFC 9110 section 15):
 * - 201 (stored) or 200 (already stored under this id) -> delivered;
 * - a 4xx that refuses this event for good (400, 413 Content Too Large, 422, 409, 415, ...) ->
 *   rejected: dead-lettered, so that it never blocks the events behind it;
 * - 408 and 429 (try again later), and 401, 403, 404, 405 (they describe the endpoint or the
 *   credentials, a configuration the operator fixes, not this event), 5xx, no connection, a
 *   timeout -> retry later, keeping the order.
 */
import { HttpAgent, HttpTransportError, httpPost, readBody } from '../transport/http-client.js';

/** What became of one send. */
export type SendResult =
  | { kind: 'delivered'; status: 200 | 201 }
  | { kind: 'rejected'; status: number; detail: string }
  | { kind: 'retry'; detail: string };

/** Send one event's JSON; never throws (failures are results). */
export type AuditEventSender = (json: string, signal: AbortSignal) => Promise<SendResult>;

/** The AuditEvent endpoint under a PARS base URL (`http://host:port`, with or without `/FHIR/R4`). */
export function auditEventUrl(base: string): string {
  const b = base.replace(/\/+$/, '');
  return /\/FHIR\/R4$/.test(b) ? `${b}/AuditEvent` : `${b}/FHIR/R4/AuditEvent`;
}

/** Largest PARS answer read, bytes: an OperationOutcome or the stored event, far below this. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * A sender to the PARS at `base` over keep-alive connections (two per origin).
 * @param timeoutMs per request, ms: longest silence of PARS before the response head and between
 *   body chunks (a slow PARS answers "retry" after this).
 */
export function parsSender(base: string, timeoutMs = 10_000): { send: AuditEventSender; close(): void } {
  const url = new URL(auditEventUrl(base));
  const agent = new HttpAgent({ connections: 2 });
  const send: AuditEventSender = async (json, signal) => {
    const body = Buffer.from(json, 'utf8');
    try {
      const answer = await httpPost({
        url,
        agent,
        signal,
        idleTimeoutMs: timeoutMs,
        headers: {
          'content-type': 'application/fhir+json',
          accept: 'application/fhir+json',
          'content-length': String(body.length),
        },
        body: [body],
      });
      const text = (await readBody(answer, MAX_ANSWER_BYTES, { signal, idleTimeoutMs: timeoutMs })).toString(
        'utf8',
      );
      return classify(answer.status, text);
    } catch (err) {
      if (err instanceof HttpTransportError)
        return { kind: 'retry', detail: err.code ? `${err.code} ${err.message}` : err.message };
      return { kind: 'retry', detail: err instanceof Error ? err.message : String(err) };
    }
  };
  return { send, close: () => void agent.close() };
}

/** 4xx answers that say nothing about the event itself: retried (see the module comment). */
const RETRIED_4XX = new Set([401, 403, 404, 405, 408, 429]);

/** What one PARS answer means for the event sent (exported for tests). */
export function classify(status: number, body: string): SendResult {
  if (status === 201 || status === 200) return { kind: 'delivered', status };
  if (status >= 400 && status < 500 && !RETRIED_4XX.has(status))
    return { kind: 'rejected', status, detail: outcomeText(body) };
  return { kind: 'retry', detail: `HTTP ${status}` };
}

/**
 * The diagnostics of a FHIR R4 OperationOutcome answer, joined with `; ` (each issue's diagnostics,
 * else its details.text, else its code); the body itself when it is not one. At most 2,000 characters.
 */
function outcomeText(body: string): string {
  let text = body;
  try {
    const o = JSON.parse(body) as {
      resourceType?: unknown;
      issue?: { diagnostics?: string; details?: { text?: string }; code?: string }[];
    };
    if (o.resourceType === 'OperationOutcome' && Array.isArray(o.issue))
      text = o.issue.map((i) => i.diagnostics ?? i.details?.text ?? i.code ?? '').join('; ');
  } catch {
    /* not JSON: the body as sent */
  }
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
