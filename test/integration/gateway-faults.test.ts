/**
 * Every fault kind, applied by a simulated responding gateway, and what the broker answers: the
 * status and the full RegistryErrorList (this is the truth behind docs/faults.md's fault table).
 * Broker deadlines and latency faults run on a virtual clock: a test moves time past a deadline
 * only once every other community has answered, so no outcome depends on how busy the machine is.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FaultSpecInput } from '../../simulator/faults/fault-spec.js';
import { virtualClock } from '../../simulator/shared/clock.js';
import { ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import type { ErrorSeverity as Severity } from '../../simulator/xca/constants.js';
import type { RegistryError } from '../../simulator/xca/types.js';
import { findDocuments, retrieve } from '../helpers/requests.js';
import { post, readQueryResponse, readRetrieveResponse } from '../helpers/soap-http.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';
import { timersAre, timersWhen } from '../helpers/virtual-time.js';

const E = ErrorSeverity.Error;
const W = ErrorSeverity.Warning;
const DEADLINE = 400;
/** A fault without its envelope's name and gateway (distributed over the union). */
type FaultBody = FaultSpecInput extends infer F
  ? F extends unknown
    ? Omit<F, 'name' | 'gateway'>
    : never
  : never;

describe('faults at a responding gateway, as the broker reports them', () => {
  let t: TestTopology;
  let nhs: string;
  let A: { name: string; homeCommunityId: string; displayName: string };
  let who: string;
  let ownCount: number;
  const clock = virtualClock(Date.parse('2025-01-01T00:00:00Z'));
  beforeAll(async () => {
    t = await startTestTopology({ deadlineMs: DEADLINE, clock });
    nhs = t.pack.manifest.examples.inAllCommunities!;
    A = t.pack.communities[0]!;
    who = `community ${A.homeCommunityId} (${A.name})`;
    ownCount = t.pack.communities[0]!.entries.filter((e) => e.patientId.startsWith(`${nhs}^`)).length;
  });
  afterAll(() => t.running.stop());
  afterEach(() => {
    t.faults.reset();
    clock.advance(60 * 60_000); // a latency a test moved past ends now, not during the next test
  });

  const fault = (f: FaultBody) => {
    const r = t.faults.add({ name: 'f', gateway: A.name, ...f });
    if (!r.ok) throw new Error(r.problems.join('; '));
  };
  const query = async () =>
    readQueryResponse(await post(t.running.broker.endpoints['ITI-38'], findDocuments(nhs))).response;
  const err = (errorCode: string, codeContext: string | RegExp, severity: Severity = E): RegistryError => ({
    errorCode,
    codeContext:
      typeof codeContext === 'string' ? codeContext : (expect.stringMatching(codeContext) as string),
    severity,
    location: A.homeCommunityId,
  });
  const homesOf = (objects: { home?: string }[]) => [...new Set(objects.map((o) => o.home))].sort();
  const allHomes = () => t.pack.communities.map((c) => c.homeCommunityId).sort();
  const otherHomes = () => allHomes().filter((h) => h !== A.homeCommunityId);

  /**
   * Per case: the fault, the codeContext, and the timers that are left once the other communities
   * have answered (the community's deadline, and its latency), when the case needs time to pass.
   */
  const unavailable: [string, FaultBody, RegExp | string, number[]?][] = [
    [
      'latency past the deadline',
      { kind: 'latency', latencyMs: 2_000 },
      `did not answer within ${DEADLINE} ms`,
      [DEADLINE, 2_000],
    ],
    ['timeout', { kind: 'timeout' }, `did not answer within ${DEADLINE} ms`, [DEADLINE]],
    [
      'http-status 503 with HTML',
      { kind: 'http-status', status: 503 },
      'answered HTTP 503 without a SOAP envelope',
    ],
    [
      'connection-reset before any byte',
      { kind: 'connection-reset' },
      /closed the connection before answering \(.+\)$/,
    ],
    [
      'connection-reset after 300 bytes',
      { kind: 'connection-reset', afterBytes: 300 },
      /closed the connection before answering \(.+\)$/,
    ],
    ['refuse (the gateway is down)', { kind: 'refuse' }, /refused the connection \(.*ECONNREFUSED.*\)$/],
    [
      'refuse with a condition (reset per request)',
      { kind: 'refuse', times: 5 },
      /closed the connection before answering \(.+\)$/,
    ],
    [
      'slow-body past the deadline',
      // 10 bytes a second: the answer cannot be complete before the test moves past the deadline
      { kind: 'slow-body', bytesPerSecond: 100 },
      `did not answer within ${DEADLINE} ms`,
      [DEADLINE],
    ],
  ];
  it.each(unavailable)(
    '%s: PartialSuccess, XDSUnavailableCommunity at the community',
    async (_n, f, context, waiting) => {
      fault(f);
      const answer = query();
      if (waiting) {
        await timersAre(clock, waiting);
        clock.advance(DEADLINE);
      }
      const r = await answer;
      expect(r.status).toBe(ResponseStatus.PartialSuccess);
      const ctx =
        typeof context === 'string'
          ? `${who} ${context}`
          : new RegExp(`^${who.replace(/[.()]/g, '\\$&')} ${context.source}`);
      expect(r.errors).toEqual([err('XDSUnavailableCommunity', ctx)]);
      expect(homesOf(r.objects)).toEqual(otherHomes());
    },
  );

  const unusable: [string, FaultBody, RegExp][] = [
    [
      'soap-fault',
      { kind: 'soap-fault', code: 'Receiver', reason: 'database down' },
      /answered a SOAP Fault \(.*Receiver: database down\)$/,
    ],
    [
      'malformed-xml truncated',
      { kind: 'malformed-xml', variant: 'truncated' },
      /answered with a body that is not a SOAP 1\.2 envelope \(.+\)$/,
    ],
    [
      'malformed-xml not-well-formed',
      { kind: 'malformed-xml', variant: 'not-well-formed' },
      /answered with a body that is not a SOAP 1\.2 envelope \(.+\)$/,
    ],
    [
      'malformed-xml wrong-namespace',
      { kind: 'malformed-xml', variant: 'wrong-namespace' },
      /answered with an invalid response \(.*AdhocQueryResponse.*\)$/,
    ],
    ['empty-body', { kind: 'empty-body' }, /answered with a body that is not a SOAP 1\.2 envelope \(.+\)$/],
  ];
  it.each(unusable)('%s: PartialSuccess, XDSRegistryError at the community', async (_n, f, context) => {
    fault(f);
    const r = await query();
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    expect(r.errors).toEqual([
      err('XDSRegistryError', new RegExp(`^${who.replace(/[.()]/g, '\\$&')} ${context.source}`)),
    ]);
    expect(homesOf(r.objects)).toEqual(otherHomes());
  });

  it('latency within the deadline: Success, nothing lost', async () => {
    fault({ kind: 'latency', latencyMs: 50, jitterMs: 20 });
    const answer = query();
    // Left waiting: the community's latency (30..70 ms, drawn) and its deadline.
    const [latency] = await timersWhen(clock, (d) => d.length === 2 && d[0]! < DEADLINE && d[1] === DEADLINE);
    expect(latency).toBeGreaterThanOrEqual(30);
    expect(latency).toBeLessThanOrEqual(70);
    clock.advance(latency!);
    const r = await answer;
    expect([r.status, r.errors, homesOf(r.objects)]).toEqual([ResponseStatus.Success, [], allHomes()]);
  });

  it('slow-body within the deadline: Success', async () => {
    fault({ kind: 'slow-body', bytesPerSecond: 10_000_000 });
    const r = await query();
    expect([r.status, r.errors, homesOf(r.objects)]).toEqual([ResponseStatus.Success, [], allHomes()]);
  });

  it("registry-error without documents: the community's Failure becomes the broker's PartialSuccess", async () => {
    fault({ kind: 'registry-error', errorCode: 'XDSRegistryBusy' });
    const r = await query();
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    expect(r.errors).toEqual([err('XDSRegistryBusy', `simulated XDSRegistryBusy from ${A.displayName}`)]);
    expect(homesOf(r.objects)).toEqual(otherHomes());
  });

  it("registry-error with documents: the community's own PartialSuccess is kept with its documents", async () => {
    fault({
      kind: 'registry-error',
      errorCode: 'XDSRegistryError',
      codeContext: 'one index shard is down',
      withDocuments: true,
    });
    const r = await query();
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    expect(r.errors).toEqual([err('XDSRegistryError', 'one index shard is down')]);
    expect(homesOf(r.objects)).toEqual(allHomes());
  });

  it('registry-error of Warning severity: Success with the Warning', async () => {
    fault({ kind: 'registry-error', errorCode: 'XDSRegistryBusy', severity: 'Warning', withDocuments: true });
    const r = await query();
    expect([r.status, r.errors]).toEqual([
      ResponseStatus.Success,
      [err('XDSRegistryBusy', `simulated XDSRegistryBusy from ${A.displayName}`, W)],
    ]);
  });

  it('unknown-patient: the community says XDSUnknownPatientId, reported as a Warning; Success', async () => {
    fault({ kind: 'unknown-patient' });
    const r = await query();
    expect(r.status).toBe(ResponseStatus.Success);
    expect(r.errors).toEqual([
      err(
        'XDSUnknownPatientId',
        `simulated: the patient is not known to ${A.displayName} (community does not know the patient; nir-sim reports this as a Warning)`,
        W,
      ),
    ]);
    expect(homesOf(r.objects)).toEqual(otherHomes());
  });

  it("drop-documents: only a fraction of the community's entries, silently", async () => {
    fault({ kind: 'drop-documents', keepFraction: 0.5 });
    const r = await query();
    expect([r.status, r.errors]).toEqual([ResponseStatus.Success, []]);
    expect(r.objects.filter((o) => o.home === A.homeCommunityId)).toHaveLength(Math.floor(ownCount * 0.5));
  });

  it('missing-home: the broker sets home and warns once per object', async () => {
    fault({ kind: 'missing-home' });
    const r = await query();
    expect(r.status).toBe(ResponseStatus.Success);
    expect(r.errors).toHaveLength(ownCount);
    for (const e of r.errors)
      expect(e).toEqual(
        err('XDSRegistryError', new RegExp(`without home; nir-sim set home to ${A.homeCommunityId}$`), W),
      );
    expect(homesOf(r.objects)).toEqual(allHomes());
  });

  it('wrong-home: the objects are dropped with an Error each', async () => {
    fault({ kind: 'wrong-home', home: 'urn:oid:2.25.1' });
    const r = await query();
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    expect(r.errors).toHaveLength(ownCount);
    for (const e of r.errors)
      expect(e).toEqual(
        err(
          'XDSRegistryError',
          /with home urn:oid:2\.25\.1; it was dropped because it names another community$/,
        ),
      );
    expect(homesOf(r.objects)).toEqual(otherHomes());
  });

  it('status-mismatch: status Success with an Error entry is not trusted', async () => {
    fault({ kind: 'status-mismatch' });
    const r = await query();
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    expect(r.errors).toEqual([err('XDSRegistryError', 'simulated: an Error entry under status Success')]);
    expect(homesOf(r.objects)).toEqual(allHomes());
  });

  it('provisioning faults wait for the integration port: no effect on the sandbox', async () => {
    fault({ kind: 'cert-revoked' });
    const r = await query();
    expect([r.status, r.errors]).toEqual([ResponseStatus.Success, []]);
  });

  it('a fault for one patient leaves the others alone; one for ITI-39 leaves queries alone', async () => {
    fault({
      kind: 'timeout',
      patient: t.pack.manifest.examples.inExactlyOneCommunity!,
      transaction: 'ITI-38',
    });
    expect((await query()).status).toBe(ResponseStatus.Success);
    t.faults.reset();
    fault({ kind: 'timeout', transaction: 'ITI-39' });
    expect((await query()).status).toBe(ResponseStatus.Success);
  });

  it('refuse, then clearing it: the gateway comes back on the same port', async () => {
    fault({ kind: 'refuse' });
    expect((await query()).status).toBe(ResponseStatus.PartialSuccess);
    t.faults.reset();
    await new Promise((r) => setTimeout(r, 50));
    const r = await query();
    expect([r.status, r.errors, homesOf(r.objects)]).toEqual([ResponseStatus.Success, [], allHomes()]);
  });

  it('ITI-39 across two communities with a status-mismatch in one: PartialSuccess, documents from both', async () => {
    fault({ kind: 'status-mismatch', transaction: 'ITI-39' });
    const [a, b] = [t.pack.communities[0]!, t.pack.communities[1]!];
    const raw = await post(
      t.running.broker.endpoints['ITI-39'],
      retrieve([
        {
          homeCommunityId: a.homeCommunityId,
          repositoryUniqueId: a.repositoryUniqueId,
          documentUniqueId: a.entries[0]!.uniqueId,
        },
        {
          homeCommunityId: b.homeCommunityId,
          repositoryUniqueId: b.repositoryUniqueId,
          documentUniqueId: b.entries[0]!.uniqueId,
        },
      ]),
    );
    const r = readRetrieveResponse(raw).response;
    expect(r.status).toBe(ResponseStatus.PartialSuccess);
    expect(r.errors).toEqual([err('XDSRegistryError', 'simulated: an Error entry under status Success')]);
    expect(r.documents.map((d) => d.homeCommunityId)).toEqual([a.homeCommunityId, b.homeCommunityId]);
  });
});
