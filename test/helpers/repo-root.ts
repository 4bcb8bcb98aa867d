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
import { inCi } from './system-tools.js';

/** Absolute path of the repository root (this file is `<root>/test/helpers/repo-root.ts`). */
export const repoRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Absolute path of the shared reference directory, `<root>/../shared/reference`.
 * Only a path: call {@link requireReferenceDir} before reading from it to get a clear error when it
 * is absent.
 */
export const referenceDir: string = path.resolve(repoRoot, '../shared/reference');

function looksLikeReferenceTree(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && existsSync(path.join(dir, 'SOURCES.md'));
}

/** Whether the reference tree is present (checked once, when this module loads). */
export const referenceAvailable: boolean = looksLikeReferenceTree(referenceDir);

/**
 * Whether the reference tree must be present: under CI (`CI` set) or with
 * `NIR_SIM_REQUIRE_REFERENCE=1`. Then its absence fails the run instead of skipping tests.
 */
export const referenceRequired: boolean = inCi() || process.env['NIR_SIM_REQUIRE_REFERENCE'] === '1';

/**
 * For `it.skipIf` / `describe.skipIf` on a test whose only purpose is to check against the
 * reference tree (schema validation, the public reference requests): true when the tree is absent
 * and not required. When it is required the test runs and {@link requireReferenceDir} says what is
 * missing; the global setup (test/helpers/global-setup.ts) prints the one line explaining the skips.
 */
export const skipWithoutReference: boolean = !referenceAvailable && !referenceRequired;

/** One line: why reference tests are skipped and where the tree is expected. */
export const referenceMissingMessage: string =
  `IHE reference set not found at ${referenceDir} (../shared/reference beside the repository, with ` +
  'SOURCES.md, xsd/ and examples/): the schema-validation and public-reference-request tests are ' +
  'skipped; every other assertion runs. CI and NIR_SIM_REQUIRE_REFERENCE=1 make this a failure.';

/**
 * `referenceDir`, after checking that it exists and looks like the reference tree.
 * @throws Error naming the expected location and what it should contain.
 */
export function requireReferenceDir(): string {
  if (!looksLikeReferenceTree(referenceDir)) {
    throw new Error(
      `Reference material not found at ${referenceDir} (expected ../shared/reference next to the ` +
        `repository root ${repoRoot}, containing SOURCES.md, xsd/ and examples/). ` +
        'Check out or mount the shared reference tree there; tests never copy it into the project.',
    );
  }
  return referenceDir;
}
