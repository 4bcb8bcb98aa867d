/**
 * Where the repository and the shared, read-only reference material live.
 *
 * The reference tree (`../shared/reference` next to the repository, see its SOURCES.md) holds
 * third-party schemas and example messages. Tests read it at run time and never copy it into the
 * project, so every path to it goes through this module.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (this file is `<root>/test/helpers/repo-root.ts`). */
export const repoRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Absolute path of the shared reference directory, `<root>/../shared/reference`.
 * Only a path: call {@link requireReferenceDir} before reading from it to get a clear error when it
 * is absent.
 */
export const referenceDir: string = path.resolve(repoRoot, '../shared/reference');

/**
 * `referenceDir`, after checking that it exists and looks like the reference tree.
 * @throws Error naming the expected location and what it should contain.
 */
export function requireReferenceDir(): string {
  const marker = path.join(referenceDir, 'SOURCES.md');
  if (!existsSync(referenceDir) || !statSync(referenceDir).isDirectory() || !existsSync(marker)) {
    throw new Error(
      `Reference material not found at ${referenceDir} (expected ../shared/reference next to the ` +
        `repository root ${repoRoot}, containing SOURCES.md, xsd/ and examples/). ` +
        'Check out or mount the shared reference tree there; tests never copy it into the project.',
    );
  }
  return referenceDir;
}
