/**
 * The CI check (docs/scenarios.md): scenarios/scenario.schema.json is generated from the zod schema
 * (npm run scenario-schema) and must be committed up to date.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { scenarioSchemaFile, scenarioSchemaText } from '../../scripts/generate-scenario-schema.js';

describe('scenarios/scenario.schema.json', () => {
  it('is what npm run scenario-schema generates (run it after changing scenario-spec.ts)', async () => {
    const committed = await readFile(scenarioSchemaFile, 'utf8');
    expect(committed, 'scenarios/scenario.schema.json is out of date: run npm run scenario-schema').toBe(
      await scenarioSchemaText(),
    );
  });

  it('describes every step kind and the fault catalogue', async () => {
    const schema = JSON.parse(await readFile(scenarioSchemaFile, 'utf8')) as {
      properties: { steps: { items: { oneOf: { properties: { kind: { const: string } } }[] } } };
      required: string[];
    };
    expect(schema.required).toEqual(['schemaVersion', 'name', 'description', 'steps']);
    expect(schema.properties.steps.items.oneOf.map((s) => s.properties.kind.const)).toEqual([
      'query',
      'retrieve',
      'find-document-references',
      'retrieve-document',
      'add-faults',
      'clear-faults',
      'wait',
    ]);
  });

  it('accepts every shipped scenario and rejects a misspelt field, as an editor would (ajv)', async () => {
    const schema = JSON.parse(await readFile(scenarioSchemaFile, 'utf8')) as Record<string, unknown>;
    const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
    const dir = path.dirname(scenarioSchemaFile);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.scenario.yaml'));
    const invalid: string[] = [];
    for (const f of files) {
      if (!validate(parse(await readFile(path.join(dir, f), 'utf8'))))
        invalid.push(`${f}: ${JSON.stringify(validate.errors)}`);
    }
    expect(invalid).toEqual([]);
    const typo = {
      schemaVersion: 1,
      name: 'x',
      description: 'y',
      steps: [{ kind: 'wait', ms: 5, expext: {} }],
    };
    expect(validate(typo)).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({ instancePath: '/steps/0', params: { additionalProperty: 'expext' } }),
    );
  });
});
