/**
 * `npm run docs:conformance`: rewrites the check tables of docs/conformance.md (between the
 * `BEGIN`/`END generated checks` markers) from the kit's registries, `providerChecks` and
 * `consumerChecks` (simulator/conformance/provider-checks.ts, consumer-checks.ts): each check's id,
 * area, Given/When/Then, source and onboarding items. The rest of the page is written by hand.
 * test/unit/docs/conformance-reference.test.ts fails when the committed page differs from what this
 * writes: that is the CI check.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CheckDefinition } from '../simulator/conformance/check.js';
import { consumerChecks } from '../simulator/conformance/consumer-checks.js';
import { providerChecks } from '../simulator/conformance/provider-checks.js';
import { mdText } from '../simulator/conformance/report-markdown.js';

/** The repository root (this file is `<root>/scripts/conformance-reference.ts`). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The page whose marked section is generated. */
export const conformanceDocFile = path.join(repoRoot, 'docs', 'conformance.md');

export const BEGIN_MARKER =
  '<!-- BEGIN generated checks: `npm run docs:conformance` (scripts/conformance-reference.ts) writes this section from the registries; do not edit by hand -->';
export const END_MARKER = '<!-- END generated checks -->';

/** One mode's table: a row per check, in the registry's (the run's) order. */
function checkTable(checks: readonly CheckDefinition[]): string {
  if (checks.length === 0) return 'No checks are registered yet.';
  const rows = checks.map((c) =>
    [
      `\`${c.id}\``,
      mdText(c.area),
      `**Given** ${mdText(c.given)}<br>**When** ${mdText(c.when)}<br>**Then** ${mdText(c.then)}`,
      mdText(c.source),
      (c.items ?? []).join(', ') || 'none',
    ].join(' | '),
  );
  return [
    '| Check | Area | Given / When / Then | Source | Onboarding items |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}

/** The generated section (without its markers) for the given checks. */
export function checksSection(
  provider: readonly CheckDefinition[],
  consumer: readonly CheckDefinition[],
): string {
  return [
    `### Provider checks (${provider.length})`,
    '',
    'In the order a provider run executes them and the report lists them.',
    '',
    checkTable(provider),
    '',
    `### Consumer checks (${consumer.length})`,
    '',
    "Judged on every request a consumer sends to the sim's broker.",
    '',
    checkTable(consumer),
  ].join('\n');
}

/**
 * `page` with the text between its markers replaced by `section`.
 * @throws when the page lacks either marker, or has them out of order.
 */
export function withChecksSection(page: string, section: string): string {
  const begin = page.indexOf(BEGIN_MARKER);
  const end = page.indexOf(END_MARKER);
  if (begin < 0 || end < begin) {
    throw new Error(
      `docs/conformance.md must hold the markers ${BEGIN_MARKER} and ${END_MARKER}, in that order`,
    );
  }
  return `${page.slice(0, begin + BEGIN_MARKER.length)}\n\n${section}\n\n${page.slice(end)}`;
}

/** docs/conformance.md as `npm run docs:conformance` writes it from the registries today. */
export function generatedConformanceDoc(page: string): string {
  return withChecksSection(
    page,
    checksSection(
      providerChecks.map((c) => c.definition),
      consumerChecks.map((c) => c.definition),
    ),
  );
}

function main(): void {
  const page = readFileSync(conformanceDocFile, 'utf8');
  writeFileSync(conformanceDocFile, generatedConformanceDoc(page));
  process.stdout.write(`wrote ${path.relative(process.cwd(), conformanceDocFile)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    main();
  } catch (err: unknown) {
    process.stderr.write(`docs:conformance: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
