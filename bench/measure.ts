/** Small timing helpers for the benchmarks (wall-clock, ms) and the statistics they print. */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** POST a SOAP 1.2 body and resolve with the round-trip time in ms; throws on a non-200 answer. */
export async function timeRequest(url: string, body: string): Promise<number> {
  const { ms, status } = await timeExchange(url, body);
  if (status !== 200) throw new Error(`HTTP ${status} from ${url}`);
  return ms;
}

/** POST a SOAP 1.2 body, read the answer whole, and resolve with the round-trip time (ms) and the HTTP status. */
export async function timeExchange(url: string, body: string): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/soap+xml; charset=UTF-8' },
  });
  await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status };
}

/** Median of a sorted array. */
export function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The `q`-quantile (0..1, nearest rank) of a sorted, non-empty array, e.g. 0.9 for p90. */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** `values` sorted ascending (a copy). */
export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Connections the load benchmarks hold open (autocannon). */
export const LOAD_CONNECTIONS = 10;
/** How long each load run lasts, s. */
export const LOAD_DURATION_S = 8;

/** How {@link soapLoad} loads: connections held open and seconds, defaults LOAD_CONNECTIONS and LOAD_DURATION_S. */
export interface LoadShape {
  connections?: number;
  durationS?: number;
}

/**
 * POST `body` as SOAP 1.2 to `url` from `shape.connections` connections for `shape.durationS`
 * seconds (autocannon, in this process) and resolve with its figures (requests/s, latency
 * percentiles in ms, byte throughput). `tlsOptions` (node:tls connect options) for an https URL,
 * e.g. a client certificate for mTLS.
 */
export function soapLoad(
  url: string,
  body: string,
  tlsOptions?: object,
  shape: LoadShape = {},
): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/soap+xml; charset=UTF-8' },
    connections: shape.connections ?? LOAD_CONNECTIONS,
    duration: shape.durationS ?? LOAD_DURATION_S,
    ...(tlsOptions ? { tlsOptions } : {}),
  });
}

/** The media type of a FHIR R4 JSON answer (FHIR R4 HTTP 3.1.0.1.10), sent as `Accept`. */
const FHIR_JSON = 'application/fhir+json';

/**
 * GET `url` asking for FHIR JSON (an ITI-67 search, IHE ITI TF-2 3.67), read the answer whole, and
 * resolve with the round-trip time (ms) and the HTTP status.
 */
export async function timeFhirGet(url: string): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { accept: FHIR_JSON } });
  await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status };
}

/**
 * GET `url` asking for FHIR JSON from `shape.connections` connections for `shape.durationS`
 * seconds (autocannon, in this process), like {@link soapLoad}.
 */
export function fhirLoad(url: string, shape: LoadShape = {}): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'GET',
    headers: { accept: FHIR_JSON },
    connections: shape.connections ?? LOAD_CONNECTIONS,
    duration: shape.durationS ?? LOAD_DURATION_S,
  });
}
