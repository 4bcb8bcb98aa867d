/**
 * `npm test`: the fast, deterministic tiers (CONTRIBUTING.md "Tests, lint and CI"): unit tests (beside their
 * module in simulator/, or under test/unit), integration tests (in-process topologies on port 0)
 * and the shipped scenarios. The CLI runs here only in-process or briefly (`sim audit report` in
 * audit-report.test.ts, `docker-compose config` in compose-render.test.ts); spawning the CLI at
 * length, Newman, load and memory probes are the slow tier, `npm run test:slow`
 * (vitest.slow.config.ts). The container stack (`npm run test:containers`) and the hostile-input
 * suite (`npm run test:hostile`) have their own configurations.
 */
import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'simulator/**/*.test.ts',
      'test/unit/**/*.test.ts',
      'test/helpers/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/scenarios/**/*.test.ts',
    ],
    exclude: [...configDefaults.exclude, 'dist/**'],
    // One test file per core: every test here runs on port 0 with virtual time for its deadlines
    // and latencies, so files running side by side (or beside another whole run) cannot change an
    // outcome; vitest's default leaves one core idle.
    maxWorkers: availableParallelism(),
    // One line per run naming what is missing (IHE reference set, system tools) and why tests skip;
    // fails the run when the reference set is required (CI, NIR_SIM_REQUIRE_REFERENCE=1) but absent.
    // shared-pki mints the certificate set once for the whole run (security-fixtures.ts copies it).
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/shared-pki.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
