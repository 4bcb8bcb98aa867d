import { describe, expect, it } from 'vitest';
import { fanOut } from '../../../simulator/broker/fan-out.js';
import { systemClock } from '../../../simulator/shared/clock.js';

describe('fanOut', () => {
  it('starts every leg before any finishes and keeps target order', async () => {
    const started: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const p = fanOut(
      ['a', 'b', 'c'],
      async (t) => {
        started.push(t);
        if (started.length === 3) release();
        await gate; // resolves only once all three legs have started: a sequential fan-out would hang
        return t.toUpperCase();
      },
      { deadlineMs: 5_000, clock: systemClock },
    );
    const r = await p;
    expect(started).toEqual(['a', 'b', 'c']);
    expect(r.map((s) => (s.ok ? s.value : 'x'))).toEqual(['A', 'B', 'C']);
  });

  it('aborts a leg at its deadline and marks it timed out, without affecting the others', async () => {
    const r = await fanOut(
      ['slow', 'fast'],
      (t, signal) =>
        t === 'fast'
          ? Promise.resolve('ok')
          : new Promise<string>((_, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason as Error)),
            ),
      { deadlineMs: 50, clock: systemClock },
    );
    expect(r[0]).toMatchObject({ ok: false, timedOut: true });
    expect(r[1]).toMatchObject({ ok: true, value: 'ok' });
  });

  it('reports a thrown error as not timed out', async () => {
    const r = await fanOut(['x'], () => Promise.reject(new Error('boom')), {
      deadlineMs: 1_000,
      clock: systemClock,
    });
    expect(r[0]).toMatchObject({ ok: false, timedOut: false });
  });
});
