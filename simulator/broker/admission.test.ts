import { describe, expect, it } from 'vitest';
import { AdmissionQueue, type Admission } from './admission.js';
import type { BrokerContext } from './context.js';
import { runLegs } from './run-legs.js';
import { SoapFaultError, buildSoapFault } from '../soap/fault.js';
import { virtualClock } from '../shared/clock.js';
import { silentLogger } from '../shared/logger.js';
import { Transaction } from '../xca/constants.js';
import { CommunityDirectory } from './community-directory.js';

const limits = { maxConcurrent: 2, maxWaiting: 1, requestDeadlineMs: 1_000, retryAfterMs: 1_000 };

/** Let queued promise callbacks run (no timers: the clock is virtual). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('AdmissionQueue (virtual clock)', () => {
  it('admits up to maxConcurrent, queues up to maxWaiting, refuses the next at once', async () => {
    const clock = virtualClock(10_000);
    const q = new AdmissionQueue(limits, clock);
    const a = await q.enter(clock.now());
    const b = await q.enter(clock.now());
    expect(a).toMatchObject({ admitted: true, ticket: { deadlineAt: 11_000 } });
    expect(b.admitted).toBe(true);
    let c: Admission | undefined;
    void q.enter(clock.now()).then((x) => (c = x));
    await settle();
    expect(c).toBeUndefined(); // waiting
    expect(await q.enter(clock.now())).toEqual({ admitted: false, reason: 'queue-full' });
    expect(q.stats()).toEqual({
      active: 2,
      waiting: 1,
      admitted: 2,
      refusedQueueFull: 1,
      refusedDeadline: 0,
    });
    if (a.admitted) a.ticket.release();
    await settle();
    expect(c).toMatchObject({ admitted: true, ticket: { deadlineAt: 11_000 } });
    expect(q.stats()).toMatchObject({ active: 2, waiting: 0, admitted: 3 });
  });

  it('refuses a waiting request when its deadline (from arrival) passes in the queue, and frees its place', async () => {
    const clock = virtualClock(0);
    const q = new AdmissionQueue({ ...limits, maxConcurrent: 1 }, clock);
    const first = await q.enter(0);
    clock.advance(300);
    let waited: Admission | undefined;
    void q.enter(100).then((x) => (waited = x)); // arrived at 100, deadline 1100
    clock.advance(799); // t = 1099
    await settle();
    expect(waited).toBeUndefined();
    clock.advance(1); // t = 1100
    await settle();
    expect(waited).toEqual({ admitted: false, reason: 'deadline-in-queue' });
    expect(q.stats()).toEqual({
      active: 1,
      waiting: 0,
      admitted: 1,
      refusedQueueFull: 0,
      refusedDeadline: 1,
    });
    if (first.admitted) first.ticket.release();
    expect(q.stats().active).toBe(0);
  });

  it('refuses a request that arrives with its deadline already spent, and one abandoned by its client', async () => {
    const clock = virtualClock(5_000);
    const q = new AdmissionQueue({ ...limits, maxConcurrent: 1 }, clock);
    expect(await q.enter(4_000)).toEqual({ admitted: false, reason: 'deadline-in-queue' });
    const held = await q.enter(5_000);
    const gone = new AbortController();
    const p = q.enter(5_000, gone.signal);
    gone.abort();
    expect(await p).toEqual({ admitted: false, reason: 'deadline-in-queue' });
    expect(q.stats().waiting).toBe(0);
    if (held.admitted) {
      held.ticket.release();
      held.ticket.release(); // idempotent
    }
    expect(q.stats().active).toBe(0);
  });

  it('leaves no timer behind a request that waited and was admitted, or was abandoned', async () => {
    const clock = virtualClock(0);
    const q = new AdmissionQueue({ ...limits, maxConcurrent: 1 }, clock);
    const first = await q.enter(0);
    const waiting = q.enter(0);
    expect(clock.pending()).toBe(1); // the waiting request's deadline
    if (first.admitted) first.ticket.release();
    const second = await waiting;
    expect([second.admitted, clock.pending()]).toEqual([true, 0]);
    const gone = new AbortController();
    const abandoned = q.enter(0, gone.signal);
    expect(clock.pending()).toBe(1);
    gone.abort();
    expect([await abandoned, clock.pending()]).toEqual([{ admitted: false, reason: 'deadline-in-queue' }, 0]);
  });

  it('rejects limits that are not positive integers', () => {
    expect(() => new AdmissionQueue({ ...limits, maxConcurrent: 0 }, virtualClock())).toThrow(
      'maxConcurrent must be an integer >= 1',
    );
    expect(() => new AdmissionQueue({ ...limits, requestDeadlineMs: 1.5 }, virtualClock())).toThrow(
      'requestDeadlineMs must be an integer >= 1',
    );
  });
});

describe('runLegs under the request deadline', () => {
  const clock = virtualClock(50_000);
  const bc: BrokerContext = {
    directory: new CommunityDirectory([], {}),
    deadlineMs: 5_000,
    clock,
    logger: silentLogger(),
    transport: {} as BrokerContext['transport'],
    admission: new AdmissionQueue(limits, clock),
  };
  const target = {
    community: {
      name: 'north',
      homeCommunityId: 'urn:oid:1.2.3',
      endpoints: { 'ITI-38': 'http://127.0.0.1:9/xca/iti38' },
    },
  };

  it('starts no leg and answers the overload fault when the request has no time left', async () => {
    let called = 0;
    const err = await runLegs([target], Transaction.Iti38, { deadlineAt: clock.now() }, bc, () => {
      called++;
      return Promise.reject(new Error('never'));
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(called).toBe(0);
    expect(err).toBeInstanceOf(SoapFaultError);
    const fault = err as SoapFaultError;
    expect({ code: fault.code, subcode: fault.subcode, retryAfterMs: fault.retryAfterMs }).toEqual({
      code: 'Receiver',
      subcode: { ns: 'http://www.w3.org/2005/08/addressing', local: 'EndpointUnavailable' },
      retryAfterMs: 1_000,
    });
    expect(buildSoapFault(fault).replace(/urn:uuid:[0-9a-f-]{36}/, 'ID')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">' +
        '<env:Header><wsa:Action>http://www.w3.org/2005/08/addressing/fault</wsa:Action><wsa:MessageID>ID</wsa:MessageID></env:Header>' +
        '<env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value><env:Subcode><env:Value>wsa:EndpointUnavailable</env:Value></env:Subcode></env:Code>' +
        '<env:Reason><env:Text xml:lang="en">The service is busy: the request could not be processed within its 1000 ms deadline; retry after 1 s</env:Text></env:Reason>' +
        '<env:Detail><wsa:RetryAfter>1000</wsa:RetryAfter></env:Detail></env:Fault></env:Body></env:Envelope>',
    );
  });

  it('gives each leg only the time left, and reports that time when the leg does time out', async () => {
    const p = runLegs(
      [target],
      Transaction.Iti38,
      { deadlineAt: clock.now() + 700 },
      bc,
      (_codec, _target, signal) =>
        new Promise<never>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted', { cause: signal.reason }))),
        ),
    );
    clock.advance(700);
    const { legs, events } = await p;
    expect(legs[0]).toMatchObject({ outcome: 'failed', failure: { reason: 'timeout', deadlineMs: 700 } });
    expect(events[0]?.failure).toEqual({ reason: 'timeout', detail: 'no answer within 700 ms' });
  });
});
