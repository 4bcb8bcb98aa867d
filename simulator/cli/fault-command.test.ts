/**
 * `sim fault add` flags to the fault object sent to the control API, and the `sim fault list`
 * table (simulator/cli/commands/fault.ts). The API validates; these only shape and report input.
 */
import { describe, expect, it } from 'vitest';
import { faultFromFlags, faultTable } from './commands/fault.js';
import { FaultSpecSchema } from '../faults/fault-spec.js';
import { SimError } from '../shared/errors.js';

const threw = (f: () => unknown): SimError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SimError);
    return e as SimError;
  }
  throw new Error('expected a SimError');
};

describe('sim fault add flags', () => {
  it('maps kebab-case flags to the fault fields and names the fault <kind>-<gateway>', () => {
    expect(
      faultFromFlags({
        gateway: 'north-east-imaging-network',
        kind: 'registry-error',
        'error-code': 'XDSRegistryBusy',
        severity: 'Warning',
        'with-documents': true,
        transaction: 'ITI-38',
        patient: 9995649284,
        probability: 0.25,
        times: 3,
        after: 1,
        latencyMs: 99, // yargs' camel-case alias is ignored
      }),
    ).toEqual({
      name: 'registry-error-north-east-imaging-network',
      gateway: 'north-east-imaging-network',
      kind: 'registry-error',
      errorCode: 'XDSRegistryBusy',
      severity: 'Warning',
      withDocuments: true,
      transaction: 'ITI-38',
      patient: '9995649284',
      probability: 0.25,
      times: 3,
      after: 1,
    });
    expect(
      faultFromFlags({ gateway: 'g', kind: 'latency', name: 'slow', 'latency-ms': 200, 'jitter-ms': 20 }),
    ).toEqual({ name: 'slow', gateway: 'g', kind: 'latency', latencyMs: 200, jitterMs: 20 });
    expect(faultFromFlags({ gateway: 'g', kind: 'wrong-slot', slot: 'hash', value: 'ab' })).toEqual({
      name: 'wrong-slot-g',
      gateway: 'g',
      kind: 'wrong-slot',
      slot: 'hash',
      value: 'ab',
    });
    expect(
      faultFromFlags({ gateway: 'g', kind: 'registry-error-location', location: 'urn:oid:2.25.9' }),
    ).toEqual({
      name: 'registry-error-location-g',
      gateway: 'g',
      kind: 'registry-error-location',
      location: 'urn:oid:2.25.9',
    });
  });

  it('takes --json (one fault or an array) and names unnamed faults the same way', () => {
    expect(faultFromFlags({ json: '{"gateway":"g","kind":"timeout"}' })).toEqual({
      name: 'timeout-g',
      gateway: 'g',
      kind: 'timeout',
    });
    expect(faultFromFlags({ json: '[{"gateway":"g","kind":"refuse","name":"down"},{"kind":"x"}]' })).toEqual([
      { gateway: 'g', kind: 'refuse', name: 'down' },
      { kind: 'x' },
    ]);
  });

  it('refuses what it cannot send, in one line each', () => {
    expect(threw(() => faultFromFlags({ kind: 'timeout' })).message).toMatch(
      /^give --gateway <community name> and --kind <latency\|soap-fault\|.*> \(or --json '<fault object>'\)$/,
    );
    expect(threw(() => faultFromFlags({ json: '{"kind":', gateway: 'g' })).message).toBe(
      '--json cannot be combined with --gateway: put every field in the JSON',
    );
    expect(threw(() => faultFromFlags({ json: '{"kind":' })).message).toMatch(/^--json is not valid JSON \(/);
    const nan = threw(() => faultFromFlags({ gateway: 'g', kind: 'latency', 'latency-ms': NaN, times: NaN }));
    expect([nan.code, nan.message]).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      '--times: not a number; --latency-ms: not a number',
    ]);
  });
});

describe('sim fault list table', () => {
  it('shows name, gateway, kind, conditions, counters and the kind settings', () => {
    const f = (input: unknown) => FaultSpecSchema.parse(input);
    expect(
      faultTable([
        { fault: f({ name: 'hang', gateway: 'north', kind: 'timeout' }), matched: 3, applied: 3 },
        {
          fault: f({
            name: 'flaky',
            gateway: 'south',
            kind: 'soap-fault',
            transaction: 'ITI-39',
            probability: 0.5,
            times: 2,
          }),
          matched: 4,
          applied: 1,
        },
      ]),
    ).toBe(
      [
        'NAME   GATEWAY  KIND        WHEN                    MATCHED  APPLIED  SETTINGS',
        'hang   north    timeout     always                  3        3',
        'flaky  south    soap-fault  ITI-39, p=0.5, 2 times  4        1        code=Receiver reason=simulated fault',
        '',
      ].join('\n'),
    );
    expect(faultTable([])).toBe(
      'no faults (add one with npm run sim fault add -- --gateway <name> --kind <kind>)\n',
    );
  });
});
