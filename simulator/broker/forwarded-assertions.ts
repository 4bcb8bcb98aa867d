/**
 * Reusing the broker's signed forwarded assertion across consumer requests that would carry the
 * same claims. IHE XUA (ITI TF-2 3.40.4.1) does not ask for one assertion per transaction and
 * leaves replay protection to the X-Service Provider (3.40.4.2); the one-time use of SAML 2.0
 * Profiles §4.1.4.5 belongs to the Web Browser SSO profile. The broker signs one assertion per (issuer, user, organisation, home
 * community, role, purpose of use, patient, audiences) and reuses it for `reuseMs` (default half
 * its lifetime, so every reused assertion reaches a community with at least half its validity
 * left); then the next request signs a new one. Signing, and the communities' signature check,
 * then leave the request's critical path: the communities' verification cache
 * (security/verified-signatures.ts) finds the same bytes again. Each message still carries its
 * own wsu:Timestamp and wsa:MessageID, and the communities' replay caches refuse the same message
 * twice (security/xua-validate.ts `assertionReuse`).
 */
import type { AssertionInput } from '../security/xua-issue.js';

/** Counters for tests, logs and the bench. */
export interface ForwardedAssertionStats {
  entries: number;
  /** Requests that reused a signed (or signing) assertion. */
  reused: number;
  /** Requests that started a new signature. */
  signed: number;
}

interface Entry {
  /** The signed assertion text (settles once the signature is computed). */
  assertion: Promise<string>;
  /** Its IssueInstant / NotBefore, epoch ms. */
  issuedAt: number;
}

/** Default bound on remembered assertions (each a few KB). */
const DEFAULT_ENTRIES = 1_024;

/** The claims an assertion carries, as a key: everything of `a` except its time, lifetime and ID. */
function claimsKey(a: AssertionInput): string {
  return JSON.stringify([
    a.issuer,
    a.subjectId,
    a.nameId ?? null,
    a.organization,
    a.organizationId,
    a.homeCommunityId,
    a.homeCommunityIdAttribute ?? null,
    [a.role.code, a.role.codeSystem, a.role.codeSystemName, a.role.displayName],
    [
      a.purposeOfUse.code,
      a.purposeOfUse.codeSystem,
      a.purposeOfUse.codeSystemName,
      a.purposeOfUse.displayName,
    ],
    a.purposeOfUseElement ?? null,
    a.resourceId ?? null,
    a.audiences,
  ]);
}

/** Signed forwarded assertions by claims, each reused for `reuseMs` after its IssueInstant. */
export class ForwardedAssertions {
  private readonly entries = new Map<string, Entry>();
  private reused = 0;
  private signed = 0;

  /**
   * @param reuseMs how long after its IssueInstant an assertion is reused, ms (0: never reused,
   *   one signature per request).
   * @param maxEntries bound on remembered assertions; past it the least recently used goes.
   * @throws RangeError when `reuseMs` is not a finite number >= 0 or `maxEntries` not an integer >= 1.
   */
  constructor(
    readonly reuseMs: number,
    private readonly maxEntries = DEFAULT_ENTRIES,
  ) {
    if (!Number.isFinite(reuseMs) || reuseMs < 0) throw new RangeError('reuseMs must be a number >= 0');
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError('maxEntries must be an integer >= 1');
  }

  /**
   * The signed assertion for `input`'s claims: one signed at most `reuseMs` before `input.now`
   * (and not after it), else `sign(input)`'s, remembered. A signature that fails is forgotten, so
   * the next request tries again.
   * @rejects as `sign` rejects.
   */
  get(input: AssertionInput, sign: (input: AssertionInput) => Promise<string>): Promise<string> {
    const now = input.now.getTime();
    const key = claimsKey(input);
    const e = this.entries.get(key);
    this.entries.delete(key); // re-inserted below: Map order is least recently used first
    if (e && e.issuedAt <= now && now < e.issuedAt + this.reuseMs) {
      this.entries.set(key, e);
      this.reused++;
      return e.assertion;
    }
    const fresh: Entry = { assertion: sign(input), issuedAt: now };
    fresh.assertion.catch(() => {
      if (this.entries.get(key) === fresh) this.entries.delete(key);
    });
    if (this.reuseMs > 0) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, fresh);
    }
    this.signed++;
    return fresh.assertion;
  }

  /** Current size and counters since start. */
  stats(): ForwardedAssertionStats {
    return { entries: this.entries.size, reused: this.reused, signed: this.signed };
  }
}
