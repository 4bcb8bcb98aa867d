import { describe, expect, it } from 'vitest';
import { systemClock, virtualClock } from '../../../simulator/shared/clock.js';

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

  it('a cancelled timeout is dropped at once and never aborts', () => {
    const clock = virtualClock();
    const cancel = new AbortController();
    const deadline = clock.timeout(50, cancel.signal);
    expect(clock.pending()).toBe(1);
    cancel.abort();
    expect(clock.pending()).toBe(0);
    clock.advance(1_000);
    expect(deadline.aborted).toBe(false);
  });

  it('a cancelled sleep is dropped and rejects with the cancel reason; already cancelled: no timer', async () => {
    const clock = virtualClock();
    const cancel = new AbortController();
    const slept = clock.sleep(50, cancel.signal);
    cancel.abort(new Error('client went away'));
    await expect(slept).rejects.toThrow('client went away');
    expect(clock.pending()).toBe(0);
    const deadline = clock.timeout(50, cancel.signal);
    await expect(clock.sleep(50, cancel.signal)).rejects.toThrow('client went away');
    expect([clock.pending(), deadline.aborted]).toEqual([0, false]);
  });

  it('ms <= 0: an already aborted timeout and a sleep that resolves at the next advance', async () => {
    const clock = virtualClock();
    expect(clock.timeout(0).aborted).toBe(true);
    const slept = clock.sleep(-5);
    clock.advance(0);
    await expect(slept).resolves.toBeUndefined();
  });
});

describe('systemClock', () => {
  it('a cancelled timeout never aborts (its timer is cleared)', async () => {
    const cancel = new AbortController();
    const deadline = systemClock.timeout(1, cancel.signal);
    cancel.abort();
    await systemClock.sleep(20);
    expect(deadline.aborted).toBe(false);
  });

  it('an uncancelled timeout aborts with a TimeoutError, with or without a cancel signal', async () => {
    const plain = systemClock.timeout(1);
    const cancellable = systemClock.timeout(1, new AbortController().signal);
    await systemClock.sleep(20);
    expect([plain.aborted, cancellable.aborted]).toEqual([true, true]);
    expect(reasonOf(cancellable)).toEqual(reasonOf(plain));
    expect(reasonOf(plain)[0]).toBe('TimeoutError');
  });

  it('a cancelled sleep rejects with the cancel reason', async () => {
    const cancel = new AbortController();
    const slept = systemClock.sleep(60_000, cancel.signal);
    cancel.abort(new Error('stop'));
    await expect(slept).rejects.toThrow('stop');
  });
});
