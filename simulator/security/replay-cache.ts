/**
 * The assertion IDs already accepted, so the same assertion cannot be presented twice within its
 * validity (SAML 2.0 Profiles §4.1.4.5: keep "the set of used ID values for the length of time
 * for which the assertion would be considered valid based on the NotOnOrAfter attribute"; the
 * XUA profile, IHE ITI TF-2 3.40.4.2, leaves replay protection to the X-Service Provider). Keyed
 * by Issuer + ID (an ID is unique per issuer, SAML 2.0 Core §1.3.4); an entry is forgotten once
 * its assertion has expired (NotOnOrAfter + the allowed clock skew). Bounded: past `maxEntries`,
 * expired entries are swept and, if none were, the oldest entry is dropped (counted in `evicted`).
 */

/** Counters for logs and status. */
interface ReplayCacheStats {
  entries: number;
  /** Unexpired entries dropped to stay within `maxEntries` (each weakens replay protection). */
  evicted: number;
}

/** Default bound on remembered assertions (about 15 MB of keys at most). */
const DEFAULT_REPLAY_CACHE_ENTRIES = 100_000;

/** Assertion IDs seen, with the epoch ms until which each must not be accepted again. */
export class ReplayCache {
  private readonly expiries = new Map<string, number>();
  private evicted = 0;

  /** @throws RangeError when `maxEntries` is not an integer >= 1. */
  constructor(private readonly maxEntries = DEFAULT_REPLAY_CACHE_ENTRIES) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be an integer >= 1');
  }

  /**
   * Remember `issuer` + `id` until `expiresAt` (epoch ms) and answer true, or answer false when
   * that pair was remembered and has not expired at `now` (a replay).
   */
  firstUse(issuer: string, id: string, expiresAt: number, now: number): boolean {
    const key = `${issuer}\n${id}`;
    const known = this.expiries.get(key);
    if (known !== undefined && known > now) return false;
    if (known !== undefined) this.expiries.delete(key);
    if (this.expiries.size >= this.maxEntries) this.makeRoom(now);
    this.expiries.set(key, expiresAt);
    return true;
  }

  /** Current size and evictions since start. */
  stats(): ReplayCacheStats {
    return { entries: this.expiries.size, evicted: this.evicted };
  }

  private makeRoom(now: number): void {
    for (const [k, exp] of this.expiries) if (exp <= now) this.expiries.delete(k);
    // Sweep again only once a tenth of the room is used up, so the sweep stays amortised O(1).
    while (
      this.expiries.size >= this.maxEntries - Math.floor(this.maxEntries / 10) &&
      this.expiries.size > 0
    ) {
      const oldest = this.expiries.keys().next().value as string;
      this.expiries.delete(oldest);
      this.evicted++;
    }
  }
}
