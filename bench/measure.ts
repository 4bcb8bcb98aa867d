/** Small timing helpers for the benchmarks (wall-clock, ms). */
import { performance } from 'node:perf_hooks';

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
