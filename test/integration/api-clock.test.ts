/**
 * The programmatic API's `clock` option (docs/api.md "Time"), as a supplier's test uses it: a
 * 60 s deadline and a community that never answers, yet the PartialSuccess comes as soon as the
 * test moves the virtual clock past the deadline. Everything from the package entry
 * (simulator/api/index.ts); the test's own timeout is far below 60 s, and nothing here measures
 * real time.
 */
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SimError,
  SimErrorCode,
  startNirSim,
  virtualClock,
  type NirSim,
  type NirSimClock,
} from '../../simulator/api/index.js';
import { findDocuments } from '../helpers/requests.js';

const RS = 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0';
const QUERY = 'urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0';
/** The default pack's patient held by every community (data-packs/default/pack.json examples). */
const NHS = '9995649284';
/** A deadline no test could wait out: only the virtual clock gets past it. */
const DEADLINE_MS = 60_000;
const START = Date.parse('2026-03-02T09:00:00Z');

/** POST an ITI-38 FindDocuments (IHE ITI TF-2 3.38); the HTTP status, ResponseStatus and RegistryErrors. */
async function iti38(url: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/soap+xml; charset=UTF-8' },
    body: findDocuments(NHS),
  });
  const doc = new DOMParser().parseFromString(await res.text(), 'application/xml');
  const errors = Array.from(doc.getElementsByTagNameNS(RS, 'RegistryError')).map((e) => ({
    errorCode: e.getAttribute('errorCode'),
    codeContext: e.getAttribute('codeContext'),
    severity: e.getAttribute('severity'),
    location: e.getAttribute('location'),
  }));
  const status = doc.getElementsByTagNameNS(QUERY, 'AdhocQueryResponse')[0]!.getAttribute('status');
  return { http: res.status, status, errors };
}

describe('startNirSim({ clock }): deadlines on the test’s time', () => {
  let sim: NirSim;
  let clock: NirSimClock;
  beforeAll(async () => {
    clock = virtualClock(START);
    sim = await startNirSim({ communities: 3, deadlineMs: DEADLINE_MS, clock });
  });
  afterAll(() => sim.stop());

  it('a timeout fault under a 60 s deadline is a PartialSuccess once the clock passes the deadline', async () => {
    const [north] = sim.urls.communities;
    sim.faults.add({ name: 'north-hangs', gateway: north!.name, kind: 'timeout' });
    const pending = iti38(sim.urls.broker.endpoints['ITI-38']);
    // The two healthy communities answered; the broker now waits only on the hung one's deadline.
    expect(await clock.whenTimers((d) => d.length === 1 && d[0] === DEADLINE_MS)).toEqual([DEADLINE_MS]);
    clock.advance(DEADLINE_MS - 1);
    expect(clock.dueIn()).toEqual([1]); // 1 ms short: still waiting
    clock.advance(1);
    expect(await pending).toEqual({
      http: 200,
      status: 'urn:ihe:iti:2007:ResponseStatusType:PartialSuccess',
      errors: [
        {
          errorCode: 'XDSUnavailableCommunity',
          codeContext: `community ${north!.homeCommunityId} (${north!.name}) did not answer within ${DEADLINE_MS} ms`,
          severity: 'urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error',
          location: north!.homeCommunityId,
        },
      ],
    });
    expect(clock.pending()).toBe(0);
    // The broker's record is on the same clock: started when the request arrived, 60 s long.
    const [tx] = sim.transactions({ transaction: 'ITI-38' });
    expect(tx).toMatchObject({
      status: 'urn:ihe:iti:2007:ResponseStatusType:PartialSuccess',
      startedAt: START,
      durationMs: DEADLINE_MS,
      patient: NHS,
    });
    // The AuditEvent's recorded time is the virtual clock's too (docs/audit.md).
    const [audit] = await sim.auditEvents();
    expect(audit!.recorded).toBe(new Date(START + DEADLINE_MS).toISOString());
    sim.faults.clear();
  });

  it('a latency fault waits on the virtual clock: the answer comes when the clock has moved its latency', async () => {
    const [, west] = sim.urls.communities;
    sim.faults.add({ name: 'west-slow', gateway: west!.name, kind: 'latency', latencyMs: 5_000 });
    try {
      const pending = iti38(sim.urls.broker.endpoints['ITI-38']);
      // West's latency (5 s) and its leg deadline (60 s) are pending; the other legs answered.
      const due = await clock.whenTimers((d) => d.length === 2 && d[0] === 5_000);
      expect(due).toEqual([5_000, DEADLINE_MS]);
      clock.advance(5_000);
      expect(await pending).toEqual({
        http: 200,
        status: 'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success',
        errors: [],
      });
      expect(sim.transactions({ transaction: 'ITI-38' })[0]!.durationMs).toBe(5_000);
    } finally {
      sim.faults.clear();
    }
  });

  it('whenTimers is bounded: a wait that never comes true is a SimError naming the pending timers', async () => {
    const err = await clock
      .whenTimers(() => false, { timeoutMs: 20 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(SimError);
    expect((err as SimError).code).toBe(SimErrorCode.StartTimeout);
    expect((err as SimError).message).toBe(
      'the awaited timers were not pending within 20 ms of real time; pending (ms until each fires): []',
    );
  });
});

describe('the clock option is checked', () => {
  it.each([
    [{ now: () => 0 }, 'clock lacks timeout, deadline, sleep: pass virtualClock() or another DeadlineClock'],
    [42, 'clock lacks now, timeout, deadline, sleep: pass virtualClock() or another DeadlineClock'],
  ])('%j is refused with a SimError saying what to pass', async (clock, message) => {
    const err = await startNirSim({ clock: clock as never }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SimError);
    expect((err as SimError).code).toBe(SimErrorCode.BadArgument);
    expect((err as SimError).message).toBe(message);
  });

  it('virtualClock refuses a start that is not a finite number of ms', () => {
    expect(() => virtualClock(Number.NaN)).toThrow(
      new SimError(SimErrorCode.BadArgument, 'startMs NaN must be a finite number of ms since 1970'),
    );
  });
});
