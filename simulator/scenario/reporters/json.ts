/** The JSON reporter: the run's results as data (`ScenarioResult[]`, see result.ts), for tools. */
import type { ScenarioResult } from '../result.js';

/** Render results as pretty-printed JSON: `{ passed, scenarios: ScenarioResult[] }`. */
export function jsonReport(results: readonly ScenarioResult[]): string {
  return JSON.stringify({ passed: results.every((r) => r.passed), scenarios: results }, null, 2) + '\n';
}
