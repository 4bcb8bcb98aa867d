/**
 * docs/architecture.md "Import boundaries" and eslint.config.js say the same thing: for every
 * module of `simulator/`, the modules the table lets it import are exactly those the lint's
 * `import-x/no-restricted-paths` zones do not forbid it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Zone {
  target: string;
  from: string;
}

/** The zones of the lint rule, as eslint.config.js builds them. */
async function lintZones(): Promise<Zone[]> {
  const url = pathToFileURL(path.join(repoDir, 'eslint.config.js')).href;
  const config = ((await import(url)) as { default: { rules?: Record<string, unknown> }[] }).default;
  const zones: Zone[] = [];
  for (const c of config) {
    const rule = c.rules?.['import-x/no-restricted-paths'];
    // ['error', { zones }]; other blocks may switch the rule off with a bare severity
    if (Array.isArray(rule)) zones.push(...(rule[1] as { zones: Zone[] }).zones);
  }
  return zones;
}

/** The table's rows: module -> the modules its "may import" cell names. */
function docTable(modules: readonly string[]): Map<string, string[]> {
  const text = readFileSync(path.join(repoDir, 'docs/architecture.md'), 'utf8');
  const section = text.split('## Import boundaries')[1]!.split('\n## ')[0]!;
  const rows = new Map<string, string[]>();
  for (const m of section.matchAll(/^\| `([\w-]+)` +\| (.+?) +\|$/gm)) {
    const [, name, cell] = m as unknown as [string, string, string];
    const listed = cell.split('(')[0]!;
    const names = listed.startsWith('anything')
      ? modules.filter((x) => x !== name)
      : listed
          .split(',')
          .map((x) => x.trim())
          .filter((x) => modules.includes(x));
    rows.set(name, names.sort());
  }
  return rows;
}

describe('docs/architecture.md "Import boundaries" matches eslint.config.js', () => {
  it('lists every module, each with exactly the imports the lint allows it', async () => {
    const zones = (await lintZones()).filter(
      (z) => z.target.startsWith('./simulator/') && z.from.startsWith('./simulator/'),
    );
    const name = (p: string): string => p.slice('./simulator/'.length);
    const modules = [...new Set(zones.map((z) => name(z.target)))].filter((m) => !m.includes('/')).sort();
    const allowedByLint = new Map(
      modules.map((m) => {
        const forbidden = new Set(zones.filter((z) => name(z.target) === m).map((z) => name(z.from)));
        return [m, modules.filter((o) => o !== m && !forbidden.has(o)).sort()];
      }),
    );
    const table = docTable(modules);
    expect(modules.length).toBeGreaterThan(15);
    expect(Object.fromEntries([...table].sort())).toEqual(Object.fromEntries(allowedByLint));
  });
});
