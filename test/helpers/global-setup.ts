/**
 * vitest global setup (vitest.config.ts `globalSetup`), run once per `vitest run` before any test
 * file: says in one line per cause why tests will be skipped (the IHE reference set or a system tool
 * is missing), and fails the run when the reference set is required (CI, NIR_SIM_REQUIRE_REFERENCE=1)
 * but absent, so a skip can never hide there.
 */
import { referenceAvailable, referenceDir, referenceMissingMessage, referenceRequired } from './repo-root.js';
import { SYSTEM_TOOLS, inCi, missingToolsMessage, type SystemToolName } from './system-tools.js';

/** What the run should do about the reference set: nothing, print a line, or fail with a message. */
type ReferenceVerdict =
  { kind: 'present' } | { kind: 'skip'; line: string } | { kind: 'fail'; message: string };

/** The verdict for a reference set at `dir` that is (not) `available` and (not) `required`. */
export function referenceVerdict(available: boolean, required: boolean, dir: string): ReferenceVerdict {
  if (available) return { kind: 'present' };
  if (required) {
    return {
      kind: 'fail',
      message:
        `IHE reference set not found at ${dir}, and it is required here (CI or ` +
        'NIR_SIM_REQUIRE_REFERENCE=1): put ../shared/reference beside the repository.',
    };
  }
  return { kind: 'skip', line: `nir-sim tests: ${referenceMissingMessage}` };
}

export default function setup(): void {
  const verdict = referenceVerdict(referenceAvailable, referenceRequired, referenceDir);
  if (verdict.kind === 'fail') throw new Error(verdict.message);
  if (verdict.kind === 'skip') process.stderr.write(`${verdict.line}\n`);
  const tools = missingToolsMessage(Object.keys(SYSTEM_TOOLS) as SystemToolName[]);
  if (tools !== '') {
    process.stderr.write(
      `nir-sim tests: ${tools}. ${inCi() ? 'Under CI the tests needing them fail.' : 'Tests (or checks) needing them are skipped.'}\n`,
    );
  }
}
