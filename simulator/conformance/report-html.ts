/**
 * summary.html: the summary document (report-document.ts) as one self-contained HTML page (inline
 * CSS, no script, no external resource), every text escaped with escape-html so that a message
 * holding markup stays text. Accessible: `lang`, one h1, tables with column headers (`th scope`),
 * each table named by the heading before it, outcomes written as words (colour only repeats them),
 * wide tables in a keyboard-scrollable region (WCAG 2.2 1.3.1, 1.4.1, 2.1.1).
 */
import escapeHtml from 'escape-html';
import type { Block, Cell } from './report-document.js';

const STYLE = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 1.5rem auto; max-width: 80rem; padding: 0 1rem; color: #1d1d1d; background: #fff; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #b1b4b6; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f2f1; }
td:first-child { white-space: nowrap; } td.outcome { font-weight: bold; }
td.passed { color: #00703c; } td.failed { color: #d4351c; } td.skipped { color: #505a5f; }
pre { background: #f3f2f1; padding: 0.75rem; white-space: pre-wrap; overflow-wrap: anywhere; border: 1px solid #b1b4b6; }
a { color: #1d70b8; } a:focus, .scroll:focus { outline: 3px solid #fd0; }
`.trim();

const e = (s: string): string => escapeHtml(s);

function htmlCell(cell: Cell): string {
  if (typeof cell === 'string') return e(cell);
  if (cell.length === 0) return 'none';
  return cell.map((l) => `<a href="${e(encodeURI(l.href))}">${e(l.text)}</a>`).join(', ');
}

function htmlBlock(b: Block, label: string, id: string): string {
  switch (b.kind) {
    case 'heading':
      return `<h${b.level} id="${id}">${e(b.text)}</h${b.level}>`;
    case 'paragraph':
      return `<p>${e(b.text)}</p>`;
    case 'pre':
      return `<pre>${e(b.text)}</pre>`;
    case 'table': {
      const head = `<tr>${b.head.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr>`;
      const rows = b.rows.map((r) => {
        const cells = r.map((c, i) =>
          i === b.outcomeColumn && typeof c === 'string'
            ? `<td class="outcome ${e(c)}">${e(c)}</td>`
            : `<td>${htmlCell(c)}</td>`,
        );
        return `<tr>${cells.join('')}</tr>`;
      });
      return (
        `<div class="scroll" role="region" tabindex="0" aria-labelledby="${label}">\n` +
        `<table aria-labelledby="${label}">\n<thead>${head}</thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>\n</div>`
      );
    }
  }
}

/** The HTML page of `blocks` titled `title` (UTF-8, ending in one line break). */
export function renderHtml(title: string, blocks: readonly Block[]): string {
  let label = 'h-0';
  const body = blocks.map((b, i) => {
    const id = `h-${i}`;
    if (b.kind === 'heading') label = id;
    return htmlBlock(b, label, id);
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(title)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
