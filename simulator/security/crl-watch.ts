/**
 * Following CRL files on disk: NIR updates CRLs daily, and a listener must pick up a new one
 * without a restart. Polls file status (fs.watchFile), which survives editors and tools that
 * replace a file by renaming a new one over it (where an inotify watch on the old inode would go
 * silent).
 */
import { unwatchFile, watchFile, type Stats } from 'node:fs';

/** Stop following. */
export type Unwatch = () => void;

/**
 * Call `onChange(file)` when any of `files` changes (mtime, size or inode), at most once per
 * poll, checking every `intervalMs` (default 1000 ms). Does not keep the process alive.
 */
export function watchCrlFiles(
  files: readonly string[],
  onChange: (file: string) => void,
  intervalMs = 1_000,
): Unwatch {
  const listeners = files.map((file) => {
    const listener = (cur: Stats, prev: Stats): void => {
      if (cur.mtimeMs === prev.mtimeMs && cur.size === prev.size && cur.ino === prev.ino) return;
      onChange(file);
    };
    watchFile(file, { interval: intervalMs, persistent: false }, listener);
    return { file, listener };
  });
  return () => {
    for (const { file, listener } of listeners) unwatchFile(file, listener);
  };
}
