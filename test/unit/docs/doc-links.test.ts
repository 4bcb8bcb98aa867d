/**
 * The map of the docs leads somewhere: every relative link in README.md, CONTRIBUTING.md and
 * docs/*.md names a file of the repository and, with a `#fragment`, a heading of that file (GitHub's
 * heading anchors), and every repository path they name in code marks exists, so moving a file or
 * retitling a section cannot leave a dead reference behind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pages = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync(path.join(repoDir, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** A path from the repository's root in code marks, e.g. `simulator/topology/topology.ts`. */
const REPO_PATH =
  /`((?:simulator|test|scripts|bench|compose|postman|scenarios|data-packs|certs|docs|bin)\/[\w./-]+)`/g;

/** A page's text outside fenced code blocks, where links are not links. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/**
 * GitHub's anchor for a heading: lower case, inline code marks and punctuation other than `-` and
 * `_` dropped, spaces turned into `-` (github-slugger's rule, without its duplicate numbering).
 */
function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings. */
function anchorsOf(file: string): Set<string> {
  const text = prose(readFileSync(file, 'utf8'));
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => headingAnchor(m[1]!)));
}

describe('links between the docs', () => {
  it('turns headings into GitHub anchors', () => {
    expect(headingAnchor('Endpoints (defaults of `npm run sim up`)')).toBe(
      'endpoints-defaults-of-npm-run-sim-up',
    );
    expect(headingAnchor('Node, the build and install scripts')).toBe('node-the-build-and-install-scripts');
    expect(headingAnchor('Imaging (RAD-75)')).toBe('imaging-rad-75');
  });

  it.each(pages)('every relative link of %s resolves', (page) => {
    const text = prose(readFileSync(path.join(repoDir, page), 'utf8'));
    const dead: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // https:, mailto: ...
      const [file, fragment] = target!.split('#') as [string, string | undefined];
      const resolved =
        file === '' ? path.join(repoDir, page) : path.resolve(path.dirname(path.join(repoDir, page)), file);
      if (!existsSync(resolved)) dead.push(`${target}: no such file`);
      else if (fragment !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(fragment))
        dead.push(`${target}: no heading with that anchor`);
    }
    expect(dead).toEqual([]);
  });

  it.each(pages)('every repository path %s names in code marks exists', (page) => {
    const text = prose(readFileSync(path.join(repoDir, page), 'utf8'));
    const named = [...text.matchAll(REPO_PATH)].map((m) => m[1]!);
    // certs/out/ is what `sim certs generate` mints, git-ignored.
    const missing = named.filter((p) => !p.startsWith('certs/out') && !existsSync(path.join(repoDir, p)));
    expect(missing).toEqual([]);
  });

  it('the README maps every page of docs/', () => {
    const readme = readFileSync(path.join(repoDir, 'README.md'), 'utf8');
    const missing = pages.filter((p) => p.startsWith('docs/') && !readme.includes(`](${p})`));
    expect(missing).toEqual([]);
  });
});
