/**
 * `/broker/settings` of the control API over real HTTP (in-process runtime): the broker's
 * per-community deadline and consumer profiles read, replaced (PUT) and changed (PATCH) while it
 * runs, refused with every problem listed and nothing changed, and the next ITI-38 request using
 * the new settings without a restart.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataPack } from '../../simulator/data-pack/loader.js';
import type { RunningTopology } from '../../simulator/runtime/in-process.js';
import { virtualClock } from '../../simulator/shared/clock.js';
import { ErrorSeverity, ResponseStatus } from '../../simulator/xca/constants.js';
import { call, DEADLINE_MS, startWithControl } from '../helpers/control-api.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { timersAre } from '../helpers/virtual-time.js';

describe('control API /broker/settings', () => {
  let pack: DataPack;
  let running: RunningTopology;
  let api: string;
  let hcids: string[];
  const req = (method: string, path: string, body?: unknown) =>
    call(api, method, path, body === undefined ? undefined : JSON.stringify(body));
  const json = expect.stringContaining('application/json') as string;
  // Deadlines on virtual time: a hung community's runs out only when the test moves time on.
  const clock = virtualClock(Date.parse('2025-01-01T00:00:00Z'));

  beforeAll(async () => {
    ({ running, pack, api } = await startWithControl(undefined, clock));
    hcids = pack.communities.map((c) => c.homeCommunityId);
  });
  afterAll(() => running.stop());
  beforeEach(async () => {
    expect((await req('POST', '/reset')).status).toBe(204);
    expect((await req('PUT', '/broker/settings', { deadlineMs: DEADLINE_MS, consumers: {} })).status).toBe(
      200,
    );
  });

  it('GET answers the settings the topology started with', async () => {
    expect(await req('GET', '/broker/settings')).toEqual({
      status: 200,
      type: json,
      json: { deadlineMs: DEADLINE_MS, consumers: {} },
    });
  });

  it('PUT replaces them, naming communities by name or homeCommunityId; GET then answers the same', async () => {
    const body = {
      deadlineMs: 1234,
      consumers: {
        'north-only': { include: [pack.communities[0]!.name] },
        'not-yorkshire': { exclude: [hcids[2]!] },
      },
    };
    const expected = {
      deadlineMs: 1234,
      consumers: { 'north-only': { include: [hcids[0]] }, 'not-yorkshire': { exclude: [hcids[2]] } },
    };
    expect(await req('PUT', '/broker/settings', body)).toEqual({ status: 200, type: json, json: expected });
    expect(await req('GET', '/broker/settings')).toEqual({ status: 200, type: json, json: expected });
    expect(running.brokerSettings.current()).toEqual(expected);
  });

  it('PATCH changes the fields given and keeps the others', async () => {
    await req('PUT', '/broker/settings', {
      deadlineMs: 900,
      consumers: { a: { include: [hcids[1]!] } },
    });
    expect(await req('PATCH', '/broker/settings', { deadlineMs: 2000 })).toEqual({
      status: 200,
      type: json,
      json: { deadlineMs: 2000, consumers: { a: { include: [hcids[1]] } } },
    });
    expect((await req('PATCH', '/broker/settings', { consumers: {} })).json).toEqual({
      deadlineMs: 2000,
      consumers: {},
    });
  });

  it('refuses a bad PUT with every problem listed and changes nothing', async () => {
    const bad = await req('PUT', '/broker/settings', {
      deadlineMs: 0,
      consumers: { x: { include: 'north', only: [] } },
      retries: 3,
    });
    expect(bad).toEqual({
      status: 400,
      type: json,
      json: {
        error: 'invalid broker settings',
        problems: [
          'deadlineMs: Too small: expected number to be >=1',
          'consumers.x.include: Invalid input: expected array, received string',
          'consumers.x: Unrecognized key: "only"',
          'body: Unrecognized key: "retries"',
        ],
      },
    });
    const missing = await req('PUT', '/broker/settings', { deadlineMs: 700.5 });
    expect(missing).toEqual({
      status: 400,
      type: json,
      json: {
        error: 'invalid broker settings',
        problems: [
          'deadlineMs: Invalid input: expected int, received number',
          'consumers: Invalid input: expected record, received undefined',
        ],
      },
    });
    const unknown = await req('PATCH', '/broker/settings', {
      consumers: { y: { include: ['nowhere', hcids[0]!], exclude: ['urn:oid:1.2.3'] } },
    });
    const names = pack.communities.map((c) => c.name).join(', ');
    expect(unknown).toEqual({
      status: 400,
      type: json,
      json: {
        error: 'invalid broker settings',
        problems: [
          `consumers.y.include.0: unknown community 'nowhere'; expected a name or homeCommunityId of ${names}`,
          `consumers.y.exclude.0: unknown community 'urn:oid:1.2.3'; expected a name or homeCommunityId of ${names}`,
        ],
      },
    });
    expect(await call(api, 'PUT', '/broker/settings', 'not json', 'text/plain')).toEqual({
      status: 400,
      type: json,
      json: {
        error: 'invalid broker settings',
        problems: ["Content-Type: expected application/json, got 'text/plain'"],
      },
    });
    expect(await req('PATCH', '/broker/settings', { deadlineMs: 600_001 })).toEqual({
      status: 400,
      type: json,
      json: {
        error: 'invalid broker settings',
        problems: ['deadlineMs: Too big: expected number to be <=600000'],
      },
    });
    expect((await req('GET', '/broker/settings')).json).toEqual({ deadlineMs: DEADLINE_MS, consumers: {} });
  });

  it('the broker reads them on the next request: the deadline and the consumer profiles, no restart', async () => {
    const nhs = pack.manifest.examples.inAllCommunities!;
    const ne = pack.communities[0]!;
    const url = running.broker.endpoints['ITI-38'];
    expect((await req('POST', '/faults', { name: 'hang', gateway: ne.name, kind: 'timeout' })).status).toBe(
      201,
    );
    expect((await req('PATCH', '/broker/settings', { deadlineMs: 300 })).status).toBe(200);
    const answer = post(url, findDocuments(nhs));
    await timersAre(clock, [300]); // the new deadline, on the hung community only
    clock.advance(300);
    const timedOut = readQueryResponse(await answer).response;
    expect(timedOut.status).toBe(ResponseStatus.PartialSuccess);
    expect(timedOut.errors).toEqual([
      {
        errorCode: 'XDSUnavailableCommunity',
        codeContext: `community ${ne.homeCommunityId} (${ne.name}) did not answer within 300 ms`,
        severity: ErrorSeverity.Error,
        location: ne.homeCommunityId,
      },
    ]);

    expect(
      (await req('PATCH', '/broker/settings', { consumers: { 'skip-north': { exclude: [ne.name] } } }))
        .status,
    ).toBe(200);
    const scoped = readQueryResponse(
      await post(url, findDocuments(nhs), undefined, { 'X-NIR-Consumer': 'skip-north' }),
    ).response;
    expect(scoped.status).toBe(ResponseStatus.Success);
    expect(scoped.errors).toEqual([]);
    expect(new Set(scoped.objects.map((o) => o.home))).toEqual(new Set(hcids.slice(1)));
  });
});
