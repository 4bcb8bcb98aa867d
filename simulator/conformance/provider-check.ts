/**
 * A provider-mode check: what it needs to run against a supplier's responding gateway, and its
 * shape. Each check sends what it needs through the run's {@link Initiator} (so every exchange is
 * in the evidence) and returns one {@link CheckResult}.
 */
import type { DeadlineClock } from '../shared/clock.js';
import type { ClientTls } from '../transport/http-agent.js';
import type { CheckDefinition, CheckResult } from './check.js';
import type { Initiator } from './initiator.js';
import type { ConformanceTestData } from './test-data.js';

/** The supplier's responding gateway (XCA, IHE ITI TF-1 18; XCA-I, RAD TF-1 29). */
export interface ProviderTarget {
  iti38Url: string;
  iti39Url: string;
  /** Absent: the RAD-75 checks are `skipped`. */
  rad75Url?: string;
  /** Its homeCommunityId, `urn:oid:...`. */
  homeCommunityId: string;
}

/**
 * NIR's security material as the kit holds it (`--security`): what a valid request carries, and
 * what the security checks need to build invalid ones.
 * - `tls`: NIR's client certificate and key, and the CA(s) the supplier's server certificate chains to.
 * - `signer`: NIR's XUA signing certificate and key (PEM).
 * - `nirCa`: NIR's root CA (certificate and key, PEM), to mint an expired or revoked NIR client
 *   certificate or one from another root for the TLS checks.
 * - `securityHeader`: the valid wsse:Security block NIR sends for a patient and audience.
 */
export interface ProviderSecurity {
  tls: ClientTls;
  signer: { certPem: string; keyPem: string };
  nirCa: { certPem: string; keyPem: string };
  /** A NIR client certificate and key that NIR's CRL lists (RFC 5280 §5.3.1), for SEC-TLS-REVOKED. */
  revokedClient?: { certPem: string; keyPem: string };
  securityHeader(req: { patientCx?: string; audience: string }): Promise<string>;
}

/** Everything a provider check may use. */
export interface ProviderContext {
  target: ProviderTarget;
  testData: ConformanceTestData;
  initiator: Initiator;
  /** Absent: plain HTTP; the security checks are `skipped`. */
  security?: ProviderSecurity;
  clock: DeadlineClock;
  /** NIR's per-community deadline, ms: an answer later than this is a failure (NFT-01). */
  deadlineMs: number;
  /** The run's seed (ids and picks derive from it, so runs repeat exactly). */
  seed: number;
  /**
   * A fresh `urn:uuid:` derived from the seed (provider-run.ts `seededIds`), for any id a check
   * makes (an assertion's ID, a picked uniqueId): the same seed gives the same sequence.
   */
  newId?: () => string;
}

/** One check: its definition and how to run it. `run` never throws for what the target does. */
export interface ProviderCheck {
  definition: CheckDefinition;
  run(ctx: ProviderContext): Promise<CheckResult>;
}
