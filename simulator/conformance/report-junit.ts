/**
 * junit.xml: a run as JUnit XML, the format CI servers read (the Ant JUnit / Jenkins xUnit schema:
 * testsuites > testsuite > properties, testcase > failure | skipped): one testsuite per check area,
 * one testcase per check, the result's message on its failure or skipped element. Times in seconds.
 * Every text and attribute goes through the project's XML escaping (soap/xml.ts `esc`), after
 * characters XML 1.0 cannot carry (XML 1.0 §2.2 Char) are replaced by U+FFFD.
 */
import { esc } from '../soap/xml.js';
import { tallyRun, targetText } from './report-tally.js';
import type { ResultRow } from './report-tally.js';
import type { ConformanceRun } from './run-model.js';

/** `s` as XML character data: non-XML characters and lone surrogates become U+FFFD, markup escaped. */
export function xmlText(s: string): string {
  return esc(
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
  );
}

/** `s` as an attribute value: {@link xmlText} with line breaks and tabs kept as character references. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

const secs = (ms: number | undefined): string => ((ms ?? 0) / 1000).toFixed(3);

function testcase(row: ResultRow): string {
  const { definition: d, result: r } = row;
  const open = `    <testcase classname="nir-sim.conformance.${xmlAttr(d.area)}" name="${xmlAttr(`${r.id}: ${d.title}`)}" time="${secs(r.durationMs)}"`;
  const detail = [r.message, ...(r.exchanges.length > 0 ? [`exchanges: ${r.exchanges.join(', ')}`] : [])];
  if (d.source !== '') detail.push(`source: ${d.source}`);
  switch (r.outcome) {
    case 'passed':
      return `${open}/>`;
    case 'skipped':
      return `${open}>\n      <skipped message="${xmlAttr(r.message)}"/>\n    </testcase>`;
    case 'failed':
      return (
        `${open}>\n` +
        `      <failure type="ConformanceCheck" message="${xmlAttr(r.message)}">${xmlText(detail.join('\n'))}</failure>\n` +
        '    </testcase>'
      );
  }
}

/** The JUnit XML document of `run` (UTF-8, ending in one line break). */
export function junitXml(run: ConformanceRun): string {
  const tally = tallyRun(run);
  const props: [string, string][] = [
    ['mode', run.mode],
    ['target', targetText(run)],
    ['tool', `${run.tool.name} ${run.tool.version}`],
    ['seed', String(run.seed)],
    ['startedAt', run.startedAt],
    ['finishedAt', run.finishedAt],
  ];
  if (run.topology !== undefined) props.push(['topology', run.topology]);
  const properties =
    '    <properties>\n' +
    props.map(([k, v]) => `      <property name="${xmlAttr(k)}" value="${xmlAttr(v)}"/>`).join('\n') +
    '\n    </properties>';
  const totalMs = (rows: readonly ResultRow[]): number =>
    rows.reduce((t, r) => t + (r.result.durationMs ?? 0), 0);
  const suites = tally.byArea.map(({ area, counts }) => {
    const rows = tally.rows.filter((r) => r.definition.area === area);
    return (
      `  <testsuite name="${xmlAttr(area)}" tests="${rows.length}" failures="${counts.failed}" errors="0" skipped="${counts.skipped}" time="${secs(totalMs(rows))}" timestamp="${xmlAttr(run.startedAt)}">\n` +
      `${properties}\n` +
      rows.map(testcase).join('\n') +
      '\n  </testsuite>'
    );
  });
  const t = tally.total;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="nir-sim conformance (${run.mode})" tests="${tally.rows.length}" failures="${t.failed}" errors="0" skipped="${t.skipped}" time="${secs(totalMs(tally.rows))}">\n` +
    suites.join('\n') +
    (suites.length > 0 ? '\n' : '') +
    '</testsuites>\n'
  );
}
