import { describe, expect, it } from 'vitest';
import { FaultStore } from './fault-store.js';
import { parseFaultSpec } from './fault-spec.js';

const gateways = ['north', 'south'];
const store = (seed = 7) => new FaultStore(seed, () => gateways);
const ctx = { gateway: 'north', transaction: 'ITI-38' as const };

describe('fault schema', () => {
  it('fills defaults', () => {
    const r = parseFaultSpec({ name: 'slow', gateway: 'north', kind: 'latency', latencyMs: 100 });
    expect(r).toEqual({
      ok: true,
      fault: {
        name: 'slow',
        gateway: 'north',
        kind: 'latency',
        latencyMs: 100,
        jitterMs: 0,
        probability: 1,
        after: 0,
      },
    });
  });

  it('lists every problem at once', () => {
    const r = parseFaultSpec({
      name: 'x y',
      gateway: 'north',
      kind: 'latency',
      latencyMs: -1,
      probability: 3,
      patient: '9999999991',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['name', 'patient', 'probability', 'latencyMs']),
    );
    expect(r.problems).toHaveLength(4);
  });

  it('rejects an unknown kind naming the field', () => {
    const r = parseFaultSpec({ name: 'a', gateway: 'north', kind: 'gremlins' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]).toMatch(/^kind: /);
  });
});

describe('FaultStore', () => {
  it('adds all or nothing and lists every problem, including unknown gateways and duplicate names', () => {
    const s = store();
    expect(s.add({ name: 'a', gateway: 'north', kind: 'timeout' }).ok).toBe(true);
    const r = s.addAll([
      { name: 'a', gateway: 'north', kind: 'timeout' },
      { name: 'b', gateway: 'east', kind: 'timeout' },
      { name: 'c', gateway: 'north', kind: 'latency', latencyMs: 5, probability: 3 },
      { name: 'd', gateway: 'south', kind: 'refuse' },
    ]);
    expect(r).toEqual({
      ok: false,
      problems: [
        "faults[0].name: a fault named 'a' already exists",
        "faults[1].gateway: no community named 'east' (known: north, south)",
        'faults[2].probability: Too big: expected number to be <=1',
      ],
    });
    expect(s.list().map((f) => f.fault.name)).toEqual(['a']);
  });

  it('matches on gateway, transaction and patient; after skips, times caps', () => {
    const s = store();
    s.add({ name: 'f', gateway: 'north', kind: 'timeout', transaction: 'ITI-39', after: 1, times: 2 });
    s.add({ name: 'p', gateway: 'north', kind: 'timeout', patient: '9434765919' });
    const names = () => s.select({ gateway: 'north', transaction: 'ITI-39' }).map((a) => a.fault.name);
    expect(names()).toEqual([]); // skipped by after
    expect(names()).toEqual(['f']);
    expect(names()).toEqual(['f']);
    expect(names()).toEqual([]); // capped by times
    expect(s.select(ctx)).toEqual([]); // other transaction, no patient
    expect(s.select({ ...ctx, patient: '9434765919' }).map((a) => a.fault.name)).toEqual(['p']);
    expect(s.select({ ...ctx, gateway: 'south', patient: '9434765919' })).toEqual([]);
    expect(s.list().map((x) => [x.fault.name, x.matched, x.applied])).toEqual([
      ['f', 4, 2],
      ['p', 1, 1],
    ]);
  });

  it('draws probability from a per-fault seeded stream: the same seed repeats exactly', () => {
    const run = (seed: number, extra: boolean) => {
      const s = store(seed);
      if (extra) s.add({ name: 'other', gateway: 'north', kind: 'latency', latencyMs: 1, probability: 0.5 });
      s.add({ name: 'flap', gateway: 'north', kind: 'timeout', probability: 0.5 });
      return Array.from({ length: 40 }, () => s.select(ctx).some((a) => a.fault.name === 'flap'));
    };
    const a = run(42, false);
    expect(run(42, false)).toEqual(a);
    expect(run(42, true)).toEqual(a); // another fault does not shift this fault's draws
    expect(run(43, false)).not.toEqual(a);
    const hits = a.filter(Boolean).length;
    expect(hits).toBeGreaterThan(8);
    expect(hits).toBeLessThan(32);
  });

  it('a refuse with no condition takes the gateway down; conditions or removal bring it back', () => {
    const s = store();
    let changes = 0;
    s.on('change', () => (changes += 1));
    s.add({ name: 'r', gateway: 'south', kind: 'refuse', times: 1 });
    expect(s.isDown('south')).toBe(false);
    s.add({ name: 'down', gateway: 'south', kind: 'refuse' });
    expect(s.isDown('south')).toBe(true);
    expect(s.isDown('north')).toBe(false);
    expect(s.remove('down')).toBe(true);
    expect(s.remove('down')).toBe(false);
    expect(s.isDown('south')).toBe(false);
    s.reset();
    expect(s.list()).toEqual([]);
    expect(changes).toBe(4);
  });
});
