/** Small timing helpers for the benchmarks (wall-clock, ms). */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** POST a SOAP 1.2 body and resolve with the round-trip time in ms; throws on a non-200 answer. */
export async function timeRequest(url: string, body: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/soap+xml; charset=UTF-8' },
  });
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`HTTP ${res.status} from ${url}`);
  return ms;
}

/** Median of a sorted array. */
export function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Connections the load benchmarks hold open (autocannon). */
export const LOAD_CONNECTIONS = 10;
/** How long each load run lasts, s. */
export const LOAD_DURATION_S = 8;

/**
 * POST `body` as SOAP 1.2 to `url` from LOAD_CONNECTIONS connections for LOAD_DURATION_S seconds
 * (autocannon) and resolve with its figures (requests/s, latency percentiles in ms, byte throughput).
 * `tlsOptions` (node:tls connect options) for an https URL, e.g. a client certificate for mTLS.
 */
export function soapLoad(url: string, body: string, tlsOptions?: object): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/soap+xml; charset=UTF-8' },
    connections: LOAD_CONNECTIONS,
    duration: LOAD_DURATION_S,
    ...(tlsOptions ? { tlsOptions } : {}),
  });
}
