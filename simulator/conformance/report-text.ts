/**
 * The run's summary as the CLI prints it: one line per check (outcome, id, title, message), then the
 * counts per onboarding item and the verdict. Plain text, no colour; line breaks inside a message
 * become spaces so that each check stays on its line.
 */
import { countsText, tallyRun, targetText, verdict } from './report-tally.js';
import type { ConformanceRun } from './run-model.js';

const OUTCOME_WORD = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' } as const;

const oneLine = (s: string): string => s.replace(/\s*[\r\n]+\s*/g, ' ');

/** The text the CLI prints for a finished run, ending in one line break. */
export function summaryText(run: ConformanceRun): string {
  const tally = tallyRun(run);
  const lines = [`${run.mode} conformance: ${targetText(run)}`];
  for (const { definition, result } of tally.rows) {
    lines.push(
      `${OUTCOME_WORD[result.outcome]}  ${result.id}  ${oneLine(definition.title)}: ${oneLine(result.message)}`,
    );
  }
  lines.push('');
  for (const { item, counts } of tally.byItem) lines.push(`${item}: ${countsText(counts)}`);
  if (run.latency) {
    const l = run.latency;
    lines.push(
      `NFT-01 response times: p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, max ${l.maxMs} ms over ${l.count} answers`,
    );
  }
  lines.push(`${verdict(tally)}: ${tally.rows.length} checks, ${countsText(tally.total)}`);
  return `${lines.join('\n')}\n`;
}
