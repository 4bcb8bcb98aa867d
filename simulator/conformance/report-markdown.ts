/**
 * summary.md: the summary document (report-document.ts) as CommonMark with GitHub-flavoured tables
 * (GFM spec 0.29, "Tables (extension)"). Text is escaped so that a message never becomes markup.
 */
import type { Block, Cell } from './report-document.js';

/** `s` as literal Markdown inline text: punctuation escaped (CommonMark 2.4), line breaks as spaces. */
export function mdText(s: string): string {
  return s.replace(/\r\n|\r|\n/g, ' ').replace(/[\\`*_[\]<>|#&!]/g, (c) => `\\${c}`);
}

function mdCell(cell: Cell): string {
  if (typeof cell === 'string') return mdText(cell);
  if (cell.length === 0) return 'none';
  return cell.map((l) => `[${mdText(l.text)}](${encodeURI(l.href)})`).join(', ');
}

/** A fenced code block holding `text` verbatim: the fence is longer than any backtick run inside. */
function fenced(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

function mdBlock(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `${'#'.repeat(b.level)} ${mdText(b.text)}`;
    case 'paragraph':
      return mdText(b.text);
    case 'pre':
      return fenced(b.text);
    case 'table':
      return [
        `| ${b.head.map(mdText).join(' | ')} |`,
        `|${b.head.map(() => ' --- ').join('|')}|`,
        ...b.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
      ].join('\n');
  }
}

/** The Markdown of `blocks`, blocks separated by a blank line, ending in one line break. */
export function renderMarkdown(blocks: readonly Block[]): string {
  return `${blocks.map(mdBlock).join('\n\n')}\n`;
}
