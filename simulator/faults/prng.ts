/**
 * A small seeded PRNG (mulberry32, public domain) so that fault probabilities repeat exactly for
 * the same seed. One stream per fault: adding a fault never shifts another fault's draws.
 */
import { createHash } from 'node:crypto';

/** A function returning floats uniformly in [0, 1). */
export type Prng = () => number;

/** mulberry32 over a 32-bit seed. */
export function mulberry32(seed: number): Prng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The stream for one fault: derived from the topology seed and the fault's name. */
export function faultPrng(seed: number, faultName: string): Prng {
  const h = createHash('sha256').update(`${seed}:${faultName}`).digest();
  return mulberry32(h.readUInt32BE(0));
}
