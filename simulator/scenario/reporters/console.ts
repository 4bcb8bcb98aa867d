/**
 * The console reporter: one line per step with PASS / FAIL, its duration, and under a failed step
 * each difference between what was expected and what came back. Plain ASCII, readable in a CI log.
 */
import type { ScenarioResult, StepResult } from '../result.js';

/** Render results as text for a terminal. */
export function consoleReport(results: readonly ScenarioResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`scenario ${r.name}: ${r.description}${r.file !== undefined ? `  (${r.file})` : ''}`);
    for (const s of r.steps) out.push(...stepLines(s));
    const passed = r.steps.filter((s) => s.passed).length;
    out.push(
      `${r.passed ? 'PASSED' : 'FAILED'} ${r.name}: ${passed}/${r.steps.length} steps passed (${seconds(r.durationMs)})`,
      '',
    );
  }
  if (results.length > 1) {
    const failed = results.filter((r) => !r.passed);
    out.push(
      `${results.length - failed.length}/${results.length} scenarios passed${failed.length ? `; failed: ${failed.map((r) => r.name).join(', ')}` : ''}`,
    );
  }
  return out.join('\n') + '\n';
}

function stepLines(s: StepResult): string[] {
  const head = `  ${s.passed ? 'PASS' : 'FAIL'}  ${String(s.index).padStart(2)} ${s.kind} ${s.id}: ${s.title}  (${s.durationMs} ms)`;
  return [head, ...s.differences.map((d) => `          ${d}`)];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
