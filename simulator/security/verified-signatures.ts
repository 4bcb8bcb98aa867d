/**
 * A bounded cache of XML signature verification results, shared by the XUA validators of one
 * process whose pinned signers are the same (docs/security.md). The broker forwards one signed
 * assertion per request to every community (IHE ITI TF-2 3.40.4.1); a process hosting N simulated
 * gateways would verify those same bytes N times (parse, exclusive C14N, RSA). Here the first
 * successful verification is remembered under SHA-256 of the exact assertion text verified plus
 * the identity of the pinned signer set, and the others reuse what it proved: the signed
 * canonical XML (re-parsed) and which pinned signer verified it.
 *
 * Only what does not depend on time or on the request is cached. Signer certificate validity at
 * `now`, Conditions, audience, attributes and each validator's own replay cache (SAML 2.0
 * Profiles §4.1.4.5) are checked on every call. Only successes are stored; an entry is forgotten
 * at its `expiresAt` (the assertion's NotOnOrAfter plus the clock skew) on the caller's clock, and
 * past `maxEntries` the least recently used entry goes.
 */
import { createHash } from 'node:crypto';
import type { TrustedSigner, VerifiedSignature } from './xua-signature.js';

/** Counters for tests, logs and the bench. */
export interface VerifiedSignatureStats {
  entries: number;
  hits: number;
  misses: number;
  /** Unexpired entries dropped to stay within `maxEntries`. */
  evicted: number;
}

/** Default bound on remembered verifications (each holds one assertion's canonical XML and DOM, a few KB). */
const DEFAULT_ENTRIES = 1_024;

/**
 * The identity of a pinned signer set: SHA-256 (hex) over the sorted SHA-256 fingerprints of
 * their DER certificates, so two validators trusting the same certificates, in any order, share
 * entries and any other set does not.
 */
export function signerSetId(signers: readonly TrustedSigner[]): string {
  const prints = signers.map((s) => createHash('sha256').update(s.cert.raw).digest('hex')).sort();
  return createHash('sha256').update(prints.join('\n')).digest('hex');
}

interface Entry {
  value: VerifiedSignature;
  /** Epoch ms from which the entry is no longer used. */
  expiresAt: number;
}

/** Successful signature verifications by (assertion text, signer set). */
export class VerifiedSignatureCache {
  private readonly entries = new Map<string, Entry>();
  private hits = 0;
  private misses = 0;
  private evicted = 0;

  /** @throws RangeError when `maxEntries` is not an integer >= 1. */
  constructor(private readonly maxEntries = DEFAULT_ENTRIES) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be an integer >= 1');
  }

  /** The key of `assertionXml` (the exact text verified) under the signer set `setId` (signerSetId). */
  static key(assertionXml: string, setId: string): string {
    return `${setId}:${createHash('sha256').update(assertionXml).digest('hex')}`;
  }

  /** The verification stored under `key` if it has not expired at `now` (epoch ms); counts a hit or a miss. */
  get(key: string, now: number): VerifiedSignature | undefined {
    const e = this.entries.get(key);
    if (e === undefined || e.expiresAt <= now) {
      if (e !== undefined) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    // Least recently used order: Map iteration follows insertion, so move the hit to the end.
    this.entries.delete(key);
    this.entries.set(key, e);
    this.hits++;
    return e.value;
  }

  /** Remember a successful verification under `key` until `expiresAt` (epoch ms); ignored if already expired at `now`. */
  set(key: string, value: VerifiedSignature, expiresAt: number, now: number): void {
    if (!(expiresAt > now)) return;
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.makeRoom(now);
    this.entries.set(key, { value, expiresAt });
  }

  /** Current size and counters since start. */
  stats(): VerifiedSignatureStats {
    return { entries: this.entries.size, hits: this.hits, misses: this.misses, evicted: this.evicted };
  }

  private makeRoom(now: number): void {
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
    // Evict down to nine tenths, so the sweep above runs once per tenth of the room (amortised O(1)).
    while (this.entries.size >= this.maxEntries - Math.floor(this.maxEntries / 10) && this.entries.size > 0) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.evicted++;
    }
  }
}
