/**
 * `npm run test:hostile`: the hostile-input suite (test/hostile/README.md). One file, its cases in
 * order; the simulator runs in a child process that the suite restarts after a case froze it.
 * Neither `npm test` nor `npm run test:slow` runs it (their include globs leave test/hostile out).
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
