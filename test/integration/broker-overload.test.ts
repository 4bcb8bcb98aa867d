/**
 * Admission control on the broker's HTTP face, on a virtual clock: a full queue is answered at
 * once with HTTP 503 + Retry-After and a Receiver / wsa:EndpointUnavailable fault (audited), and a
 * request whose deadline passed while it waited gets that fault, not legs marked timed out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDocumentsEnvelope } from '../../simulator/cli/example-request.js';
import type { FaultEvent, TransactionEvent } from '../../simulator/events/transaction-events.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { virtualClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { blackHole, external } from '../helpers/topology.js';

const clock = virtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
let hole: Awaited<ReturnType<typeof blackHole>>;
let running: RunningTopology;
const faults: FaultEvent[] = [];
const transactions: TransactionEvent[] = [];

const FAULT_BODY = (reason: string): string =>
  '<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">' +
  '<env:Header><wsa:Action>http://www.w3.org/2005/08/addressing/fault</wsa:Action><wsa:MessageID>ID</wsa:MessageID></env:Header>' +
  '<env:Body><env:Fault><env:Code><env:Value>env:Receiver</env:Value><env:Subcode><env:Value>wsa:EndpointUnavailable</env:Value></env:Subcode></env:Code>' +
  `<env:Reason><env:Text xml:lang="en">${reason}</env:Text></env:Reason>` +
  '<env:Detail><wsa:RetryAfter>2000</wsa:RetryAfter></env:Detail></env:Fault></env:Body></env:Envelope>';

interface Answer {
  status: number;
  retryAfter: string | null;
  contentType: string | null;
  body: string;
}

async function query(): Promise<Answer> {
  const res = await fetch(running.broker.endpoints['ITI-38'], {
    method: 'POST',
    headers: { 'content-type': 'application/soap+xml; charset=UTF-8' },
    body: findDocumentsEnvelope('9995649284'),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    contentType: res.headers.get('content-type'),
    body: (await res.text()).replace(/<wsa:MessageID>urn:uuid:[0-9a-f-]{36}</, '<wsa:MessageID>ID<'),
  };
}

/** Wait (in real time, briefly) until the virtual clock holds `n` timers: legs or queued deadlines. */
async function timers(n: number): Promise<void> {
  for (let i = 0; i < 500 && clock.pending() < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(clock.pending()).toBe(n);
}

beforeAll(async () => {
  hole = await blackHole();
  running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: {
        port: 0,
        deadlineMs: 5_000,
        admission: { maxConcurrent: 1, maxWaiting: 1, requestDeadlineMs: 3_000, retryAfterMs: 2_000 },
      },
      maxBodyBytes: 1024 * 1024,
      communities: [external('hung', '1.2.826.0.1.999.1', hole.url)],
    },
    { logger: silentLogger(), clock },
  );
  running.events.on('fault', (e) => faults.push(e));
  running.events.on('transaction', (e) => transactions.push(e));
});

afterAll(async () => {
  await running.stop();
  await hole.close();
});

describe('broker admission control (virtual clock)', () => {
  it('answers 503 + Retry-After at once past capacity, and a queued request whose deadline ran out with the same fault', async () => {
    const first = query(); // admitted: its leg hangs on the black hole
    await timers(1); // the leg's deadline timer
    const second = query(); // waits for the only slot
    await timers(2); // + its queue deadline
    const third = await query(); // queue full: answered without waiting for anything
    expect(third).toEqual({
      status: 503,
      retryAfter: '2',
      contentType: 'application/soap+xml; charset=UTF-8; action="http://www.w3.org/2005/08/addressing/fault"',
      body: FAULT_BODY('The service is busy: too many requests are in progress; retry after 2 s'),
    });

    clock.advance(3_000); // the overall deadline of the first two
    const [a, b] = await Promise.all([first, second]);
    expect(b).toEqual({
      status: 503,
      retryAfter: '2',
      contentType: 'application/soap+xml; charset=UTF-8; action="http://www.w3.org/2005/08/addressing/fault"',
      body: FAULT_BODY(
        'The service is busy: the request could not be processed within its 3000 ms deadline; retry after 2 s',
      ),
    });
    // The admitted request's leg really ran and was given what was left of its 3 s, not the 5 s leg deadline.
    expect(a.status).toBe(200);
    expect(transactions).toHaveLength(1);
    expect(transactions[0]!.legs.map((l) => [l.community, l.outcome, l.failure?.detail])).toEqual([
      ['hung', 'failed', 'no answer within 3000 ms'],
    ]);
    // Both refusals are audited as failures, with what the consumer was told.
    expect(
      faults.map((f) => ({ status: f.httpStatus, code: f.code, subcode: f.subcode, reason: f.reason })),
    ).toEqual([
      {
        status: 503,
        code: 'Receiver',
        subcode: 'wsa:EndpointUnavailable',
        reason: 'The service is busy: too many requests are in progress; retry after 2 s',
      },
      {
        status: 503,
        code: 'Receiver',
        subcode: 'wsa:EndpointUnavailable',
        reason:
          'The service is busy: the request could not be processed within its 3000 ms deadline; retry after 2 s',
      },
    ]);
  });

  it('admits again once the slot is free', async () => {
    const p = query();
    await timers(1);
    clock.advance(3_000);
    expect((await p).status).toBe(200);
  });
});
