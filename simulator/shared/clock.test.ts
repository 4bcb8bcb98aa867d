import { describe, expect, it } from 'vitest';
import { systemClock, virtualClock } from './clock.js';

const reasonOf = (s: AbortSignal) => {
  const r = s.reason as DOMException;
  return [r.name, r.message];
};

describe('virtualClock', () => {
  it('fires timeouts and sleeps only when advanced past their time, in time order', async () => {
    const clock = virtualClock(1_000);
    const order: string[] = [];
    const late = clock.timeout(300);
    late.addEventListener('abort', () => order.push('timeout 300'));
    const slept = clock.sleep(100).then(() => order.push('sleep 100'));
    expect([clock.pending(), clock.dueIn(), late.aborted]).toEqual([2, [100, 300], false]);

    clock.advance(99);
    await Promise.resolve();
    expect([clock.now(), order, clock.dueIn()]).toEqual([1_099, [], [1, 201]]);

    clock.advance(1);
    await slept;
    expect([clock.now(), order, clock.pending()]).toEqual([1_100, ['sleep 100'], 1]);

    clock.advance(500);
    expect([clock.now(), order, clock.pending(), late.aborted]).toEqual([
      1_600,
      ['sleep 100', 'timeout 300'],
      0,
      true,
    ]);
    expect(reasonOf(late)).toEqual(['TimeoutError', 'The operation was aborted due to timeout']);
  });

  it('a cleared deadline is dropped at once and never aborts', () => {
    const clock = virtualClock();
    const d = clock.deadline(50);
    expect(clock.pending()).toBe(1);
    d.clear();
    expect(clock.pending()).toBe(0);
    clock.advance(1_000);
    expect(d.signal.aborted).toBe(false);
  });

  it('an uncleared deadline aborts at its time with a TimeoutError; clearing afterwards changes nothing', () => {
    const clock = virtualClock();
    const d = clock.deadline(50);
    clock.advance(50);
    expect(reasonOf(d.signal)).toEqual(['TimeoutError', 'The operation was aborted due to timeout']);
    d.clear();
    expect([d.signal.aborted, clock.pending()]).toEqual([true, 0]);
  });

  it('ms <= 0: an already aborted timeout and deadline, and a sleep that resolves at the next advance', async () => {
    const clock = virtualClock();
    expect([clock.timeout(0).aborted, clock.deadline(-1).signal.aborted, clock.pending()]).toEqual([
      true,
      true,
      0,
    ]);
    const slept = clock.sleep(-5);
    clock.advance(0);
    await expect(slept).resolves.toBeUndefined();
  });
});

describe('systemClock', () => {
  it('a cleared deadline never aborts (its timer is cleared)', async () => {
    const d = systemClock.deadline(1);
    d.clear();
    await systemClock.sleep(20); // timers fire in due order: the deadline's would have come first
    expect(d.signal.aborted).toBe(false);
  });

  it('an uncleared deadline aborts with the same TimeoutError as timeout()', async () => {
    const plain = systemClock.timeout(1);
    const d = systemClock.deadline(1);
    await systemClock.sleep(20);
    expect([plain.aborted, d.signal.aborted]).toEqual([true, true]);
    expect(reasonOf(d.signal)).toEqual(reasonOf(plain));
    expect(reasonOf(plain)[0]).toBe('TimeoutError');
  });
});
