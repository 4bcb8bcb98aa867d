/**
 * One MHD consumer exchange with the broker's FHIR face, as a supplier's MHD Document Consumer
 * would make it, over the one HTTP client (transport/http-client.ts): an ITI-67 search answered by
 * a searchset Bundle (read bounded and validated with fhir/bundle.ts, each DocumentReference also
 * checked against MHD Comprehensive), or an ITI-68 GET answered by the document's bytes; any other
 * answer must be an OperationOutcome (FHIR R4 HTTP 3.1.0.4: errors as an OperationOutcome). Every
 * way the answer can go wrong becomes data in a FhirOutcome, never an exception.
 */
import { performance } from 'node:perf_hooks';
import type { DocumentReference, OperationOutcome, OperationOutcomeIssue } from 'fhir/r4.js';
import { FhirReadError, readSearchsetBundle } from '../fhir/bundle.js';
import { validateFhirResource } from '../fhir/schema-validator.js';
import { HOME_COMMUNITY_ID_EXTENSION } from '../mhd/document-reference.js';
import { base64ToHex } from '../mhd/document-reference-values.js';
import { checkComprehensiveDocumentReference } from '../mhd/mhd-profile-check.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../shared/json-depth.js';
import { HttpTransportError, httpExchange } from '../transport/http-client.js';
import type { FoundDocument } from './picks.js';

/** The FHIR JSON media type (FHIR R4 HTTP 3.1.0.1.10). */
export const FHIR_JSON = 'application/fhir+json';
/** Largest ITI-67 answer read, bytes: fhir/bundle.ts's default bound (32 MiB). */
const MAX_SEARCH_BYTES = 32 * 1024 * 1024;
/** Largest ITI-68 answer read, bytes (256 MiB, as the ITI-39 step reads). */
const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;
/** The HTTP header that names the consumer profile on the broker's sandbox port. */
const CONSUMER_HEADER = 'X-NIR-Consumer';

/** A DocumentReference of a searchset: its community and, when its ids are readable, the document. */
export interface ReturnedReference {
  /** The ihe-HomeCommunityId extension; undefined when absent. */
  home?: string;
  document?: FoundDocument;
}

/** What came back for one MHD request. */
export interface FhirOutcome {
  /** HTTP status; undefined when no HTTP answer arrived. */
  httpStatus?: number;
  /** The Content-Type's media type, lower case, without parameters. */
  contentType?: string;
  /** From sending the first byte to reading the last, ms (wall clock). */
  durationMs: number;
  /** The searchset's outcome entries' issues, or the error answer's OperationOutcome issues. */
  issues: OperationOutcomeIssue[];
  /** ITI-67: the matches. */
  references: ReturnedReference[];
  /** ITI-68: the document's bytes (a 2xx answer). */
  bytes?: Buffer;
  /** Why the answer could not be read, or broke FHIR or MHD rules. */
  problem?: string;
  /** `GET <url>` or `POST <url>`, and (POST) the form body sent. */
  requestLine: string;
  sentBody?: string;
  /** The response text when it is FHIR JSON (for reports and tests). */
  receivedJson?: string;
}

/** One MHD request to send. */
export interface FhirRequest {
  transaction: 'ITI-67' | 'ITI-68';
  method: 'GET' | 'POST';
  url: string;
  /** POST: the `application/x-www-form-urlencoded` body. */
  body?: string;
  /** The Accept header; default FHIR JSON for ITI-67, none for ITI-68. */
  accept?: string;
  /** `Prefer: handling=...` (FHIR R4 Search 3.1.1.4). */
  prefer?: 'strict' | 'lenient';
  consumer?: string;
  /** Give up after this long, ms. */
  timeoutMs: number;
}

