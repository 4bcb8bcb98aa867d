/**
 * `npm run test:hostile`: the hostile-input suite (test/hostile/README.md). One file, its cases in
 * order; the simulator runs in a child process that the suite restarts after a case froze it.
 * `npm test` never runs it (vitest.config.ts excludes test/hostile).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/hostile/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
