/**
 * Audit under load (docs/audit.md): 1,000 concurrent consumer requests (queries, invalid NHS
 * numbers, retrieves, undecodable bodies) with faults in some communities give exactly one
 * AuditEvent per request, none duplicated, each valid and with the outcome its answer implies; and
 * the same with PARS down for part of the run and the broker restarted in the middle: the durable
 * queue drains after the restart, PARS receives every event once, in order.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEvent } from 'fhir/r4.js';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { DataPack } from '../../simulator/data-pack/pack-format.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { startAuditStack } from '../../simulator/runtime/audit-stack.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { systemClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { SoapAction } from '../../simulator/xca/constants.js';
import { encodeRetrieveDocumentSetRequest } from '../../simulator/xca/retrieve-document-set.js';
import { findDocuments } from '../helpers/requests.js';
import { defaultPackDir, startTestTopology } from '../helpers/topology.js';

/**
 * Every one of the 1,000 concurrent requests is admitted (none refused 503 by the admission queue,
 * whose own tests are test/integration/broker-overload.test.ts): this file is about the audit of what the
 * broker answered, including legs timed out under load.
 */
const AUDIT_LOAD_ADMISSION = { maxConcurrent: 1_000, maxWaiting: 1_000, requestDeadlineMs: 120_000 };

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'nir-sim-audit-load-'));
  dirs.push(d);
  return d;
};

type Kind = 'query' | 'invalid' | 'retrieve' | 'fault';
interface Sent {
  messageId: string;
  kind: Kind;
  status: number;
  /** The ebXML status URN of the answer (empty for a SOAP Fault). */
  answer: string;
}

/** The i-th request of the mix: 6 queries, 1 invalid NHS number, 2 retrieves, 1 undecodable body in 10. */
function requestFor(
  i: number,
  run: string,
  pack: DataPack,
): { kind: Kind; messageId: string; url: 'ITI-38' | 'ITI-39'; body: string } {
  const messageId = `urn:uuid:00000000-0000-4${run}-8000-${String(i).padStart(12, '0')}`;
  const slot = i % 10;
  if (slot === 6)
    return { kind: 'invalid', messageId, url: 'ITI-38', body: findDocuments('9999999991', { messageId }) };
  if (slot === 9) {
    const body = buildSoapEnvelope({
      action: SoapAction.CrossGatewayQuery,
      messageId,
      bodyXml: '<notAQuery xmlns="urn:x"/>',
    });
    return { kind: 'fault', messageId, url: 'ITI-38', body };
  }
  if (slot === 7 || slot === 8) {
    const c = pack.communities[i % pack.communities.length]!;
    const e = c.entries[i % c.entries.length]!;
    const bodyXml = encodeRetrieveDocumentSetRequest({
      documents: [
        {
          homeCommunityId: c.homeCommunityId,
          repositoryUniqueId: e.repositoryUniqueId,
          documentUniqueId: e.uniqueId,
        },
      ],
    });
    return {
      kind: 'retrieve',
      messageId,
      url: 'ITI-39',
      body: buildSoapEnvelope({ action: SoapAction.CrossGatewayRetrieve, messageId, bodyXml }),
    };
  }
  const withDocuments = pack.patients.filter((x) => x.documentCount > 0);
  const p = withDocuments[i % withDocuments.length]!;
  return { kind: 'query', messageId, url: 'ITI-38', body: findDocuments(p.nhsNumber, { messageId }) };
}

/** Send requests `from..to-1` concurrently over at most 50 connections. */
async function sendMany(
  running: RunningTopology,
  pack: DataPack,
  run: string,
  from: number,
  to: number,
): Promise<Sent[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  try {
    return await Promise.all(
      Array.from({ length: to - from }, async (_, k) => {
        const r = requestFor(from + k, run, pack);
        const res = await post(running.broker.endpoints[r.url], r.body, agent, `consumer-${(from + k) % 3}`);
        const answer =
          /<(?:\w+:)?(?:AdhocQueryResponse|RegistryResponse)\b[^>]*\sstatus="([^"]+)"/.exec(res.body)?.[1] ??
          '';
        return { messageId: r.messageId, kind: r.kind, status: res.status, answer };
      }),
    );
  } finally {
    agent.destroy();
  }
}