/** Send one request and read the answer. Never throws. */
export async function fhirExchange(req: FhirRequest): Promise<FhirOutcome> {
  const headers: Record<string, string> = {};
  const accept = req.accept ?? (req.transaction === 'ITI-67' ? FHIR_JSON : undefined);
  if (accept !== undefined) headers['accept'] = accept;
  if (req.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  if (req.prefer !== undefined) headers['prefer'] = `handling=${req.prefer}`;
  if (req.consumer !== undefined) headers[CONSUMER_HEADER] = req.consumer;
  const requestLine = `${req.method} ${req.url}`;
  const sent = { requestLine, ...(req.body !== undefined ? { sentBody: req.body } : {}) };
  const maxBytes = req.transaction === 'ITI-67' ? MAX_SEARCH_BYTES : MAX_DOCUMENT_BYTES;
  const started = performance.now();
  let res;
  try {
    res = await httpExchange(
      {
        method: req.method,
        url: new URL(req.url),
        headers,
        ...(req.body !== undefined ? { body: [Buffer.from(req.body, 'utf8')] } : {}),
        signal: AbortSignal.timeout(req.timeoutMs),
      },
      maxBytes,
    );
  } catch (err) {
    return {
      ...sent,
      durationMs: Math.round(performance.now() - started),
      issues: [],
      references: [],
      problem:
        err instanceof HttpTransportError && err.kind === 'too-large'
          ? `the answer of the broker at ${req.url} is not read: more than ${maxBytes} bytes`
          : `no answer from the broker at ${req.url}: ${why(err)}`,
    };
  }
  const durationMs = Math.round(performance.now() - started);
  const ct = res.headers['content-type'];
  const contentType = (Array.isArray(ct) ? ct[0] : ct)?.split(';')[0]?.trim().toLowerCase();
  const base = {
    ...sent,
    httpStatus: res.status,
    durationMs,
    ...(contentType ? { contentType } : {}),
  };
  const ok = res.status >= 200 && res.status < 300;
  if (ok && req.transaction === 'ITI-68') return { ...base, issues: [], references: [], bytes: res.body };
  const text = res.body.toString('utf8');
  const json = isFhirJson(contentType) ? { receivedJson: text } : {};
  if (ok) return { ...base, ...json, ...readSearchset(res.body, contentType) };
  return { ...base, ...json, references: [], ...readOperationOutcome(res.status, res.body, contentType) };
}

const isFhirJson = (ct: string | undefined): boolean => ct === FHIR_JSON || ct === 'application/json';

/** A 2xx ITI-67 answer: a searchset Bundle of MHD Comprehensive DocumentReferences. */
function readSearchset(
  body: Buffer,
  contentType: string | undefined,
): Pick<FhirOutcome, 'issues' | 'references' | 'problem'> {
  if (!isFhirJson(contentType))
    return {
      issues: [],
      references: [],
      problem: `the searchset came as ${contentType ?? 'no Content-Type'}, not ${FHIR_JSON}`,
    };
  let read;
  try {
    read = readSearchsetBundle(body, {
      maxBytes: MAX_SEARCH_BYTES,
      maxEntries: 5000,
      maxDepth: MAX_JSON_DEPTH,
    });
  } catch (err) {
    if (err instanceof FhirReadError)
      return { issues: [], references: [], problem: `the searchset Bundle is not valid: ${err.message}` };
    throw err;
  }
  const problems: string[] = [];
  const references: ReturnedReference[] = [];
  read.matches.forEach((r, k) => {
    if (r.resourceType !== 'DocumentReference') {
      problems.push(`entry ${k} is a ${r.resourceType}, not a DocumentReference`);
      return;
    }
    for (const p of checkComprehensiveDocumentReference(r))
      problems.push(`DocumentReference ${r.id ?? k}: ${p.expression}: ${p.message}`);
    references.push(referenceOf(r));
  });
  return {
    issues: read.outcomes.flatMap((o) => o.issue),
    references,
    ...(problems.length > 0
      ? { problem: `the searchset breaks MHD: ${problems.slice(0, 5).join('; ')}` }
      : {}),
  };
}

/** The ids ITI-68 needs and the hash it is checked against, from one DocumentReference. */
function referenceOf(d: DocumentReference): ReturnedReference {
  const home = d.extension?.find((e) => e.url === HOME_COMMUNITY_ID_EXTENSION)?.valueOid;
  const uniqueId = d.masterIdentifier?.value?.replace(/^urn:oid:/, '');
  const a = d.content[0]?.attachment;
  const out: ReturnedReference = home !== undefined ? { home } : {};
  if (uniqueId === undefined || a?.url === undefined) return out;
  let repositoryUniqueId = '';
  try {
    repositoryUniqueId =
      new URL(a.url, 'http://relative.invalid').searchParams.get('repositoryUniqueId') ?? '';
  } catch {
    // Not a URL: retrieved as written, which fails on its own.
  }
  const sha1Hex = a.hash === undefined ? undefined : base64ToHex(a.hash);
  out.document = {
    uniqueId,
    repositoryUniqueId,
    home: home ?? '',
    url: a.url,
    ...(sha1Hex !== undefined ? { sha1Hex } : {}),
    ...(a.size !== undefined ? { size: a.size } : {}),
    ...(a.contentType !== undefined ? { mimeType: a.contentType } : {}),
  };
  return out;
}

/** A non-2xx answer: an OperationOutcome (FHIR R4 HTTP: errors are OperationOutcomes). */
function readOperationOutcome(
  status: number,
  body: Buffer,
  contentType: string | undefined,
): Pick<FhirOutcome, 'issues' | 'problem'> {
  const not = (why: string): Pick<FhirOutcome, 'issues' | 'problem'> => ({
    issues: [],
    problem: `HTTP ${status} without an OperationOutcome: ${why}`,
  });
  if (!isFhirJson(contentType)) return not(`the body came as ${contentType ?? 'no Content-Type'}`);
  if (body.byteLength > MAX_SEARCH_BYTES) return not(`the body is more than ${MAX_SEARCH_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return not(`the body is not JSON (${(err as Error).message})`);
  }
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    return not(`the body nests deeper than ${MAX_JSON_DEPTH}`);
  const verdict = validateFhirResource('OperationOutcome', value);
  if (!verdict.ok)
    return not(
      verdict.problems
        .slice(0, 3)
        .map((p) => `${p.expression}: ${p.message}`)
        .join('; '),
    );
  return { issues: (value as OperationOutcome).issue };
}

/** One phrase: the failure's code (ECONNREFUSED, a TLS code) or what went wrong. */
function why(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof HttpTransportError) {
    if (err.kind === 'timeout') return 'no answer in time (timed out)';
    return err.code ?? err.message;
  }
  return err.message;
}
