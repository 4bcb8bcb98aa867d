// The container HEALTHCHECK of the nir-sim image (compose/Dockerfile): plain JavaScript, no
// dependencies, run by node directly (`node compose/healthcheck.mjs`).
//
// GETs NIR_SIM_HEALTH_URL (default http://127.0.0.1:8080/health, the broker's sandbox port; every
// role serves `GET /health` on plain HTTP on its main port, and the compose renderer sets the URL
// per service) with a 2 s timeout. Exit 0 on a 2xx answer; otherwise exit 1 with one line on
// stderr saying what was wrong. The engine records the exit code as the container's health.
/* global fetch, AbortSignal -- Node 20 globals; this file is plain JavaScript for eslint */
import process from 'node:process';

const url = process.env.NIR_SIM_HEALTH_URL || 'http://127.0.0.1:8080/health';
const timeoutMs = 2000;

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  await res.arrayBuffer();
  if (res.status >= 200 && res.status < 300) process.exit(0);
  process.stderr.write(`healthcheck: ${url} answered HTTP ${res.status}\n`);
} catch (err) {
  const why =
    err instanceof Error && err.name === 'TimeoutError'
      ? `no answer within ${timeoutMs} ms`
      : String((err instanceof Error && err.cause instanceof Error ? err.cause : err)?.message ?? err);
  process.stderr.write(`healthcheck: ${url} failed: ${why}\n`);
}
process.exit(1);
