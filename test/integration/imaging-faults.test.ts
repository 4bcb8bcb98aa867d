/**
 * RAD-75 faults at a responding gateway, as the broker reports them. A RAD-75 asks two
 * communities for a study each; community A misbehaves. Until A's root part is in, a failure is
 * an ordinary leg error (status and the full RegistryErrorList); once the broker has sent the
 * consolidated root part, a break can only abort the consumer's connection (and is logged).
 * The broker's deadlines and the latency faults run on a virtual clock: a test moves time past
 * A's deadline only once B's root part is in, so no outcome depends on the machine's load.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CommunityData } from '../../simulator/data-pack/pack-format.js';
import type { FaultSpecInput } from '../../simulator/faults/fault-spec.js';
import { virtualClock } from '../../simulator/shared/clock.js';
import { ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import type { RetrieveImagingDocumentSetRequest } from '../../simulator/xca/retrieve-imaging-document-set.js';
import type { RegistryError } from '../../simulator/xca/types.js';
import { postRaw, readRetrieveResponse } from '../helpers/soap-http.js';
import { timersAre, timersWhen } from '../helpers/virtual-time.js';
import { capturingLogger } from '../helpers/soap-support.js';
import {
  expectPackImages,
  rad75Envelope,
  startImagingTopology,
  wholeStudyRequest,
  type ImagingTopology,
} from '../helpers/imaging-fixtures.js';

const DEADLINE = 600;
type FaultBody = FaultSpecInput extends infer F
  ? F extends unknown
    ? Omit<F, 'name' | 'gateway'>
    : never
  : never;

describe('RAD-75 faults at a responding gateway, through the broker', () => {
  let t: ImagingTopology;
  let A: CommunityData;
  let B: CommunityData;
  let request: RetrieveImagingDocumentSetRequest;
  let who: string;
  let aImages: string;
  const log = capturingLogger();
  const clock = virtualClock(Date.parse('2025-01-01T00:00:00Z'));
  beforeAll(async () => {
    // 64 x 64 images (about 9 KB each): a community's root part is well inside the first half of its answer.
    t = await startImagingTopology(
      {
        seed: 5,
        communities: 2,
        patients: 6,
        imaging: { series: 1, instances: 2, rows: 64, columns: 64, frames: 1 },
      },
      DEADLINE,
      log.logger,
      clock,
    );
    [A, B] = [t.pack.communities[0]!, t.pack.communities[1]!];
    const [a, b] = [wholeStudyRequest(A, 0), wholeStudyRequest(B, 0)];
    request = { studies: [...a.studies, ...b.studies], transferSyntaxUids: a.transferSyntaxUids };
    who = `community ${A.homeCommunityId} (${A.name})`;
    aImages = a.studies[0]!.series[0]!.documents.map((d) => d.documentUniqueId).join(', ');
  });
  afterAll(() => t.stop());
  afterEach(() => {
    t.faults.reset();
    clock.advance(60 * 60_000); // a latency a test moved past ends now, not during the next test
  });

  const fault = (f: FaultBody) => {
    const r = t.faults.add({ name: 'f', gateway: A.name, transaction: 'RAD-75', ...f });
    if (!r.ok) throw new Error(r.problems.join('; '));
  };
  const send = () => postRaw(t.running.broker.endpoints['RAD-75'], rad75Envelope(request));
  const err = (errorCode: string, codeContext: RegExp | string): RegistryError => ({
    errorCode,
    codeContext:
      typeof codeContext === 'string' ? codeContext : (expect.stringMatching(codeContext) as string),
    severity: ErrorSeverity.Error,
    location: A.homeCommunityId,
  });
  const esc = (s: string) => s.replace(/[.()]/g, '\\$&');
  /**
   * B's images came back whole and A's error is the only one. `waiting`: the timers left once B's
   * root part is in (A's deadline, its latency); time then moves past A's deadline.
   */
  const expectPartial = async (error: RegistryError, waiting?: number[]) => {
    const answer = send();
    if (waiting) {
      await timersAre(clock, waiting);
      clock.advance(DEADLINE);
    }
    const raw = await answer;
    expect(raw.complete).toBe(true);
    const { response } = readRetrieveResponse(raw);
    expect(response.status).toBe(ResponseStatus.PartialSuccess);
    expect(response.errors).toEqual([error]);
    expect(response.documents.map((d) => d.homeCommunityId)).toEqual([B.homeCommunityId, B.homeCommunityId]);
    await expectPackImages(t.pack, response.documents);
  };

  it.each<[string, FaultBody, string | RegExp, number[]?]>([
    [
      'latency past the deadline',
      { kind: 'latency', latencyMs: 2_000 },
      `did not answer within ${DEADLINE} ms`,
      [DEADLINE, 2_000],
    ],
    ['timeout', { kind: 'timeout' }, `did not answer within ${DEADLINE} ms`, [DEADLINE]],
    [
      'slow-body too slow for the root part to arrive in time',
      // 50 bytes a second: the root part cannot be in before the test moves past the deadline
      { kind: 'slow-body', bytesPerSecond: 50 },
      `did not answer within ${DEADLINE} ms`,
      [DEADLINE],
    ],
    [
      'connection-reset before any byte',
      { kind: 'connection-reset' },
      /closed the connection before answering \(.+\)/,
    ],
    [
      'connection-reset inside the root part',
      { kind: 'connection-reset', afterBytes: 300 },
      /closed the connection before answering \(.+\)/,
    ],
    ['http-status 503', { kind: 'http-status', status: 503 }, 'answered HTTP 503 without a SOAP envelope'],
  ])('%s: PartialSuccess, XDSUnavailableCommunity at A, B served', async (_n, f, context, waiting) => {
    fault(f);
    const tail = typeof context === 'string' ? context : context.source;
    await expectPartial(
      err(
        'XDSUnavailableCommunity',
        new RegExp(
          `^${esc(who)} ${typeof context === 'string' ? esc(tail) : tail} for document\\(s\\) ${esc(aImages)}$`,
        ),
      ),
      waiting,
    );
  });

  it.each<[string, FaultBody, RegExp]>([
    [
      'soap-fault',
      { kind: 'soap-fault', reason: 'PACS offline' },
      /answered a SOAP Fault \(.*Receiver: PACS offline\)/,
    ],
    [
      'malformed-xml not-well-formed',
      { kind: 'malformed-xml', variant: 'not-well-formed' },
      /answered with a body that is not a SOAP 1\.2 envelope \(.+\)/,
    ],
    [
      'malformed-xml wrong-namespace',
      { kind: 'malformed-xml', variant: 'wrong-namespace' },
      /answered with an invalid response \(.*RetrieveDocumentSetResponse.*\)/,
    ],
  ])('%s: PartialSuccess, XDSRepositoryError at A, B served', async (_n, f, context) => {
    fault(f);
    await expectPartial(
      err(
        'XDSRepositoryError',
        new RegExp(`^${esc(who)} ${context.source} for document\\(s\\) ${esc(aImages)}$`),
      ),
    );
  });

  it("a registry-error content fault is A's own error, forwarded", async () => {
    fault({ kind: 'registry-error', errorCode: 'XDSRepositoryBusy', codeContext: 'try later' });
    await expectPartial(err('XDSRepositoryBusy', 'try later'));
  });

  it('latency within the deadline, and a fault for ITI-39 only: Success with all four images', async () => {
    fault({ kind: 'latency', latencyMs: 100 });
    t.faults.add({ name: 'g', gateway: A.name, transaction: 'ITI-39', kind: 'timeout' });
    const answer = send();
    await timersAre(clock, [100, DEADLINE]); // B's root part is in; A sleeps out its latency
    clock.advance(100);
    const raw = await answer;
    const { response } = readRetrieveResponse(raw);
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    await expectPackImages(t.pack, response.documents);
    expect(response.documents).toHaveLength(4);
  });

  it('slow-body after a timely root part: the deadline covers only the root part, so every image arrives', async () => {
    fault({ kind: 'slow-body', bytesPerSecond: 20_000 });
    const settled = () => log.lines().filter((l) => l['msg'] === 'community leg settled').length;
    const before = settled();
    const answer = send();
    // Both root parts are in (both legs settled) while A's images still trickle: time moves far
    // past the deadline, and nothing breaks.
    await timersWhen(clock, () => settled() === before + 2);
    clock.advance(DEADLINE * 10);
    const raw = await answer;
    expect(raw.complete).toBe(true);
    const { response } = readRetrieveResponse(raw);
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    expect(response.documents.map((d) => d.homeCommunityId)).toEqual([
      A.homeCommunityId,
      A.homeCommunityId,
      B.homeCommunityId,
      B.homeCommunityId,
    ]);
    await expectPackImages(t.pack, response.documents);
  });

  it.each<[string, FaultBody]>([
    ['connection-reset after the root part', { kind: 'connection-reset', afterBytes: 5_000 }],
    ['malformed-xml truncated (half the answer)', { kind: 'malformed-xml', variant: 'truncated' }],
  ])(
    '%s: the consolidated root part was sent, so the consumer connection is aborted and the break logged',
    async (_n, f) => {
      fault(f);
      const raw = await send();
      expect(raw.status).toBe(200);
      expect(raw.complete).toBe(false);
      expect(raw.body.toString('latin1')).toContain(
        'urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success',
      );
      const lines = log.lines();
      expect(
        lines.some(
          (l) =>
            l['msg'] ===
              'community stream broke after the root part was sent: aborting the consumer connection (the status can no longer change)' &&
            l['community'] === who,
        ),
      ).toBe(true);
      expect(
        lines.some(
          (l) => l['msg'] === 'streamed MTOM response aborted after it started: the connection was closed',
        ),
      ).toBe(true);
    },
  );
});
