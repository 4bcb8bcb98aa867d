/**
 * The broker's admission queue counts requests being processed, not requests still uploading: a
 * client that sends its headers and then trickles (or stalls) its body holds no processing slot,
 * so a few slow clients cannot lock every other consumer out until the listener's request timeout
 * (shared/listener-limits.ts) cuts them.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { startTestTopology, type TestTopology } from '../helpers/topology.js';

let t: TestTopology;
const stalled: Socket[] = [];

beforeAll(async () => {
  t = await startTestTopology({ admission: { maxConcurrent: 1, maxWaiting: 0 } });
});

afterAll(async () => {
  for (const s of stalled) s.destroy();
  await t.running.stop();
});

/** Open a connection that sends a POST's headers and 100 of its 100,000 body bytes, then stalls. */
async function stalledUpload(url: string): Promise<void> {
  const u = new URL(url);
  const socket = connect(Number(u.port), u.hostname);
  socket.on('error', () => undefined);
  stalled.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(
    `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\n` +
      'Content-Type: application/soap+xml; charset=UTF-8\r\nContent-Length: 100000\r\n\r\n' +
      '<'.repeat(100),
  );
}

describe('admission and slow uploads', () => {
  it('three stalled uploads hold no slot: with one slot and no waiting place a query still gets Success', async () => {
    const url = t.running.broker.endpoints['ITI-38'];
    for (let i = 0; i < 3; i++) await stalledUpload(url);
    // Let the broker see the three requests' headers (the arrival check runs then).
    await new Promise((r) => setTimeout(r, 300));
    const nhs = t.pack.manifest.examples.inAllCommunities!;
    const res = await post(url, findDocuments(nhs));
    expect(res.status).toBe(200);
    const { response } = readQueryResponse(res);
    expect(response.status).toBe(ResponseStatus.Success);
    expect(response.errors).toEqual([]);
    expect(stalled.every((s) => !s.destroyed)).toBe(true);
  });
});
