/**
 * ITI-68 and WADO-RS go through the broker's admission queue as ITI-67 and the SOAP endpoints do
 * (broker/admission.ts, fhir-http.ts holdSlot): with every slot taken and no waiting place, 503
 * with Retry-After (RFC 9110 §15.6.4) and an OperationOutcome `throttled`, recorded as a
 * FaultEvent; a request whose deadline passes while it waits, 503 `timeout`; a freed slot admits
 * the next request. The queue runs on a virtual clock and its slot is held by the test: no timing.
 */
import http from 'node:http';
import express from 'express';
import type { OperationOutcome } from 'fhir/r4.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionQueue, type AdmissionTicket } from '../../simulator/broker/admission.js';
import { CommunityDirectory } from '../../simulator/broker/community-directory.js';
import type { BrokerContext } from '../../simulator/broker/context.js';
import { retrieveDocumentHandler } from '../../simulator/broker/retrieve-document.js';
import { wadoRsRouter } from '../../simulator/broker/wado-rs.js';
import type { FaultEvent } from '../../simulator/events/transaction-events.js';
import { validateFhirResource } from '../../simulator/fhir/schema-validator.js';
import { virtualClock, type VirtualClock } from '../../simulator/shared/clock.js';
import { FhirPath } from '../../simulator/shared/fhir-endpoints.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { waitFor } from '../helpers/security-fixtures.js';
import { listenOnPort0, type Listening } from '../helpers/listen.js';

const HOME = 'urn:oid:1.2.826.0.1.999.1';
const ITI68 = `${FhirPath.iti68}?homeCommunityId=${HOME}&repositoryUniqueId=1.2.3&uniqueId=1.2.3.4`;
const WADO = `${FhirPath.wadoRs}/${HOME}/studies/1.2.826.0.1.3680043.8.498.1`;
const DICOM = 'multipart/related; type="application/dicom"';
const BUSY = 'The service is busy: too many requests are in progress; retry after 2 s';

let clock: VirtualClock;
let queue: AdmissionQueue;
let faults: FaultEvent[];
let server: Listening;

/** A broker whose admission queue has `maxWaiting` places (one slot), and the two routes. */
async function start(maxWaiting: number): Promise<void> {
  clock = virtualClock(Date.UTC(2026, 0, 1));
  queue = new AdmissionQueue(
    { maxConcurrent: 1, maxWaiting, requestDeadlineMs: 5_000, retryAfterMs: 2_000 },
    clock,
  );
  faults = [];
  const context: BrokerContext = {
    directory: new CommunityDirectory([]),
    deadlineMs: 3_000,
    clock,
    logger: silentLogger(),
    transport: { maxResponseBytes: 1 << 20 },
    admission: queue,
    recorder: {
      record: (r) => {
        if (r.kind === 'fault') faults.push(r.event);
        return Promise.resolve();
      },
    },
  };
  const app = express();
  app.get(FhirPath.iti68, retrieveDocumentHandler({ context }));
  app.use(FhirPath.wadoRs, wadoRsRouter({ context }));
  server = await listenOnPort0(http.createServer(app));
}

/** Take the one processing slot, as a request in progress would. */
function holdTheSlot(): AdmissionTicket {
  const a = queue.tryEnter(clock.now());
  if (!a?.admitted) throw new Error('the slot was not free');
  return a.ticket;
}

async function get(path: string, accept = 'application/fhir+json') {
  const r = await fetch(server.url + path, { headers: { accept } });
  return {
    status: r.status,
    retryAfter: r.headers.get('retry-after'),
    contentType: r.headers.get('content-type'),
    json: (await r.json()) as OperationOutcome,
  };
}

const outcome = (code: string, diagnostics: string): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: code as 'throttled', diagnostics }],
});

describe('ITI-68 and WADO-RS with the admission queue full', () => {
  beforeAll(() => start(0));
  afterAll(() => server.close());

  it.each([
    ['ITI-68', ITI68, 'application/fhir+json'],
    ['WADO-RS', WADO, DICOM],
  ])('%s: 503, Retry-After and the OperationOutcome, recorded as a FaultEvent', async (tx, path, accept) => {
    const ticket = holdTheSlot();
    try {
      const before = faults.length;
      const r = await get(path, accept);
      expect(r).toEqual({
        status: 503,
        retryAfter: '2',
        contentType: 'application/fhir+json; charset=utf-8',
        json: outcome('throttled', BUSY),
      });
      expect(validateFhirResource('OperationOutcome', r.json)).toEqual({ ok: true });
      expect(faults.slice(before)).toMatchObject([
        { transaction: tx, httpStatus: 503, code: 'throttled', reason: BUSY },
      ]);
      expect([queue.stats().active, queue.stats().waiting]).toEqual([1, 0]);
    } finally {
      ticket.release();
    }
  });

  it('a free slot admits the request (ITI-68 of an unknown community: 404, the slot given back)', async () => {
    const r = await get(ITI68);
    expect(r.status).toBe(404);
    expect(r.json.issue.map((i) => [i.code, i.details?.text])).toEqual([
      ['not-found', 'XDSUnknownCommunity'],
    ]);
    await waitFor('the slot to be released', () => queue.stats().active === 0);
  });
});

describe('ITI-68 and WADO-RS waiting past their deadline in the queue', () => {
  beforeAll(() => start(1));
  afterAll(() => server.close());
  afterEach(() => expect(queue.stats()).toMatchObject({ active: 0, waiting: 0 }));

  it.each([
    ['ITI-68', ITI68, 'application/fhir+json'],
    ['WADO-RS', WADO, DICOM],
  ])('%s: 503 timeout once the request deadline passes (virtual clock)', async (tx, path, accept) => {
    const ticket = holdTheSlot();
    try {
      const before = faults.length;
      const answer = get(path, accept);
      await waitFor('the request to wait in the queue', () => queue.stats().waiting === 1);
      clock.advance(5_000);
      const r = await answer;
      expect([r.status, r.retryAfter, r.json.issue.map((i) => [i.severity, i.code])]).toEqual([
        503,
        '2',
        [['error', 'timeout']],
      ]);
      expect(faults.slice(before)).toMatchObject([{ transaction: tx, httpStatus: 503, code: 'timeout' }]);
    } finally {
      ticket.release();
    }
  });
});
