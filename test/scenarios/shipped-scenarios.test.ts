/**
 * The acceptance suite (docs/architecture.md "Scenarios"; docs/scenarios.md): every shipped
 * scenario in scenarios/ runs in-process on free ports, exactly as `npm run sim scenario run --
 * <name>` runs it, and must pass every step. Every envelope sent to and received from the broker is
 * also validated against the IHE schemas.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startInProcessEnvironment } from '../../simulator/scenario/environments.js';
import { consoleReport } from '../../simulator/scenario/reporters/console.js';
import { runScenario } from '../../simulator/scenario/runner.js';
import { loadScenarioFile, SCENARIO_SUFFIX } from '../../simulator/scenario/scenario-file.js';
import { stepIdOf } from '../../simulator/scenario/scenario-spec.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { repoDir } from '../helpers/topology.js';
import { itRef } from '../helpers/reference-tests.js';
import { expectSchemaValid } from '../helpers/xsd.js';

const dir = path.join(repoDir, 'scenarios');
const files = readdirSync(dir)
  .filter((f) => f.endsWith(SCENARIO_SUFFIX))
  .sort();

/** The situations the library must cover (docs/scenarios.md), by the scenario that covers each. */
const REQUIRED = [
  'known-to-all-networks',
  'known-to-one-network',
  'known-to-no-network',
  'invalid-nhs-number',
  'one-network-times-out',
  'one-network-refuses',
  'all-networks-down',
  'one-network-soap-fault',
  'one-network-partial-success',
  'one-network-malformed-xml',
  'one-network-resets-mid-response',
  'slow-network-within-deadline',
  'flapping-network',
  'status-mismatch-from-network',
  'retrieve-two-communities-one-down',
  'unknown-community',
  'missing-home',
  'date-range-filtering',
  'consumer-profile-excludes-a-community',
  'nft-01-response-time',
  'http-503-from-network',
  'empty-body-from-network',
  'wrong-home-from-network',
  'drop-documents-from-network',
  'unknown-patient-at-network',
];

describe('the shipped scenario library', () => {
  it('has at least 20 scenarios, including every required one', () => {
    const names = files.map((f) => f.slice(0, -SCENARIO_SUFFIX.length));
    expect(names.length).toBeGreaterThanOrEqual(20);
    expect(REQUIRED.filter((n) => !names.includes(n))).toEqual([]);
  });

  it('asserts what the broker reports, never a wall-clock time (maxResponseMs)', async () => {
    const timed: string[] = [];
    for (const file of files) {
      const loaded = await loadScenarioFile(path.join(dir, file));
      if (!loaded.ok) throw new Error(`${file}:\n  ${loaded.problems.join('\n  ')}`);
      for (const step of loaded.scenario.steps)
        if ((step.kind === 'query' || step.kind === 'retrieve') && step.expect.maxResponseMs !== undefined)
          timed.push(`${file}: ${stepIdOf(step, loaded.scenario.steps.indexOf(step))}`);
    }
    expect(timed).toEqual([]);
  });
});

describe.each(files)('scenario %s', (file) => {
  const envelopes: string[] = [];
  it('passes every step', { timeout: 60_000 }, async () => {
    const loaded = await loadScenarioFile(path.join(dir, file));
    if (!loaded.ok) throw new Error(`${file}:\n  ${loaded.problems.join('\n  ')}`);
    const env = await startInProcessEnvironment(loaded.scenario, { baseDir: dir, logger: silentLogger() });
    let result;
    try {
      result = await runScenario(loaded.scenario, env, {
        file: `scenarios/${file}`,
        onMessage: (m) => envelopes.push(m.xml),
      });
    } finally {
      await env.stop();
    }
    // The whole report is the failure message: every differing step, actual vs expected.
    expect(result.passed, consoleReport([result])).toBe(true);
    expect(result.steps).toHaveLength(loaded.scenario.steps.length);
    expect(envelopes.length).toBeGreaterThan(0);
  });

  itRef('sends and receives only schema-valid messages', async () => {
    expect(envelopes.length, 'the run above sent nothing').toBeGreaterThan(0);
    await expectSchemaValid(envelopes, { inlineXop: true });
  });
});
