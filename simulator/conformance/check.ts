/**
 * The technical conformance kit's vocabulary: a check (what NIR expects, as Given/When/Then with
 * its source), its result, and the onboarding items it serves. NHS England's Digital Onboarding
 * Service, stage 3, asks for "technical conformance testing for products and versions (provider,
 * consumer or both)" with Given/When/Then items (UAT-01, UAT-02, NFT-01); docs/conformance.md
 * maps every check to them.
 */

/** Which side of NIR the supplier's system plays: a responding gateway (provider) or a consumer. */
export type ConformanceMode = 'provider' | 'consumer';

/**
 * NIR's onboarding items a check gives evidence for: UAT-01 (a known patient with a complete NHS
 * number, queried across all networks: full history, no errors), UAT-02 (as far as its text is
 * published), NFT-01 (a response within the SLA, logged for audit).
 */
export type OnboardingItem = 'UAT-01' | 'UAT-02' | 'NFT-01';

/** The group a check belongs to; also the prefix of its id (ITI38-, ITI39-, RAD75-, SEC-, ROB-, CON-). */
export type CheckArea = 'ITI-38' | 'ITI-39' | 'RAD-75' | 'security' | 'robustness' | 'consumer';

/**
 * One check, as the report and docs/conformance.md show it.
 * - `id`: stable, upper case, the area's prefix then a mnemonic (e.g. `ITI38-HOME`,
 *   `SEC-XUA-EXPIRED`); file-name safe (`[A-Z0-9-]+`).
 * - `given`/`when`/`then`: one sentence each, in the onboarding portal's style.
 * - `source`: the clauses it comes from (e.g. "IHE ITI TF-2 3.38.4.1.3; NIR XCA spec §4.2").
 */
export interface CheckDefinition {
  id: string;
  area: CheckArea;
  title: string;
  given: string;
  when: string;
  then: string;
  source: string;
  items?: OnboardingItem[];
}

/** `skipped`: the check could not run here (say why in `message`, e.g. no `--rad75` URL given). */
export type CheckOutcome = 'passed' | 'failed' | 'skipped';

/**
 * What one check found.
 * - `message`: one or two sentences a supplier acts on: what was expected, what came back, and
 *   where (an element, a header, a document uniqueId); for `passed`, what was verified.
 * - `exchanges`: names of the {@link ExchangeRecord}s (exchange-record.ts) that show it.
 * - `durationMs`: the check's own time, ms, on the run's clock.
 * - `measurements`: figures the check reports (e.g. `p50Ms`, `p95Ms`, `maxMs`, `count`).
 */
export interface CheckResult {
  id: string;
  outcome: CheckOutcome;
  message: string;
  exchanges: string[];
  durationMs?: number;
  measurements?: Record<string, number>;
}

/** A result's message for a check that passed or failed, built the same way everywhere. */
export function result(
  id: string,
  outcome: CheckOutcome,
  message: string,
  exchanges: readonly string[] = [],
): CheckResult {
  return { id, outcome, message, exchanges: [...exchanges] };
}
