/**
 * The prebuilt FHIR R4 validators (ajv standalone code, written by scripts/build.mjs) are the
 * validators validateFhirResource compiles: loaded as the build writes them, they give the same
 * verdict and the same problems (FHIR R4 JSON schema) on a valid resource and on a broken one; and
 * the ResourceList discriminator reports a bad contained or entry resource by its own problems.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import {
  FHIR_RESOURCE_TYPES,
  fhirValidatorSource,
  validateAuditEvent,
  validateFhirResource,
} from './schema-validator.js';

const golden = JSON.parse(
  readFileSync(new URL('../audit/test-support/iti38-audit-event.golden.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
/** No agent, an unknown element and a recorded time that is not a FHIR instant. */
const broken = { ...golden, agent: undefined, colour: 'red', recorded: 'yesterday' };

/** Evaluate CommonJS source as Node's module wrapper does, requiring from this directory. */
function loadCommonJs(source: string): unknown {
  const module = { exports: {} as unknown };
  // The code under test is generated source, evaluated as the build's file would be.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const wrapper = new Function('module', 'exports', 'require', source) as (
    m: typeof module,
    e: unknown,
    r: NodeJS.Require,
  ) => void;
  wrapper(module, module.exports, createRequire(import.meta.url));
  return module.exports;
}

describe('the prebuilt FHIR R4 validators', () => {
  it('are the validators validateFhirResource compiles: same verdicts, same errors', () => {
    const prebuilt = loadCommonJs(fhirValidatorSource()) as Record<string, ValidateFunction>;
    expect(Object.keys(prebuilt).sort()).toEqual([...FHIR_RESOURCE_TYPES].sort());
    const audit = prebuilt['AuditEvent']!;

    expect(validateAuditEvent(golden)).toEqual({ ok: true });
    expect(audit(golden)).toBe(true);

    const compiled = validateAuditEvent(JSON.parse(JSON.stringify(broken)));
    expect(audit(JSON.parse(JSON.stringify(broken)))).toBe(false);
    const prebuiltProblems = [
      ...new Set((audit.errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${e.message}`)),
    ];
    expect(compiled).toEqual({
      ok: false,
      problems: [
        { expression: 'AuditEvent', message: "missing required element 'agent'" },
        { expression: 'AuditEvent', message: "unknown element 'colour'" },
        {
          expression: 'AuditEvent.recorded',
          message: expect.stringMatching(/^must match pattern "\^\(\[0-9\]/) as unknown,
        },
      ],
    });
    // The same problems in the same order (validateFhirResource words them for FHIR).
    expect(prebuiltProblems).toEqual([
      " required must have required property 'agent'",
      ' additionalProperties must NOT have additional properties',
      `/recorded pattern ${compiled.ok ? '' : compiled.problems[2]!.message}`,
    ]);

    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'bogus' }] };
    expect(prebuilt['OperationOutcome']!(outcome)).toBe(false);
    expect(validateFhirResource('OperationOutcome', outcome)).toEqual({
      ok: false,
      problems: [
        {
          expression: 'OperationOutcome.issue[0].code',
          message: expect.stringMatching(
            /^must be equal to one of the allowed values: \["invalid",/,
          ) as unknown,
        },
      ],
    });
  });
});

describe('validateFhirResource', () => {
  it('reports a bad entry resource of a Bundle by its own problems, not one per resource type', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'fatal', code: 'timeout' }] } },
        {
          resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'bad', code: 'timeout' }], x: 1 },
        },
        { resource: { resourceType: 'NoSuchResource' } },
        { resource: { id: 'no-type' } },
      ],
    };
    expect(validateFhirResource('Bundle', bundle)).toEqual({
      ok: false,
      problems: [
        { expression: 'Bundle.entry[1].resource', message: "unknown element 'x'" },
        {
          expression: 'Bundle.entry[1].resource.issue[0].severity',
          message: 'must be equal to one of the allowed values: ["fatal","error","warning","information"]',
        },
        {
          expression: 'Bundle.entry[2].resource',
          message: "'NoSuchResource' is not a FHIR R4 resource type",
        },
        { expression: 'Bundle.entry[3].resource', message: "missing required element 'resourceType'" },
        {
          expression: 'Bundle.entry[3].resource',
          message: "missing or invalid 'resourceType' (the type of a contained or entry resource)",
        },
      ],
    });
  });

  it('refuses a resource of another type than the one asked for', () => {
    const r = validateFhirResource('Binary', {
      resourceType: 'DocumentReference',
      status: 'current',
      content: [],
    });
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems.map((p) => p.expression)).toContain('Binary.resourceType');
  });

  it('accepts a minimal valid resource of each type nir-sim emits', () => {
    const minimal: Record<(typeof FHIR_RESOURCE_TYPES)[number], unknown> = {
      AuditEvent: golden,
      Bundle: { resourceType: 'Bundle', type: 'searchset', total: 0 },
      DocumentReference: {
        resourceType: 'DocumentReference',
        status: 'current',
        content: [{ attachment: { contentType: 'application/pdf' } }],
      },
      OperationOutcome: {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'information', code: 'informational' }],
      },
      CapabilityStatement: {
        resourceType: 'CapabilityStatement',
        status: 'active',
        date: '2026-12-03',
        kind: 'instance',
        fhirVersion: '4.0.1',
        format: ['application/fhir+json'],
      },
      Binary: { resourceType: 'Binary', contentType: 'application/pdf', data: 'JVBERi0=' },
    };
    for (const t of FHIR_RESOURCE_TYPES) expect(validateFhirResource(t, minimal[t]), t).toEqual({ ok: true });
  });
});
