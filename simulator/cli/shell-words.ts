/**
 * Command lines printed for the user to run again (POSIX shell quoting, "Shell Command Language"
 * 2.2.3): the regenerate hints of `compose render` and `k8s render`.
 */

/** A shell word: as is when it has only safe characters, else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * `flags` as shell words, in order: a flag with `undefined` is left out, one with `true` is given
 * alone, any other value follows its flag as a {@link shellWord}.
 */
export function flagWords(flags: readonly [string, string | number | true | undefined][]): string[] {
  return flags.flatMap(([flag, v]) =>
    v === undefined ? [] : v === true ? [flag] : [flag, shellWord(String(v))],
  );
}
