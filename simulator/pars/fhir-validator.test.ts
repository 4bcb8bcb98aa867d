/**
 * The prebuilt AuditEvent validator (ajv standalone code, written by scripts/build.mjs) is the
 * validator validateAuditEvent compiles: loaded as the build writes it, it gives the same verdict
 * and the same problems (FHIR R4 JSON schema, AuditEvent) on a valid event and on a broken one.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { auditEventValidatorSource, validateAuditEvent } from './fhir-validator.js';

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

describe('the prebuilt FHIR AuditEvent validator', () => {
  it('is the validator validateAuditEvent compiles: same verdicts, same errors', () => {
    const prebuilt = loadCommonJs(auditEventValidatorSource()) as ValidateFunction;

    expect(validateAuditEvent(golden)).toEqual({ ok: true });
    expect(prebuilt(golden)).toBe(true);

    const compiled = validateAuditEvent(JSON.parse(JSON.stringify(broken)));
    expect(prebuilt(JSON.parse(JSON.stringify(broken)))).toBe(false);
    const prebuiltProblems = [
      ...new Set((prebuilt.errors ?? []).map((e) => `${e.instancePath} ${e.keyword} ${e.message}`)),
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
    // The same problems in the same order (validateAuditEvent words them for FHIR).
    expect(prebuiltProblems).toEqual([
      " required must have required property 'agent'",
      ' additionalProperties must NOT have additional properties',
      `/recorded pattern ${compiled.ok ? '' : compiled.problems[2]!.message}`,
    ]);
  });
});
