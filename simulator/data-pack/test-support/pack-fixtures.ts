/** Test helpers for data-pack tests: temporary directories and file-tree listings. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** A fresh temporary directory and a function that removes it. */
export async function tempDir(
  prefix = 'nir-sim-pack-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every file under `dir`, as sorted paths relative to `dir`. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

/** Paths (relative) whose bytes differ between two trees, plus files present in only one. */
export async function diffTrees(a: string, b: string): Promise<string[]> {
  const [fa, fb] = await Promise.all([listFiles(a), listFiles(b)]);
  const diffs = [...fa.filter((f) => !fb.includes(f)), ...fb.filter((f) => !fa.includes(f))];
  for (const f of fa.filter((x) => fb.includes(x))) {
    const [x, y] = await Promise.all([readFile(join(a, f)), readFile(join(b, f))]);
    if (!x.equals(y)) diffs.push(f);
  }
  return diffs;
}
