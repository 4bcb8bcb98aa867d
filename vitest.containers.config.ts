/**
 * `npm run test:containers` (docs/containers.md): the container stack on a real engine, one file at a time
 * (each starts five containers): test/e2e/containers (docker-compose, `sim up --runtime docker`) and
 * test/e2e/k8s (the rendered Kubernetes manifests under `podman kube play`, docs/kubernetes.md).
 * scripts/containers/test-containers.sh prepares the engine and the image first; neither `npm test`
 * nor `npm run test:slow` runs these (vitest.slow.config.ts excludes them).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/containers/**/*.test.ts', 'test/e2e/k8s/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 400_000,
    pool: 'forks',
    // The CLI the tests spawn is the compiled one: build dist/ first when the sources changed.
    globalSetup: ['test/helpers/build-dist.ts'],
    fileParallelism: false,
  },
});
