/**
 * The figures every report of a finished {@link ConformanceRun} shares: counts of passed, failed and
 * skipped results per check area and per onboarding item (NHS England Digital Onboarding Service,
 * stage 3: UAT-01, UAT-02, NFT-01), the failed check ids, and one line describing the target.
 */
import type { CheckArea, CheckDefinition, CheckOutcome, CheckResult, OnboardingItem } from './check.js';
import type { ConformanceRun } from './run-model.js';

/** Passed, failed and skipped counts. */
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** The onboarding items in the portal's order. */
export const ONBOARDING_ITEMS: readonly OnboardingItem[] = ['UAT-01', 'UAT-02', 'NFT-01'];

/** One result with the definition of its check (a result whose check is not listed gets a bare one). */
export interface ResultRow {
  definition: CheckDefinition;
  result: CheckResult;
}

/** A run's tally. `byArea`: areas in the order their first check appears. */
export interface RunTally {
  rows: ResultRow[];
  total: Counts;
  byArea: { area: CheckArea; counts: Counts }[];
  byItem: { item: OnboardingItem; counts: Counts }[];
  failedIds: string[];
}

const zero = (): Counts => ({ passed: 0, failed: 0, skipped: 0 });

/** The area a check id's prefix names (`ITI38-` -> ITI-38), for a result without a definition. */
function areaOfId(id: string): CheckArea {
  const prefix = id.split('-')[0];
  const byPrefix: Record<string, CheckArea> = {
    ITI38: 'ITI-38',
    ITI39: 'ITI-39',
    RAD75: 'RAD-75',
    SEC: 'security',
    ROB: 'robustness',
    CON: 'consumer',
  };
  return byPrefix[prefix ?? ''] ?? 'robustness';
}

/** Each result paired with its check's definition, in the order of `run.results`. */
export function resultRows(run: Pick<ConformanceRun, 'checks' | 'results'>): ResultRow[] {
  const byId = new Map(run.checks.map((c) => [c.id, c]));
  return run.results.map((result) => ({
    result,
    definition: byId.get(result.id) ?? {
      id: result.id,
      area: areaOfId(result.id),
      title: result.id,
      given: '',
      when: '',
      then: '',
      source: '',
    },
  }));
}

/** The counts of `run`: in total, per area, per onboarding item; the failed ids in run order. */
export function tallyRun(run: Pick<ConformanceRun, 'checks' | 'results'>): RunTally {
  const rows = resultRows(run);
  const total = zero();
  const areas = new Map<CheckArea, Counts>();
  const items = new Map<OnboardingItem, Counts>(ONBOARDING_ITEMS.map((i) => [i, zero()]));
  const add = (c: Counts, o: CheckOutcome): void => {
    c[o] += 1;
  };
  for (const { definition, result } of rows) {
    add(total, result.outcome);
    if (!areas.has(definition.area)) areas.set(definition.area, zero());
    add(areas.get(definition.area)!, result.outcome);
    for (const item of definition.items ?? []) add(items.get(item)!, result.outcome);
  }
  return {
    rows,
    total,
    byArea: [...areas].map(([area, counts]) => ({ area, counts })),
    byItem: [...items].map(([item, counts]) => ({ item, counts })),
    failedIds: rows.filter((r) => r.result.outcome === 'failed').map((r) => r.result.id),
  };
}

/** `12 passed, 1 failed, 3 skipped`. */
export function countsText(c: Counts): string {
  return `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;
}

/** The run's verdict word: FAILED when any result failed, else PASSED. */
export function verdict(tally: Pick<RunTally, 'total'>): 'PASSED' | 'FAILED' {
  return tally.total.failed > 0 ? 'FAILED' : 'PASSED';
}

/** One line naming what was tested: the responding gateway (provider mode) or the broker and consumer. */
export function targetText(run: Pick<ConformanceRun, 'mode' | 'target'>): string {
  const t = run.target;
  if ('homeCommunityId' in t) {
    const rad75 = t.rad75Url === undefined ? 'no RAD-75 URL' : `RAD-75 ${t.rad75Url}`;
    return `responding gateway ${t.homeCommunityId} (ITI-38 ${t.iti38Url}, ITI-39 ${t.iti39Url}, ${rad75})`;
  }
  const who = t.consumer === undefined ? 'every consumer' : `consumer ${t.consumer}`;
  const since = t.since === undefined ? '' : `, requests since ${t.since}`;
  return `${who} via the broker at ${t.brokerUrl}${since}`;
}
