/**
 * paste.txt: the evidence text for NHS England's onboarding portal, whose evidence box takes up to
 * 2,000 characters per test case (Digital Onboarding Service, stage 3). The most important facts come
 * first (verdict, target, date, tool version and seed, counts per onboarding item and per area, the
 * failed check ids); the list of failed ids is shortened to fit, never the facts before it.
 */
import { countsText, targetText, tallyRun, verdict } from './report-tally.js';
import type { ConformanceRun } from './run-model.js';

/** The portal's limit, characters. */
export const PASTE_MAX_CHARS = 2000;

/**
 * The characters `text` counts for in a browser form: a line break is sent as CR LF (HTML Living
 * Standard 4.10.11, textarea "wrap" and form submission newline normalisation), so it counts 2.
 * UTF-16 code units, never fewer than code points.
 */
export function pasteLength(text: string): number {
  let breaks = 0;
  for (const c of text) if (c === '\n') breaks += 1;
  return text.length + breaks;
}

/** `s` cut to at most `max` UTF-16 units, ending in `…` when cut, never splitting a surrogate pair. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = Math.max(0, max - 1);
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}…`;
}

/** Longest a single free-text field (target, topology, test-data source) may be, characters. */
const FIELD_MAX = 300;

/** The paste text of `run`: at most {@link PASTE_MAX_CHARS} by {@link pasteLength}, lines joined with LF. */
export function pasteText(run: ConformanceRun, max = PASTE_MAX_CHARS): string {
  const tally = tallyRun(run);
  const lines = [
    `nir-sim technical conformance, ${run.mode} mode: ${verdict(tally)} (${tally.rows.length} checks: ${countsText(tally.total)})`,
    `Target: ${clip(targetText(run), FIELD_MAX)}`,
    `Date: ${run.startedAt} to ${run.finishedAt}`,
    `Tool: ${run.tool.name} ${clip(run.tool.version, 40)}, seed ${run.seed}`,
  ];
  if (run.topology !== undefined) lines.push(`Topology: ${clip(run.topology, FIELD_MAX)}`);
  if (run.testDataSource !== undefined) lines.push(`Test data: ${clip(run.testDataSource, FIELD_MAX)}`);
  for (const { item, counts } of tally.byItem) lines.push(`${item}: ${countsText(counts)}`);
  for (const { area, counts } of tally.byArea) lines.push(`Area ${area}: ${countsText(counts)}`);
  if (run.latency) {
    const l = run.latency;
    lines.push(
      `NFT-01 response times: p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, max ${l.maxMs} ms over ${l.count} answers (deadline ${l.deadlineMs} ms)`,
    );
  }
  lines.push('Evidence: the attached zip holds summary.html, junit.xml, run.json and every exchange.');
  const head = lines.join('\n');
  const failed = tally.failedIds;
  const withFailed = (shown: number): string => {
    if (failed.length === 0) return `${head}\nFailed checks: none`;
    const more = failed.length - shown;
    const list = failed.slice(0, shown).join(', ');
    const tail = more > 0 ? `${shown > 0 ? `${list}, ` : ''}and ${more} more (summary.md lists them)` : list;
    return `${head}\nFailed checks (${failed.length}): ${tail}`;
  };
  let shown = failed.length;
  let text = withFailed(shown);
  while (pasteLength(text) > max && shown > 0) text = withFailed(--shown);
  // The head alone is bounded (fields are clipped, areas and items are few); cut it if a smaller
  // `max` asks for it.
  while (pasteLength(text) > max) text = clip(text, text.length - (pasteLength(text) - max));
  return text;
}
