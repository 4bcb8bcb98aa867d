/**
 * The HTTP pieces of the broker's FHIR endpoints (fhir-app.ts): content negotiation (FHIR R4 HTTP
 * 3.1.0.6: JSON only), writing a resource (`_pretty`, FHIR R4 HTTP 3.1.0.1.7), reading a bounded
 * `_search` form body (FHIR R4 Search 3.1.1.3), the admission queue's slot and its 503 (as the SOAP
 * endpoints, overload.ts; RFC 9110 §15.6.4 Retry-After), and nir-sim's version.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'express';
import type { Resource } from 'fhir/r4.js';
import type { IssueType } from '../fhir/operation-outcome.js';
import { MAX_SEARCH_TEXT } from '../mhd/search-parameters.js';
import { packageRoot } from '../shared/package-root.js';
import type { Admission } from './admission.js';
import type { BrokerContext } from './context.js';
import { overloadFault } from './overload.js';

/** The media type of every answer (FHIR R4 HTTP 3.1.0.6). */
const FHIR_JSON = 'application/fhir+json';
/**
 * The JSON media type of FHIR DSTU2 (`application/json+fhir`), still the default `Accept` of some
 * FHIR client libraries: answered as JSON rather than refused.
 */
const LEGACY_FHIR_JSON = 'application/json+fhir';
/** `_format` values meaning JSON (FHIR R4 HTTP 3.1.0.6: `json`, the JSON MIME types). */
const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json', LEGACY_FHIR_JSON]);
/** Largest `_search` body read, bytes: the parser's bound on text, with room for UTF-8. */
const MAX_SEARCH_BODY_BYTES = MAX_SEARCH_TEXT * 4;

/** A refusal answered with one issue: HTTP status, IssueType, diagnostics, extra headers. */
export interface Refusal {
  httpStatus: number;
  code: IssueType;
  diagnostics: string;
  headers?: Record<string, string>;
}

let version: string | undefined;
/** nir-sim's version, from its package.json (read once). */
export function softwareVersion(): string {
  if (version === undefined) {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
      version?: string;
    };
    version = pkg.version ?? '0.0.0';
  }
  return version;
}

/** Why the request cannot be answered in JSON, or undefined when it can. */
export function notJson(req: Request, format: string | null): string | undefined {
  if (format !== null) {
    const f = format.split(';')[0]!.trim().toLowerCase();
    return JSON_FORMATS.has(f)
      ? undefined
      : `_format ${format.slice(0, 64)} is not served: this server answers JSON only (_format=json or application/fhir+json)`;
  }
  if (
    req.headers.accept === undefined ||
    req.accepts([FHIR_JSON, 'application/json', LEGACY_FHIR_JSON]) !== false
  )
    return undefined;
  return `Accept ${req.headers.accept.slice(0, 128)} is not served: this server answers ${FHIR_JSON} only`;
}

/** The JSON text of `resource`: indented with `_pretty=true` (FHIR R4 HTTP 3.1.0.1.7). */
export const bodyOf = (resource: Resource, pretty: boolean): string =>
  pretty ? JSON.stringify(resource, null, 2) : JSON.stringify(resource);

/** Write `body` (FHIR JSON text) with `status`, unless the response is already gone. */
export function sendJson(
  res: Response,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.status(status).set(headers).type(`${FHIR_JSON}; charset=utf-8`).send(body);
}

/**
 * Read a `_search` body, bounded: its text, or the refusal to answer (415 another media type; 413
 * over MAX_SEARCH_BODY_BYTES, by Content-Length before reading or while reading, with
 * `Connection: close` so the rest is never read).
 * @rejects Error when the client goes away before the body ends.
 */
export function readForm(req: Request): Promise<string | Refusal> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    return Promise.resolve({
      httpStatus: 415,
      code: 'not-supported',
      diagnostics: `a _search body must be application/x-www-form-urlencoded (FHIR R4 Search 3.1.1.3), not ${type === '' ? 'absent' : type.slice(0, 64)}`,
    });
  const tooLong: Refusal = {
    httpStatus: 413,
    code: 'too-long',
    diagnostics: `the _search body is over ${MAX_SEARCH_BODY_BYTES} bytes; a search is at most ${MAX_SEARCH_TEXT} characters`,
    headers: { Connection: 'close' },
  };
  if (Number(req.headers['content-length'] ?? 0) > MAX_SEARCH_BODY_BYTES) return Promise.resolve(tooLong);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const done = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes <= MAX_SEARCH_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      done();
      req.pause();
      resolve(tooLong);
    };
    const onEnd = (): void => {
      done();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const onClose = (): void => {
      done();
      reject(new Error('the client went away before the _search body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Wait for a processing slot (the client's going away ends the wait, refused). */
async function enterAdmission(
  bc: BrokerContext,
  arrivedAt: number,
  res: Response,
): Promise<Admission | undefined> {
  const queue = bc.admission;
  if (!queue) return undefined;
  const now = queue.tryEnter(arrivedAt);
  if (now) return now;
  const gone = new AbortController();
  const onClose = (): void => gone.abort();
  res.once('close', onClose);
  try {
    return await queue.enter(arrivedAt, gone.signal);
  } finally {
    res.off('close', onClose);
  }
}

/**
 * Take a processing slot for a FHIR request that arrived at `arrivedAt` (the broker clock's epoch
 * ms), held until the response closes: what every FHIR endpoint of the broker (ITI-67, ITI-68,
 * WADO-RS) does before its work, so the broker's concurrency bound covers them all (admission.ts).
 * @returns `{ deadlineAt }` (epoch ms; undefined when the broker has no admission queue), or the
 *   503 Refusal ({@link overloaded}: queue full, or the deadline passed while waiting); undefined
 *   when the client went away while waiting (nothing to answer).
 */
export async function holdSlot(
  bc: BrokerContext,
  arrivedAt: number,
  res: Response,
): Promise<{ deadlineAt?: number } | Refusal | undefined> {
  const admitted = await enterAdmission(bc, arrivedAt, res);
  if (!admitted) return {};
  if (!admitted.admitted) return overloaded(bc, admitted.reason);
  const { ticket } = admitted;
  if (res.destroyed || res.writableEnded) {
    ticket.release();
    return undefined;
  }
  res.once('close', () => ticket.release());
  return { deadlineAt: ticket.deadlineAt };
}

/** The 503 of an overloaded broker: the SOAP endpoints' text and Retry-After (overload.ts). */
export function overloaded(bc: BrokerContext, reason: 'queue-full' | 'deadline-in-queue'): Refusal {
  const limits = bc.admission!.limits;
  const fault = overloadFault(reason, limits);
  return {
    httpStatus: 503,
    code: reason === 'queue-full' ? 'throttled' : 'timeout',
    diagnostics: fault.reason,
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(limits.retryAfterMs / 1000))) },
  };
}
