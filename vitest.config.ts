import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One line per run naming what is missing (IHE reference set, system tools) and why tests skip;
    // fails the run when the reference set is required (CI, NIR_SIM_REQUIRE_REFERENCE=1) but absent.
    // The CLI the tests spawn is the compiled one: build-dist brings dist/ up to date first.
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/build-dist.ts'],
    // The container stack needs an engine and an image: npm run test:containers (vitest.containers.config.ts).
    // The hostile-input suite has its own run: npm run test:hostile (vitest.hostile.config.ts).
    exclude: [...configDefaults.exclude, 'test/e2e/containers/**', 'test/hostile/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
