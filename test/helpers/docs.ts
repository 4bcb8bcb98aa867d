/**
 * The documentation's marked examples, for the tests that keep them true. A block is found by its
 * marker, an HTML comment on the line before it (`<!-- nir-sim:example iti38 -->`, invisible when
 * rendered), never by heading text, so the docs can be reorganised without breaking the tests.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The text of a file of the repository, `file` relative to its root (`README.md`, `docs/faults.md`). */
export function readDoc(file: string): string {
  return readFileSync(path.join(repoDir, file), 'utf8');
}

/** Where `marker` is in `text`; throws naming the file when it is missing or repeated. */
function markerEnd(text: string, file: string, marker: string): number {
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`${file}: no ${marker}`);
  if (text.indexOf(marker, at + 1) >= 0) throw new Error(`${file}: ${marker} appears more than once`);
  return at + marker.length;
}

/**
 * The body of the fenced code block right after `<!-- nir-sim:example NAME -->` in `file`, without
 * its fences (the info string, e.g. `sh` or `yaml`, is dropped).
 * @throws when the marker is missing, repeated, or not followed by a fenced block.
 */
export function docExample(file: string, name: string): string {
  const text = readDoc(file);
  const marker = `<!-- nir-sim:example ${name} -->`;
  const rest = text.slice(markerEnd(text, file, marker));
  const block = /^\s*```[^\n]*\n([\s\S]*?)^```/m.exec(rest);
  if (!block || rest.slice(0, block.index).trim() !== '') {
    throw new Error(`${file}: ${marker} is not followed by a fenced code block`);
  }
  return block[1]!;
}

/**
 * The rows of the Markdown table right after `<!-- nir-sim:table NAME -->` in `file`: every line
 * from the table's header to its last `|` line.
 * @throws when the marker is missing or repeated.
 */
export function docTable(file: string, name: string): string[] {
  const text = readDoc(file);
  const lines = text.slice(markerEnd(text, file, `<!-- nir-sim:table ${name} -->`)).split('\n');
  const first = lines.findIndex((l) => l.trim() !== '');
  const end = lines.findIndex((l, i) => i >= first && !l.startsWith('|'));
  return lines.slice(first, end < 0 ? undefined : end);
}
