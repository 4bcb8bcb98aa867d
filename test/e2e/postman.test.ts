/**
 * The Postman collection run with Newman, as CI runs it (docs/postman.md "Newman"): against a real
 * topology on port 0 with the control API and security on (certificates minted into a temporary
 * directory), the URLs passed as environment overrides. The sandbox environment sends every
 * request but the Integration folder's; the integration environment sends those over mutual TLS
 * with fresh signed assertions. Every assertion passes; `npm run postman` prints a one-line hint
 * when no sim runs.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import {
  collectionFile,
  describeFailures,
  INTEGRATION_FOLDER,
  runCollection,
  runIntegration,
} from '../../scripts/run-postman.js';
import { defaultPackDir, repoDir } from '../helpers/topology.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'nir-sim-postman-'));
let running: RunningTopology;
let envVars: Record<string, string>;

const certsDir = path.join(tmp, 'certs');
const folders = (
  JSON.parse(readFileSync(collectionFile, 'utf8')) as { item: { name: string; item: unknown[] }[] }
).item;
/** Requests of the sandbox run (folders hold requests; no deeper nesting) and of the integration run. */
const requestCount = folders
  .filter((f) => f.name !== INTEGRATION_FOLDER)
  .reduce((n, f) => n + f.item.length, 0);
const integrationCount = folders.find((f) => f.name === INTEGRATION_FOLDER)!.item.length;

beforeAll(async () => {
  const pack = await loadDataPack(defaultPackDir);
  running = await startInProcess(
    {
      host: '127.0.0.1',
      // A short deadline: the Degraded folder's hung community costs one deadline.
      broker: { port: 0, deadlineMs: 1_000 },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: pack.dir,
      communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
      // Minted into certsDir (missing there); the integration port is ephemeral like the rest.
      security: { certsDir },
    },
    { logger: silentLogger(), control: { port: 0 } },
  );
  envVars = { brokerUrl: running.broker.url, controlUrl: running.control!.url };
});

afterAll(async () => {
  await running?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** `npm run <script> -- <args>`, asynchronously: the topology answers from this process meanwhile. */
async function npmRun(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
    cwd: repoDir,
    env: { ...process.env, NIR_SIM_LOG_LEVEL: 'warn', ...env },
    timeout: 120_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  stderr = stderr
    .split('\n')
    .filter((l) => l && !l.startsWith('npm warn'))
    .join('\n');
  return { code, stdout, stderr };
}

describe('Postman collection with Newman', () => {
  it('sends every request of the sandbox environment and every assertion passes', async () => {
    const junit = path.join(tmp, 'api-junit.xml');
    const summary = await runCollection({ environment: 'sandbox', envVars, junitExport: junit });
    expect(describeFailures(summary)).toEqual([]);
    const { requests, assertions, testScripts, prerequestScripts } = summary.run.stats;
    expect(requests).toEqual(expect.objectContaining({ total: requestCount, failed: 0 }));
    expect(testScripts.failed).toBe(0);
    expect(prerequestScripts.failed).toBe(0);
    expect(assertions.failed).toBe(0);
    // Every request asserts something beyond the collection-level RelatesTo check.
    expect(assertions.total).toBeGreaterThan(3 * requestCount);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(new RegExp(`<testsuites name="nir-sim" tests="${requestCount}"`));
    expect(xml.match(/<testcase /g)).toHaveLength(assertions.total);
    expect(xml).not.toContain('<failure');
  });

  it('sends the Integration folder over mutual TLS with signed assertions and every assertion passes', async () => {
    const junit = path.join(tmp, 'integration-junit.xml');
    const brokerUrl = running.broker.integration!.url;
    expect(brokerUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const summary = await runIntegration({ brokerUrl, certsDir, junitExport: junit });
    expect(describeFailures(summary)).toEqual([]);
    const { requests, assertions, testScripts, prerequestScripts } = summary.run.stats;
    expect(requests).toEqual(expect.objectContaining({ total: integrationCount, failed: 0 }));
    expect([testScripts.failed, prerequestScripts.failed, assertions.failed]).toEqual([0, 0, 0]);
    expect(assertions.total).toBeGreaterThan(3 * integrationCount);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(new RegExp(`<testsuites name="nir-sim" tests="${integrationCount}"`));
    expect(xml).not.toContain('<failure');
  });

  it('npm run postman runs it from the command line with --env-var overrides and a JUnit report', async () => {
    const junit = path.join(tmp, 'cli-junit.xml');
    const r = await npmRun('postman', [
      '--env-var',
      `brokerUrl=${envVars['brokerUrl']}`,
      '--env-var',
      `controlUrl=${envVars['controlUrl']}`,
      '--junit',
      junit,
      '--integration-url',
      running.broker.integration!.url,
      '--certs',
      certsDir,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`postman: localhost-sandbox: ${requestCount} requests, \\d+ assertions, 0 failures`),
    );
    expect(r.stdout).toMatch(
      new RegExp(`postman: localhost-integration: ${integrationCount} requests, \\d+ assertions, 0 failures`),
    );
    expect(readFileSync(junit, 'utf8')).not.toContain('<failure');
  });

  it('npm run postman says what to start when no sim runs', async () => {
    const r = await npmRun('postman', [], { NIR_SIM_HOME: path.join(tmp, 'no-sim') });
    expect(r.code).toBe(69);
    expect(r.stderr).toBe(
      'postman: nir-sim is not running: start it with npm run sim up -- --detach, or pass ' +
        '--env-var brokerUrl=<url> --env-var controlUrl=<url>',
    );
  });
});
