/**
 * The value syntax of stored-query parameters (ITI TF-2 3.18.4.1.2.3.5, used unchanged by ITI-38):
 * strings in single quotes with an embedded quote doubled (`'O''Brien'`), numbers and DTM times
 * unquoted, lists in parentheses (`('a','b')`, possibly spread over several rim:Value elements),
 * coded values as `'code^^codingScheme'` inside a list. Parsing throws SlotValueError with a
 * message that starts "value ..." so `stored-query.ts` can prefix the parameter name.
 */
import type { CodeValue } from './stored-query-model.js';

/** A parameter value that breaks the syntax of ITI TF-2 3.18.4.1.2.3.5. `message` quotes the offending text. */
export class SlotValueError extends Error {
  override readonly name = 'SlotValueError';
}

/** One parsed list item: a quoted string (unescaped) or an unquoted integer (as written). */
type ListItem = { kind: 'string'; value: string } | { kind: 'number'; value: string };

const INTEGER = /^-?\d+$/;
const DTM_LENGTHS: ReadonlySet<number> = new Set([4, 6, 8, 10, 12, 14]);

/** Reads the quoted string starting at `s[start] === "'"`; returns the unescaped text and the index after the closing quote. */
function scanQuoted(s: string, start: number, whole: string): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < s.length) {
    const c = s[i]!;
    if (c === "'") {
      if (s[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
    i += 1;
  }
  throw new SlotValueError(`value ${whole} has an unterminated quoted string`);
}

/**
 * `'text'` -> `text` (`''` inside -> `'`). Surrounding whitespace is ignored.
 * @throws SlotValueError `value X is not a quoted string ('...')`, or text after the closing quote.
 */
export function parseQuotedString(raw: string): string {
  const t = raw.trim();
  if (!t.startsWith("'")) throw new SlotValueError(`value ${raw} is not a quoted string ('...')`);
  const { value, end } = scanQuoted(t, 0, raw);
  if (end !== t.length) {
    throw new SlotValueError(
      `value ${raw} has text after the closing quote (a quote inside a string is written '')`,
    );
  }
  return value;
}

/**
 * An unquoted integer, returned as written (trimmed).
 * @throws SlotValueError `value X is not an unquoted number`.
 */
export function parseNumber(raw: string): string {
  const t = raw.trim();
  if (!INTEGER.test(t)) throw new SlotValueError(`value ${raw} is not an unquoted number`);
  return t;
}

/**
 * An unquoted DTM `YYYY[MM[DD[hh[mm[ss]]]]]` (UTC; ITI TF-2 3.18.4.1.2.3.5), returned as written (trimmed).
 * @throws SlotValueError when quoted, not digits, or not 4, 6, 8, 10, 12 or 14 digits long.
 */
export function parseDtm(raw: string): string {
  const t = raw.trim();
  if (!/^\d+$/.test(t) || !DTM_LENGTHS.has(t.length)) {
    throw new SlotValueError(`value ${raw} is not an unquoted DTM time YYYY[MM[DD[hh[mm[ss]]]]]`);
  }
  return t;
}

/**
 * One rim:Value holding a list: `( item , item ... )`, each item a quoted string or an unquoted
 * integer; whitespace around items is ignored; commas inside quotes are text.
 * @throws SlotValueError when not in parentheses, empty, with an empty item (`('a',,'b')`, trailing
 *   comma), with an item that is neither quoted nor an integer, or with an unterminated string.
 */
export function parseList(raw: string): ListItem[] {
  const t = raw.trim();
  if (!(t.startsWith('(') && t.endsWith(')'))) {
    throw new SlotValueError(`value ${raw} is not a list in parentheses ('a','b')`);
  }
  const inner = t.slice(1, -1);
  if (inner.trim() === '') throw new SlotValueError(`value ${raw} is an empty list`);
  const items: ListItem[] = [];
  let i = 0;
  for (;;) {
    while (i < inner.length && /\s/.test(inner[i]!)) i += 1;
    if (inner[i] === "'") {
      const q = scanQuoted(inner, i, raw);
      items.push({ kind: 'string', value: q.value });
      i = q.end;
    } else {
      const comma = inner.indexOf(',', i);
      const token = inner.slice(i, comma < 0 ? inner.length : comma).trim();
      if (token === '') throw new SlotValueError(`value ${raw} has an empty list item`);
      if (!INTEGER.test(token))
        throw new SlotValueError(`value ${raw}: item ${token} is not a quoted string ('...')`);
      items.push({ kind: 'number', value: token });
      i = comma < 0 ? inner.length : comma;
    }
    while (i < inner.length && /\s/.test(inner[i]!)) i += 1;
    if (i >= inner.length) return items;
    if (inner[i] !== ',')
      throw new SlotValueError(`value ${raw} has text after a list item where a comma should be`);
    i += 1;
  }
}

/**
 * The quoted strings of a parameter spread over one or more rim:Value lists, concatenated in order
 * (ITI TF-2 3.18.4.1.2.3.5: `('a')` + `('b','c')` = `('a','b','c')`).
 * @throws SlotValueError as `parseList`, or `item N is a number` when an item is unquoted.
 */
export function parseStringList(values: readonly string[]): string[] {
  return values.flatMap((raw) =>
    parseList(raw).map((item) => {
      if (item.kind !== 'string')
        throw new SlotValueError(`value ${raw}: item ${item.value} is not a quoted string ('...')`);
      return item.value;
    }),
  );
}

/**
 * `code^^codingScheme` (the unquoted text of one list item) -> `{ code, codingScheme }`, split at
 * the first `^^` (ITI TF-2 3.18.4.1.2.3.5, coded parameters).
 * @throws SlotValueError when `^^` is absent or the code or the coding scheme is empty.
 */
export function parseCode(text: string): CodeValue {
  const at = text.indexOf('^^');
  if (at < 0) throw new SlotValueError(`value '${text}' is not a coded value 'code^^codingScheme' (no ^^)`);
  const code = text.slice(0, at);
  const codingScheme = text.slice(at + 2);
  if (code === '')
    throw new SlotValueError(`value '${text}' is not a coded value 'code^^codingScheme' (code missing)`);
  if (codingScheme === '') {
    throw new SlotValueError(
      `value '${text}' is not a coded value 'code^^codingScheme' (coding scheme missing)`,
    );
  }
  return { code, codingScheme };
}

/** `text` -> `'text'` with every `'` doubled: a single string parameter value. */
export function quoteString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** `['a','b']` -> `('a','b')`: a list parameter value in one rim:Value. */
export function encodeStringList(items: readonly string[]): string {
  return `(${items.map(quoteString).join(',')})`;
}

/** `{ code, codingScheme }` -> `code^^codingScheme`, to be quoted inside a list (see `encodeStringList`). */
export function codeValueText(c: CodeValue): string {
  return `${c.code}^^${c.codingScheme}`;
}
