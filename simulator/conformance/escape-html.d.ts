/**
 * Local type declaration for escape-html 1.0 (https://github.com/component/escape-html), which
 * ships no types: the one function the conformance report's HTML uses.
 */
declare module 'escape-html' {
  /** `s` with `"`, `'`, `&`, `<` and `>` replaced by character references (HTML Living Standard 13.1.4). */
  export default function escapeHtml(s: string): string;
}
