import { describe, expect, it } from 'vitest';
import { planFaults } from './fault-plan.js';
import { parseFaultSpec, type FaultSpecInput } from './fault-spec.js';

type FaultBody = FaultSpecInput extends infer F
  ? F extends unknown
    ? Omit<F, 'name' | 'gateway'>
    : never
  : never;
const f = (input: FaultBody & { name?: string }, draw = 0.5) => {
  const r = parseFaultSpec({ name: 'f', gateway: 'g', ...input });
  if (!r.ok) throw new Error(r.problems.join('; '));
  return { fault: r.fault, draw };
};

describe('planFaults', () => {
  it('adds latencies with jitter drawn around the fixed delay', () => {
    const p = planFaults([
      f({ kind: 'latency', latencyMs: 100, jitterMs: 40 }, 0),
      f({ kind: 'latency', latencyMs: 50 }, 0.9),
    ]);
    expect(p.delayMs).toBe(60 + 50);
  });

  it('the first replacing fault wins; content faults all apply', () => {
    const p = planFaults([
      f({ kind: 'missing-home' }),
      f({ kind: 'http-status', status: 503 }),
      f({ kind: 'timeout' }),
      f({ kind: 'registry-error', errorCode: 'XDSRegistryBusy' }),
    ]);
    expect(p.delivery).toEqual({
      kind: 'replace',
      status: 503,
      contentType: 'text/html; charset=utf-8',
      body: Buffer.from('<html><body><h1>503 Service Unavailable</h1></body></html>'),
    });
    expect(p.content.map((c) => c.kind)).toEqual(['missing-home', 'registry-error']);
    expect(p.soapFault).toBeUndefined();
  });

  it('maps each transport fault to its directive', () => {
    expect(planFaults([f({ kind: 'timeout' })]).delivery).toEqual({ kind: 'no-response' });
    expect(planFaults([f({ kind: 'connection-reset', afterBytes: 100 })]).delivery).toEqual({
      kind: 'reset',
      afterBytes: 100,
    });
    expect(planFaults([f({ kind: 'refuse', probability: 0.5 })]).delivery).toEqual({
      kind: 'reset',
      afterBytes: 0,
    });
    expect(planFaults([f({ kind: 'slow-body', bytesPerSecond: 1000 })]).delivery).toEqual({
      kind: 'throttle',
      bytesPerSecond: 1000,
    });
    expect(planFaults([f({ kind: 'malformed-xml', variant: 'truncated' })]).delivery).toEqual({
      kind: 'truncate',
      fraction: 0.5,
    });
    expect(planFaults([f({ kind: 'empty-body' })]).delivery).toMatchObject({
      kind: 'replace',
      status: 200,
      body: Buffer.alloc(0),
    });
    const wrongNs = planFaults([f({ kind: 'malformed-xml', variant: 'wrong-namespace' })]);
    expect([wrongNs.wrongNamespace, wrongNs.delivery]).toEqual([true, undefined]);
    expect(planFaults([f({ kind: 'soap-fault', code: 'Sender', reason: 'no' })]).soapFault).toEqual({
      code: 'Sender',
      reason: 'no',
    });
  });

  it('keeps provisioning faults apart and names everything applied', () => {
    const p = planFaults([
      f({ kind: 'cert-revoked', name: 'c' }),
      f({ kind: 'latency', latencyMs: 1, name: 'l' }),
    ]);
    expect(p.provisioning.map((x) => x.kind)).toEqual(['cert-revoked']);
    expect(p.applied).toEqual(['c', 'l']);
  });

  it('on an MHD community, replacement bodies are FHIR JSON and malformed-* variants map across formats', () => {
    const json = 'application/fhir+json; charset=utf-8';
    expect(planFaults([f({ kind: 'http-status', status: 503 })], 'mhd').delivery).toEqual({
      kind: 'replace',
      status: 503,
      contentType: json,
      body: Buffer.from(
        '{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"transient","diagnostics":"simulated HTTP 503"}]}',
      ),
    });
    // A body of one's own is sent as given, on either protocol.
    expect(
      planFaults(
        [f({ kind: 'http-status', status: 502, contentType: 'text/plain', body: 'bad gateway' })],
        'mhd',
      ).delivery,
    ).toEqual({ kind: 'replace', status: 502, contentType: 'text/plain', body: Buffer.from('bad gateway') });
    expect(planFaults([f({ kind: 'empty-body', status: 200 })], 'mhd').delivery).toEqual({
      kind: 'replace',
      status: 200,
      contentType: json,
      body: Buffer.alloc(0),
    });
    const notJson = planFaults([f({ kind: 'malformed-json', variant: 'not-well-formed' })], 'mhd').delivery;
    expect(notJson).toMatchObject({ kind: 'replace', status: 200, contentType: json });
    expect(() => void JSON.parse((notJson as { body: Buffer }).body.toString())).toThrow(SyntaxError);
    expect(planFaults([f({ kind: 'malformed-xml', variant: 'not-well-formed' })], 'mhd').delivery).toEqual(
      notJson,
    );
    expect(planFaults([f({ kind: 'malformed-json' })], 'mhd').delivery).toEqual({
      kind: 'truncate',
      fraction: 0.5,
    });
    expect(
      planFaults([f({ kind: 'malformed-json', variant: 'wrong-resource-type' })], 'mhd').wrongNamespace,
    ).toBe(true);
    expect(planFaults([f({ kind: 'malformed-xml', variant: 'wrong-namespace' })], 'mhd').wrongNamespace).toBe(
      true,
    );
    // malformed-json on an XCA community: its XML counterpart.
    expect(planFaults([f({ kind: 'malformed-json', variant: 'not-well-formed' })]).delivery).toEqual(
      planFaults([f({ kind: 'malformed-xml', variant: 'not-well-formed' })]).delivery,
    );
    expect(planFaults([f({ kind: 'malformed-json', variant: 'wrong-resource-type' })]).wrongNamespace).toBe(
      true,
    );
  });
});
