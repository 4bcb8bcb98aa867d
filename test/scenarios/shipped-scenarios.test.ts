/**
 * The acceptance suite (docs/architecture.md "Scenarios"; docs/scenarios.md): every shipped
 * scenario in scenarios/ runs in-process on free ports, exactly as `npm run sim scenario run --
 * <name>` runs it, and must pass every step. Every envelope sent to and received from the broker is
 * also validated against the IHE schemas, and every FHIR JSON answer (searchset Bundle,
 * OperationOutcome) against the FHIR R4 schema.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFhirResource } from '../../simulator/fhir/schema-validator.js';
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
  // MHD (ITI-67 / ITI-68) on the broker's FHIR face
  'mhd-one-network-times-out',
  'mhd-all-networks-down',
  'mhd-invalid-nhs-number',
  'mhd-target-communities',
  'mhd-retrieve-community-down',
  'mixed-network-mhd-malformed-json',
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
        if ('expect' in step && step.expect.maxResponseMs !== undefined)
          timed.push(`${file}: ${stepIdOf(step, loaded.scenario.steps.indexOf(step))}`);
    }
    expect(timed).toEqual([]);
  });
});

/** The step kinds of each file: which messages it sends (SOAP, FHIR) decides what is validated. */
const kindsOf = new Map(
  await Promise.all(
    files.map(async (f) => {
      const loaded = await loadScenarioFile(path.join(dir, f));
      return [f, new Set(loaded.ok ? loaded.scenario.steps.map((s) => s.kind) : [])] as const;
    }),
  ),
);

describe.each(files)('scenario %s', (file) => {
  const envelopes: string[] = [];
  const fhir: string[] = [];
  const kinds = kindsOf.get(file)!;
  const sendsSoap = kinds.has('query') || kinds.has('retrieve');
  const sendsFhir = kinds.has('find-document-references') || kinds.has('retrieve-document');
  it('passes every step', { timeout: 60_000 }, async () => {
    const loaded = await loadScenarioFile(path.join(dir, file));
    if (!loaded.ok) throw new Error(`${file}:\n  ${loaded.problems.join('\n  ')}`);
    const env = await startInProcessEnvironment(loaded.scenario, { baseDir: dir, logger: silentLogger() });
    let result;
    try {
      result = await runScenario(loaded.scenario, env, {
        file: `scenarios/${file}`,
        onMessage: (m) => envelopes.push(m.xml),
        onFhirMessage: (m) => fhir.push(m.json),
      });
    } finally {
      await env.stop();
    }
    // The whole report is the failure message: every differing step, actual vs expected.
    expect(result.passed, consoleReport([result])).toBe(true);
    expect(result.steps).toHaveLength(loaded.scenario.steps.length);
    expect(envelopes.length + fhir.length).toBeGreaterThan(0);
  });

  if (sendsSoap)
    itRef('sends and receives only schema-valid messages', async () => {
      expect(envelopes.length, 'the run above sent nothing').toBeGreaterThan(0);
      await expectSchemaValid(envelopes, { inlineXop: true });
    });

  if (sendsFhir)
    it('receives only FHIR JSON that validates against the FHIR R4 schema', () => {
      expect(fhir.length, 'the run above received no FHIR JSON').toBeGreaterThan(0);
      const problems = fhir.flatMap((json) => {
        const value = JSON.parse(json) as { resourceType?: string };
        const type = value.resourceType === 'Bundle' ? 'Bundle' : 'OperationOutcome';
        const verdict = validateFhirResource(type, value);
        return verdict.ok ? [] : verdict.problems.map((p) => `${type}: ${p.expression}: ${p.message}`);
      });
      expect(problems).toEqual([]);
    });
});
