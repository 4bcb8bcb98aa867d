/**
 * `npm run scenario-schema`: write scenarios/scenario.schema.json from the zod schema in
 * simulator/scenario/scenario-spec.ts (the one source of truth), formatted as prettier formats
 * it, so editors can complete and check scenario files. A test fails when the committed file is
 * out of date (simulator/scenario/scenario-schema-file.test.ts).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { scenarioJsonSchema } from '../simulator/scenario/scenario-spec.js';

/** Where the published schema lives. */
export const scenarioSchemaFile = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../scenarios/scenario.schema.json',
);

/** The file's exact text: the schema as JSON, formatted with the repository's prettier settings. */
export async function scenarioSchemaText(): Promise<string> {
  const options = (await prettier.resolveConfig(scenarioSchemaFile)) ?? {};
  return prettier.format(JSON.stringify(scenarioJsonSchema(), null, 2), {
    ...options,
    filepath: scenarioSchemaFile,
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await writeFile(scenarioSchemaFile, await scenarioSchemaText());
  process.stdout.write(`wrote ${path.relative(process.cwd(), scenarioSchemaFile)}\n`);
}
