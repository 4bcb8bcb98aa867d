/**
 * `npm run test:browser`: the dashboard in a real browser (test/browser): Debian's chromium
 * (/usr/bin/chromium, `apt-get install chromium`) driven by playwright-core against a sim on free
 * ports. Its own tier: a browser costs hundreds of MB and seconds to start, so these files run one
 * at a time, apart from `npm test`. Without chromium they skip with one line saying what to
 * install; under CI they fail instead.
 */
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'dist/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
