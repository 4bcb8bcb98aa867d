/**
 * The summary of a finished {@link ConformanceRun} as a neutral document (headings, paragraphs,
 * tables, one preformatted block), so that summary.md (report-markdown.ts) and summary.html
 * (report-html.ts) say exactly the same thing.
 */
import type { CheckOutcome, CheckResult } from './check.js';
import { pasteText } from './report-paste.js';
import { countsText, targetText, tallyRun, verdict } from './report-tally.js';
import type { ConformanceRun } from './run-model.js';

/** A link inside a table cell (a relative path within the evidence bundle). */
export interface Link {
  text: string;
  href: string;
}

/** A table cell: plain text, or a list of links. */
export type Cell = string | Link[];

/** One block of the summary. `outcomeColumn`: the column holding a {@link CheckOutcome} word. */
export type Block =
  | { kind: 'heading'; level: 1 | 2; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'table'; head: string[]; rows: Cell[][]; outcomeColumn?: number }
  | { kind: 'pre'; text: string };

/** The summary's title. */
export function reportTitle(run: Pick<ConformanceRun, 'mode'>): string {
  return `nir-sim technical conformance report (${run.mode} mode)`;
}

/** The link to an exchange's metadata file in the bundle (evidence-exchanges.ts writes it). */
export function exchangeLink(name: string): Link {
  return { text: name, href: `exchanges/${name}.json` };
}

const n = (x: number): string => String(x);

/** A result's figures as one cell: `took 12 ms; p50Ms 8, p95Ms 11` (names as the check gives them), or `none`. */
export function measurementsText(r: Pick<CheckResult, 'durationMs' | 'measurements'>): string {
  const parts: string[] = [];
  if (r.durationMs !== undefined) parts.push(`took ${r.durationMs} ms`);
  const m = Object.entries(r.measurements ?? {});
  if (m.length > 0) parts.push(m.map(([k, v]) => `${k} ${v}`).join(', '));
  return parts.join('; ') || 'none';
}

/** The blocks of the summary, in order: verdict and facts, tallies, latency, checks, definitions, paste text. */
export function reportDocument(run: ConformanceRun): Block[] {
  const tally = tallyRun(run);
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: reportTitle(run) },
    {
      kind: 'paragraph',
      text: `${verdict(tally)}: ${tally.rows.length} checks, ${countsText(tally.total)}.`,
    },
    {
      kind: 'table',
      head: ['Fact', 'Value'],
      rows: [
        ['Mode', run.mode],
        ['Target', targetText(run)],
        ['Started', run.startedAt],
        ['Finished', run.finishedAt],
        ['Tool', `${run.tool.name} ${run.tool.version}`],
        ['Seed', n(run.seed)],
        ['Topology', run.topology ?? 'none (the target only)'],
        ['Test data', run.testDataSource ?? 'not stated'],
        ['Exchanges', n(run.exchanges.length)],
        ['AuditEvents', n(run.auditEvents.length)],
      ],
    },
    { kind: 'heading', level: 2, text: 'By onboarding item' },
    {
      kind: 'table',
      head: ['Item', 'Passed', 'Failed', 'Skipped', 'Checks'],
      rows: tally.byItem.map(({ item, counts }) => [
        item,
        n(counts.passed),
        n(counts.failed),
        n(counts.skipped),
        tally.rows
          .filter((r) => r.definition.items?.includes(item))
          .map((r) => r.result.id)
          .join(', ') || 'none',
      ]),
    },
    { kind: 'heading', level: 2, text: 'By area' },
    {
      kind: 'table',
      head: ['Area', 'Passed', 'Failed', 'Skipped'],
      rows: tally.byArea.map(({ area, counts }) => [
        area,
        n(counts.passed),
        n(counts.failed),
        n(counts.skipped),
      ]),
    },
  ];
  if (run.latency) {
    const l = run.latency;
    blocks.push(
      { kind: 'heading', level: 2, text: 'Response times (NFT-01)' },
      {
        kind: 'table',
        head: ['Answers', 'p50 (ms)', 'p95 (ms)', 'max (ms)', 'Deadline (ms)'],
        rows: [[n(l.count), n(l.p50Ms), n(l.p95Ms), n(l.maxMs), n(l.deadlineMs)]],
      },
    );
  }
  blocks.push(
    { kind: 'heading', level: 2, text: 'Checks' },
    {
      kind: 'table',
      head: ['Outcome', 'Check', 'Title', 'Message', 'Measurements', 'Exchanges'],
      outcomeColumn: 0,
      rows: tally.rows.map(({ definition, result }) => [
        result.outcome,
        result.id,
        definition.title,
        result.message,
        measurementsText(result),
        result.exchanges.map(exchangeLink),
      ]),
    },
  );
  if (run.requests && run.requests.length > 0) {
    blocks.push(
      { kind: 'heading', level: 2, text: 'Consumer requests' },
      {
        kind: 'table',
        head: ['Transaction id', 'Transaction', 'Started', 'Passed', 'Failed', 'Skipped', 'Failed checks'],
        rows: run.requests.map((r) => {
          const count = (o: CheckOutcome): string => n(r.verdicts.filter((v) => v.outcome === o).length);
          const failed = r.verdicts.filter((v) => v.outcome === 'failed').map((v) => `${v.id}: ${v.message}`);
          return [
            r.transactionId,
            r.transaction,
            r.startedAt,
            count('passed'),
            count('failed'),
            count('skipped'),
            failed.join('; ') || 'none',
          ];
        }),
      },
    );
  }
  blocks.push(
    { kind: 'heading', level: 2, text: 'What each check expects' },
    {
      kind: 'table',
      head: ['Check', 'Given', 'When', 'Then', 'Source', 'Onboarding items'],
      rows: run.checks.map((c) => [
        c.id,
        c.given,
        c.when,
        c.then,
        c.source,
        (c.items ?? []).join(', ') || 'none',
      ]),
    },
    { kind: 'heading', level: 2, text: 'Text for the onboarding portal' },
    {
      kind: 'paragraph',
      text: 'paste.txt holds this text (at most 2,000 characters, the evidence text box of the onboarding portal).',
    },
    { kind: 'pre', text: pasteText(run) },
    { kind: 'heading', level: 2, text: 'Files of this bundle' },
    {
      kind: 'table',
      head: ['File', 'What it holds'],
      rows: [
        ['summary.md, summary.html', 'this summary'],
        ['paste.txt', 'the text for the onboarding portal'],
        ['junit.xml', 'one testsuite per area, one testcase per check (JUnit XML, for CI servers)'],
        ['run.json', 'the whole run for tools; message bodies are in exchanges/'],
        [
          'exchanges/',
          'every HTTP exchange: <name>.request.<ext>, <name>.response.<ext> (.xml, .json, .mime for multipart, .bin) and <name>.json (URL, headers, status, timing, failure)',
        ],
        ['audit-events.ndjson', 'the FHIR R4 AuditEvents of the run, one per line'],
      ],
    },
  );
  return blocks;
}
