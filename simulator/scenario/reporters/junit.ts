/**
 * The JUnit XML reporter, the de-facto format CI systems read (the Ant JUnit / Jenkins xUnit
 * schema: testsuites > testsuite > testcase > failure): one testsuite per scenario, one testcase
 * per step, each difference a line of the failure's text. Times in seconds.
 */
import { esc } from '../../soap/xml.js';
import type { ScenarioResult, StepResult } from '../result.js';

/** Text made safe for XML 1.0: characters XML cannot carry become U+FFFD, markup is escaped. */
function xmlText(s: string): string {
  return esc(
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
      .replace(/[\uD800-\uDFFF]/g, (c, i: number, all: string) => (validSurrogate(all, i) ? c : '\uFFFD')),
  );
}

/** True when the surrogate at `i` is half of a well-formed pair. */
function validSurrogate(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c <= 0xdbff) return i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff;
  return i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff;
}

const secs = (ms: number): string => (ms / 1000).toFixed(3);

function testcase(suite: string, s: StepResult): string {
  const name = `${String(s.index).padStart(2, '0')} ${s.kind} ${s.id}: ${s.title}`;
  const open = `    <testcase classname="nir-sim.scenario.${xmlText(suite)}" name="${xmlText(name)}" time="${secs(s.durationMs)}"`;
  if (s.passed) return `${open}/>`;
  const message = s.differences[0] ?? 'failed';
  return (
    `${open}>\n` +
    `      <failure type="ScenarioExpectation" message="${xmlText(message)}">${xmlText(s.differences.join('\n'))}</failure>\n` +
    '    </testcase>'
  );
}

/** Render results as a JUnit XML document (UTF-8). */
export function junitReport(results: readonly ScenarioResult[]): string {
  const count = (r: ScenarioResult): number => r.steps.filter((s) => !s.passed).length;
  const tests = results.reduce((n, r) => n + r.steps.length, 0);
  const failures = results.reduce((n, r) => n + count(r), 0);
  const time = results.reduce((n, r) => n + r.durationMs, 0);
  const suites = results.map((r) => {
    const props = [`      <property name="description" value="${xmlText(r.description)}"/>`];
    if (r.file !== undefined) props.push(`      <property name="file" value="${xmlText(r.file)}"/>`);
    return (
      `  <testsuite name="${xmlText(r.name)}" tests="${r.steps.length}" failures="${count(r)}" errors="0" skipped="0" time="${secs(r.durationMs)}">\n` +
      `    <properties>\n${props.join('\n')}\n    </properties>\n` +
      r.steps.map((s) => testcase(r.name, s)).join('\n') +
      '\n  </testsuite>'
    );
  });
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="nir-sim scenarios" tests="${tests}" failures="${failures}" errors="0" time="${secs(time)}">\n` +
    suites.join('\n') +
    '\n</testsuites>\n'
  );
}