function post(
  url: string,
  body: string,
  agent: Agent,
  consumer: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/soap+xml; charset=UTF-8', 'x-nir-consumer': consumer },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const readEvents = (file: string): AuditEvent[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEvent);
const messageIdOf = (e: AuditEvent) =>
  e.entity?.find((x) => x.what?.identifier?.system === 'https://fhir.nhs.uk/Id/transaction')?.what?.identifier
    ?.value;

/** What each request's event must say: one per request, outcome from its answer. */
function expectOneEventPerRequest(sent: Sent[], events: AuditEvent[]): void {
  expect(events).toHaveLength(sent.length);
  expect(new Set(events.map((e) => e.id)).size).toBe(sent.length);
  const byMessage = new Map(events.map((e) => [messageIdOf(e), e]));
  expect(byMessage.size).toBe(sent.length);
  const mismatches = sent.flatMap((s) => {
    const e = byMessage.get(s.messageId);
    const want = expectedOutcome(s);
    return e && e.outcome === want && e.subtype?.[0]?.code === (s.kind === 'retrieve' ? 'ITI-39' : 'ITI-38')
      ? []
      : [{ ...s, got: e?.outcome, want }];
  });
  expect(mismatches).toEqual([]);
}

function expectedOutcome(s: Sent): string {
  if (s.kind === 'fault') return s.status === 400 ? '8' : 'unexpected HTTP status';
  if (s.kind === 'invalid') return '8';
  if (s.answer.endsWith(':Success')) return '0';
  if (s.answer.endsWith(':PartialSuccess')) return '4';
  return '12'; // a valid request that failed: every community it needed was unavailable
}

function communityFaults(faults: FaultStore, pack: DataPack, tag: string): void {
  const [a, b, c] = pack.communities.map((x) => x.name);
  const r = faults.addAll([
    { name: `${tag}-hang`, gateway: a!, kind: 'timeout', probability: 0.2 },
    { name: `${tag}-503`, gateway: b!, kind: 'http-status', status: 503, probability: 0.3 },
    { name: `${tag}-fault`, gateway: c!, kind: 'soap-fault', probability: 0.1 },
  ]);
  expect(r.ok).toBe(true);
}

describe('audit under 1,000 concurrent consumer requests', () => {
  it('writes exactly one valid event per request, none duplicated, and PARS stores each once', async () => {
    const t = await startTestTopology({ deadlineMs: 300, admission: AUDIT_LOAD_ADMISSION });
    const dir = tempDir();
    const audit = await startAuditStack(
      t.running.events,
      { dir, backoff: { initialMs: 20, maxMs: 200 } },
      { host: '127.0.0.1', logger: silentLogger(), clock: systemClock, faults: t.faults },
    );
    try {
      communityFaults(t.faults, t.pack, 'a');
      const sent = await sendMany(t.running, t.pack, '0', 0, 1000);
      expect(sent.filter((s) => (s.kind === 'fault' ? s.status !== 400 : s.status !== 200))).toEqual([]);
      const events = readEvents(audit.file);
      expectOneEventPerRequest(sent, events);
      const outcomes = new Set(events.map((e) => e.outcome));
      expect(outcomes.has('4') && outcomes.has('8')).toBe(true); // the faults did bite
      await audit.drained();
      expect(audit.stats).toMatchObject({ rejected: 0, duplicates: 0 });
      expect(audit.parsStore!.all().map((e) => e.id)).toEqual(events.map((e) => e.id));
    } finally {
      await t.running.stop();
      await audit.stop();
    }
  }, 120_000);

  it('loses and duplicates nothing with PARS down for part of the run and the broker restarted midway', async () => {
    const pack = await loadDataPack(defaultPackDir);
    const dir = tempDir();
    const start = async (): Promise<{ running: RunningTopology; faults: FaultStore }> => {
      const faults = new FaultStore(7, () => pack.communities.map((c) => c.name));
      const running = await startInProcess(
        {
          host: '127.0.0.1',
          broker: { port: 0, deadlineMs: 300, admission: AUDIT_LOAD_ADMISSION },
          maxBodyBytes: 10 * 1024 * 1024,
          dataPackDir: pack.dir,
          communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
        },
        { logger: silentLogger(), faults, audit: { dir, backoff: { initialMs: 20, maxMs: 200 } } },
      );
      communityFaults(faults, pack, 'b');
      return { running, faults };
    };

    const first = await start();
    const sentA = await sendMany(first.running, pack, '1', 0, 250);
    expect(first.faults.add({ name: 'pars-outage', gateway: 'pars', kind: 'pars-down' }).ok).toBe(true);
    sentA.push(...(await sendMany(first.running, pack, '1', 250, 500)));
    expect(first.running.audit!.queueDepth()).toBeGreaterThan(0);
    const fileA = first.running.audit!.file;
    await first.running.stop(); // the broker restarts with events still queued and PARS down

    const second = await start();
    expect(second.running.audit!.file).not.toBe(fileA);
    const sentB = await sendMany(second.running, pack, '1', 500, 750);
    expect(second.faults.add({ name: 'pars-outage', gateway: 'pars', kind: 'pars-down' }).ok).toBe(true);
    sentB.push(...(await sendMany(second.running, pack, '1', 750, 1000)));
    expect(second.running.audit!.queueDepth()).toBeGreaterThan(0);
    expect(second.faults.remove('pars-outage')).toBe(true);
    await second.running.audit!.drained();
    const stats = second.running.audit!.stats;
    const stored = second.running.audit!.parsStore!.all().map((e) => e.id);
    await second.running.stop();

    const eventsA = readEvents(fileA);
    const eventsB = readEvents(second.running.audit!.file);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.ndjson'))
        .sort(),
    ).toEqual([path.basename(fileA), path.basename(second.running.audit!.file)].sort());
    expectOneEventPerRequest([...sentA, ...sentB], [...eventsA, ...eventsB]);
    expect(stored).toEqual([...eventsA, ...eventsB].map((e) => e.id));
    expect(stats.rejected).toBe(0);
    expect(stats.retries).toBeGreaterThan(0);
  }, 120_000);
});
