/**
 * `npm run test:slow`: the slow tier (CONTRIBUTING.md "Tests, lint and CI"), whole processes and load:
 * test/e2e (the CLI as users run it, the compiled dist/ and `npm run sim`, docker-compose, Newman
 * against a running sim) and test/load (thousands of requests with PARS auditing, a 50 MB RAD-75
 * retrieve measured in a child process). One file at a time, so their processes and load never
 * compete with each other. `.ci/run` runs it after `npm test`; the container stack under
 * test/e2e/containers and the kube play test under test/e2e/k8s have their own run
 * (`npm run test:containers`).
 */
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts', 'test/load/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/e2e/containers/**', 'test/e2e/k8s/**'],
    // What is missing (reference set, system tools), then dist/ brought up to date once: the tests
    // spawn the compiled CLI (scripts/build.mjs --if-stale).
    globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/build-dist.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
