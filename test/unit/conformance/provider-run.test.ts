/**
 * The provider run's orchestration with fake checks (no gateway): order kept, a throwing check is
 * `failed` with its error's message and the run goes on, ids and durations from the run's clock,
 * the latency summary by nearest rank.
 */
import { describe, expect, it } from 'vitest';
import type { ProviderCheck, ProviderContext } from '../../../simulator/conformance/provider-check.js';
import { latencySummary, percentile } from '../../../simulator/conformance/provider-run-latency.js';
import { runProvider, seededIds } from '../../../simulator/conformance/provider-run.js';
import type { ConformanceTestData } from '../../../simulator/conformance/test-data.js';
import { virtualClock } from '../../../simulator/shared/clock.js';

const testData: ConformanceTestData = {
  source: 'crafted',
  patients: [],
  unknownPatient: { nhsNumber: '9990000018', patientCx: '9990000018^^^&2.16.840.1.113883.2.1.4.1&ISO' },
};
const target = {
  iti38Url: 'http://127.0.0.1:9/xca/iti38',
  iti39Url: 'http://127.0.0.1:9/xca/iti39',
  homeCommunityId: 'urn:oid:1.2.3',
};

function fake(
  id: string,
  run: (ctx: ProviderContext) => Promise<void> | void,
  outcome: 'passed' | 'skipped' = 'passed',
): ProviderCheck {
  return {
    definition: { id, area: 'robustness', title: id, given: 'g', when: 'w', then: 't', source: 's' },
    run: async (ctx) => {
      await run(ctx);
      return { id, outcome, message: `${id} ran`, exchanges: [] };
    },
  };
}

describe('runProvider', () => {
  it('runs every check in order; a throw is a failed result and the run goes on', async () => {
    const clock = virtualClock(Date.parse('2026-03-01T10:00:00Z'));
    const seen: string[] = [];
    const ids: string[] = [];
    const run = await runProvider({
      target,
      testData,
      clock,
      seed: 5,
      checks: [
        fake('ROB-A', (ctx) => {
          seen.push('A');
          ids.push(ctx.newId!(), ctx.newId!());
          clock.advance(40);
        }),
        fake('ROB-B', () => {
          seen.push('B');
          throw new Error('the gateway answered nothing readable');
        }),
        fake('ROB-C', () => void seen.push('C'), 'skipped'),
      ],
    });
    expect(seen).toEqual(['A', 'B', 'C']);
    expect(run.results).toEqual([
      { id: 'ROB-A', outcome: 'passed', message: 'ROB-A ran', exchanges: [], durationMs: 40 },
      {
        id: 'ROB-B',
        outcome: 'failed',
        message: 'the check stopped with an error: the gateway answered nothing readable',
        exchanges: [],
        durationMs: 0,
      },
      { id: 'ROB-C', outcome: 'skipped', message: 'ROB-C ran', exchanges: [], durationMs: 0 },
    ]);
    expect(run.checks.map((c) => c.id)).toEqual(['ROB-A', 'ROB-B', 'ROB-C']);
    expect(run).toMatchObject({
      mode: 'provider',
      seed: 5,
      startedAt: '2026-03-01T10:00:00.000Z',
      finishedAt: '2026-03-01T10:00:00.040Z',
      testDataSource: 'crafted',
      exchanges: [],
      auditEvents: [],
    });
    expect(run.latency).toBeUndefined();
    const again = seededIds(5, 'id');
    expect(ids).toEqual([again(), again()]);
    expect(ids[0]).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(seededIds(6, 'id')()).not.toBe(ids[0]);
  });

  it('summarises the answered exchanges by nearest rank, ignoring those without an answer', () => {
    const answered = (ms: number) => ({
      durationMs: ms,
      response: { status: 200, headers: {}, body: Buffer.alloc(0) },
    });
    const list = [
      ...[5, 1, 4, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20].map(answered),
      { durationMs: 9_999 },
    ];
    expect(latencySummary(list, 100)).toEqual({
      count: 20,
      p50Ms: 10,
      p95Ms: 19,
      maxMs: 20,
      deadlineMs: 100,
    });
    expect(latencySummary([{ durationMs: 3 }], 100)).toBeUndefined();
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2], 50)).toBe(1);
  });
});
