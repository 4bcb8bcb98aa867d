/** The reporters by name, as `sim scenario run --reporter` offers them. */
import type { ScenarioResult } from '../result.js';
import { consoleReport } from './console.js';
import { jsonReport } from './json.js';
import { junitReport } from './junit.js';

/** Reporter names. */
export const REPORTERS = ['console', 'json', 'junit'] as const;
/** A reporter name. */
export type ReporterName = (typeof REPORTERS)[number];

/** Render `results` with the named reporter. */
export function report(name: ReporterName, results: readonly ScenarioResult[]): string {
  switch (name) {
    case 'console':
      return consoleReport(results);
    case 'json':
      return jsonReport(results);
    case 'junit':
      return junitReport(results);
  }
}

/** The reporters one by one. */
export { consoleReport, jsonReport, junitReport };
