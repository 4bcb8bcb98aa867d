import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The container stack needs an engine and an image: npm run test:containers (vitest.containers.config.ts).
    // The hostile-input suite has its own run: npm run test:hostile (vitest.hostile.config.ts).
    exclude: [...configDefaults.exclude, 'test/e2e/containers/**', 'test/hostile/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
