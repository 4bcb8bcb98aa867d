/**
 * Audit that never gets stuck: an oversized request is audited with bounded, digested values and
 * reaches PARS; an event PARS refuses for good (400, 413) is dead-lettered, logged at error level
 * and counted, while every other event is delivered exactly once, in order, across a restart of
 * the queue. The proof of "zero events lost or stuck with PARS refusing one" (200 events).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { AuditEvent } from 'fhir/r4.js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NIR_ACTION_CODES } from '../../simulator/audit/action-codes.js';
import { transactionAuditEvents } from '../../simulator/audit/audit-event.js';
import { DurableQueue, deadLettersOnDisk } from '../../simulator/audit/durable-queue.js';
import { parsSender } from '../../simulator/audit/pars-client.js';
import { ParsForwarder } from '../../simulator/audit/pars-forwarder.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { startParsService, type RunningPars } from '../../simulator/pars/pars-service.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { fixedClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { findDocuments } from '../helpers/requests.js';
import { post } from '../helpers/soap-http.js';
import { defaultPackDir } from '../helpers/topology.js';

const NOW = Date.UTC(2025, 2, 14, 12, 0, 0);
const BACKOFF = { initialMs: 10, maxMs: 40 };

function events(n: number): AuditEvent[] {
  return Array.from(
    { length: n },
    (_, i) =>
      transactionAuditEvents(
        {
          id: `tx-${i}`,
          transaction: 'ITI-38',
          patient: '9995649284',
          messageId: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          startedAt: NOW + i,
          durationMs: 5,
          status: ResponseStatus.Success,
          errors: [],
          resultCount: 1,
          legs: [],
        },
        {
          actions: NIR_ACTION_CODES,
          observer: { id: 'nir-sim', display: 'NIR' },
          productId: 'nir-sim',
          newId: () => `ev-${String(i).padStart(3, '0')}`,
        },
      )[0]!,
  );
}

/** A pino logger whose lines are collected. */
function capturingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info', base: null, timestamp: false }, sink), lines };
}

let dir: string;
let pars: RunningPars;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-dead-letter-'));
  pars = await startParsService({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    clock: fixedClock(NOW),
  });
});
afterAll(async () => {
  await pars.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('PARS refusing events for good', () => {
  it('200 events, one refused with 400 and one with 413: the other 198 arrive once, in order, across a restart', async () => {
    const qdir = path.join(dir, 'queue');
    const all = events(200);
    const invalid = { ...all[57]!, outcome: '3' } as unknown as AuditEvent; // FHIR: 0, 4, 8 or 12
    const huge = { ...all[140]!, outcomeDesc: 'x'.repeat(2_200_000) }; // PARS takes 2 MiB
    const sent = all.map((e, i) => (i === 57 ? invalid : i === 140 ? huge : e));
    const q1 = DurableQueue.open(qdir);
    for (const e of sent) q1.append({ id: e.id!, json: JSON.stringify(e) });
    const { logger, lines } = capturingLogger();
    const s1 = parsSender(pars.url, 10_000);
    const f1 = new ParsForwarder(q1, s1.send, logger, BACKOFF);
    f1.start();
    await waitFor(() => f1.stats.delivered >= 100);
    await f1.stop(); // the broker restarts with ~100 events still queued
    q1.close();
    s1.close();
    expect(f1.stats.rejected).toBe(1);
    expect(deadLettersOnDisk(qdir)).toBe(1);

    const q2 = DurableQueue.open(qdir);
    const s2 = parsSender(pars.url, 10_000);
    const f2 = new ParsForwarder(q2, s2.send, logger, BACKOFF);
    f2.start();
    await f2.drained();
    await f2.stop();
    q2.close();
    s2.close();

    const want = all.filter((_, i) => i !== 57 && i !== 140).map((e) => e.id);
    expect(pars.store.all().map((e) => e.id)).toEqual(want);
    // at most one resend: the attempt in flight when the first forwarder stopped (PARS stored it once)
    expect(f1.stats.duplicates + f2.stats.duplicates).toBeLessThanOrEqual(1);
    expect(f1.stats.delivered + f2.stats.delivered).toBe(198);
    expect(f1.stats.rejected + f2.stats.rejected).toBe(2);
    expect(q2.depth).toBe(0);
    expect(deadLettersOnDisk(qdir)).toBe(2);
    const letters = readFileSync(path.join(qdir, 'rejected.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { id: string; reason: string; item: AuditEvent });
    expect(letters.map((l) => [l.id, l.reason, l.item])).toEqual([
      [
        'ev-057',
        'HTTP 400: AuditEvent.outcome: must be equal to one of the allowed values: ["0","4","8","12"]',
        invalid,
      ],
      ['ev-140', 'HTTP 413: the AuditEvent exceeds 2 MiB', huge],
    ]);
    const errors = lines.filter((l) => l['level'] === 50);
    expect(errors).toEqual([
      {
        level: 50,
        id: 'ev-057',
        status: 400,
        outcome: 'AuditEvent.outcome: must be equal to one of the allowed values: ["0","4","8","12"]',
        deadLetterFile: path.join(qdir, 'rejected.ndjson'),
        msg: 'PARS refused audit event ev-057 with HTTP 400 (AuditEvent.outcome: must be equal to one of the allowed values: ["0","4","8","12"]); dead-lettered, delivering the rest',
      },
      {
        level: 50,
        id: 'ev-140',
        status: 413,
        outcome: 'the AuditEvent exceeds 2 MiB',
        deadLetterFile: path.join(qdir, 'rejected.ndjson'),
        msg: 'PARS refused audit event ev-140 with HTTP 413 (the AuditEvent exceeds 2 MiB); dead-lettered, delivering the rest',
      },
    ]);
  });
});

describe('an oversized request through the broker', () => {
  let running: RunningTopology;
  beforeAll(async () => {
    const pack = await loadDataPack(defaultPackDir);
    running = await startInProcess(
      {
        host: '127.0.0.1',
        broker: { port: 0, deadlineMs: 10_000 },
        maxBodyBytes: 10 * 1024 * 1024, // the broker's default
        dataPackDir: pack.dir,
        communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
      },
      { logger: silentLogger(), audit: { dir: path.join(dir, 'broker'), backoff: BACKOFF } },
    );
  });
  afterAll(async () => {
    await running?.stop();
  });

  it('a query whose wsa:MessageID is 2.2 million characters is audited with a cut, digested value and delivered', async () => {
    const messageId = `urn:uuid:${'a'.repeat(2_200_000)}`;
    const digest = createHash('sha256').update(messageId, 'utf8').digest('hex');
    const marker = `…[truncated: ${messageId.length} characters, sha256 ${digest}]`;
    const res = await post(running.broker.endpoints['ITI-38'], findDocuments('9995649284', { messageId }));
    expect(res.status).toBe(200);
    await running.audit!.drained();
    const stored = running.audit!.parsStore!.all();
    expect(stored).toHaveLength(1);
    const tx = stored[0]!.entity!.find((e) => e.type?.code === 'XrequestId');
    expect(tx?.what?.identifier?.value).toBe(messageId.slice(0, 1024 - marker.length) + marker);
    expect(running.audit!.stats).toMatchObject({ delivered: 1, rejected: 0 });
    expect(running.audit!.queueDepth()).toBe(0);
  });
});

async function waitFor(cond: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
