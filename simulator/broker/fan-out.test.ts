import { describe, expect, it } from 'vitest';
import { fanOut } from './fan-out.js';
import { virtualClock } from '../shared/clock.js';

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
      { deadlineMs: 5_000, clock: virtualClock() },
    );
    const r = await p;
    expect(started).toEqual(['a', 'b', 'c']);
    expect(r.map((s) => (s.ok ? s.value : 'x'))).toEqual(['A', 'B', 'C']);
  });

  it('aborts a leg at its deadline and marks it timed out, without affecting the others', async () => {
    const clock = virtualClock(1_000);
    const p = fanOut(
      ['slow', 'fast'],
      (t, signal) =>
        t === 'fast'
          ? Promise.resolve('ok')
          : new Promise<string>((_, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason as Error)),
            ),
      { deadlineMs: 50, clock },
    );
    await new Promise((r) => setImmediate(r)); // the fast leg settles: only the slow one's deadline is left
    expect(clock.pending()).toBe(1);
    clock.advance(49);
    await new Promise((r) => setImmediate(r));
    expect(clock.pending()).toBe(1);
    clock.advance(1);
    const r = await p;
    expect(r).toEqual([
      {
        ok: false,
        error: expect.objectContaining({ name: 'TimeoutError' }) as unknown,
        timedOut: true,
        startedAt: 1_000,
        durationMs: 50,
      },
      { ok: true, value: 'ok', startedAt: 1_000, durationMs: 0 },
    ]);
  });

  it("drops every leg's deadline timer once the leg settles (none left to fire later)", async () => {
    const clock = virtualClock();
    const r = await fanOut(['a', 'b'], (t) => Promise.resolve(t), { deadlineMs: 1_000, clock });
    expect(r.map((s) => s.ok)).toEqual([true, true]);
    expect(clock.pending()).toBe(0);
  });

  it('reports a thrown error as not timed out', async () => {
    const clock = virtualClock();
    const r = await fanOut(['x'], () => Promise.reject(new Error('boom')), { deadlineMs: 1_000, clock });
    expect(r).toEqual([
      { ok: false, error: new Error('boom'), timedOut: false, startedAt: 0, durationMs: 0 },
    ]);
    expect(clock.pending()).toBe(0);
  });

  it('a parent abort ends every leg, not marked as timed out', async () => {
    const clock = virtualClock();
    const parent = new AbortController();
    const p = fanOut(
      ['a', 'b'],
      (_t, signal) =>
        new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(new Error('gone')))),
      { deadlineMs: 1_000, clock, parent: parent.signal },
    );
    parent.abort();
    expect((await p).map((s) => (s.ok ? 'ok' : s.timedOut))).toEqual([false, false]);
    expect(clock.pending()).toBe(0);
  });
});
