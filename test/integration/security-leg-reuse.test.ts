/**
 * The broker's mutual-TLS legs reuse what they can (docs/security.md "TLS"): sequential ITI-38
 * queries cost one full handshake per community (the rest go over the kept-alive connection), a
 * further connection to a community resumes its TLS session, and certificate checks still apply
 * to every full handshake (a re-provisioned gateway is verified again). Counted on the gateways'
 * TLS servers, never timed. The broker's signed assertion is reused too: sequential queries for
 * one patient carry the same assertion, which the gateways verify once and accept on every message.
 */
import tls from 'node:tls';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VerifiedSignatureCache } from '../../simulator/security/verified-signatures.js';
import { ResponseStatus } from '../../simulator/xca/constants.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse } from '../helpers/soap-http.js';
import { useSecureTopology } from '../helpers/security-fixtures.js';

const NHS = '9995649284';
const t = useSecureTopology();
afterEach(() => {
  t.faults.reset();
  vi.restoreAllMocks();
});

/** Handshakes completed on each community's gateway, by community name: `full` or `resumed`. */
function countHandshakes(): Map<string, string[]> {
  const byPort = new Map(
    t.running.communities.map((c) => [Number(new URL(c.endpoints['ITI-38']!).port), c.name]),
  );
  const seen = new Map<string, string[]>(t.running.communities.map((c) => [c.name, []]));
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the server as this
  const emit = tls.Server.prototype.emit;
  vi.spyOn(tls.Server.prototype, 'emit').mockImplementation(function (
    this: tls.Server,
    event: string | symbol,
    ...args: unknown[]
  ) {
    if (event === 'secureConnection') {
      const socket = args[0] as tls.TLSSocket;
      const name = byPort.get(socket.localPort ?? -1);
      if (name !== undefined) seen.get(name)!.push(socket.isSessionReused() ? 'resumed' : 'full');
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  });
  return seen;
}

const query = async (): Promise<string> =>
  readQueryResponse(await post(t.running.broker.endpoints['ITI-38'], findDocuments(NHS))).response.status;

describe('mTLS legs: kept-alive connections and TLS session resumption', () => {
  it('10 sequential ITI-38: one full handshake per community, then the kept-alive connection', async () => {
    const seen = countHandshakes();
    for (let i = 0; i < 10; i++) expect(await query()).toBe(ResponseStatus.Success);
    // undici checks an idle socket for a FIN before reusing it, so a second connection can open;
    // it resumes the session of the first.
    for (const [name, handshakes] of seen) {
      expect({
        name,
        first: handshakes[0],
        later: handshakes.slice(1).filter((h) => h !== 'resumed'),
      }).toEqual({
        name,
        first: 'full',
        later: [],
      });
      expect(handshakes.length).toBeLessThan(10);
    }
  });

  it('10 sequential ITI-38 for one patient carry one broker assertion: the gateways verify its signature once and accept it on every message', async () => {
    const verified = vi.spyOn(VerifiedSignatureCache.prototype, 'set');
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push(await query());
    expect(statuses).toEqual(Array(10).fill(ResponseStatus.Success));
    expect(verified.mock.calls.length).toBeLessThanOrEqual(1); // 0 when an earlier test's assertion is still reused
  });

  it('8 concurrent ITI-38 open more connections per community: every one resumes the session', async () => {
    const seen = countHandshakes();
    // Each community holds its answers 300 ms, so the queries overlap on its gateway.
    for (const c of t.pack.communities)
      expect(
        t.faults.add({ name: `slow-${c.name}`, gateway: c.name, kind: 'latency', latencyMs: 300 }).ok,
      ).toBe(true);
    const statuses = await Promise.all(Array.from({ length: 8 }, () => query()));
    expect(statuses).toEqual(Array(8).fill(ResponseStatus.Success));
    const all = [...seen.values()].flat();
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((h) => h !== 'resumed')).toEqual([]);
  });

  it('a re-provisioned gateway is verified again: no resumption past its new certificate', async () => {
    const target = t.pack.communities[1]!;
    expect(await query()).toBe(ResponseStatus.Success); // the broker holds a session with this gateway
    const seen = countHandshakes();
    t.faults.add({ name: 'cert', gateway: target.name, kind: 'cert-revoked' });
    // Resuming the session of the good certificate would answer Success: the broker sees the revoked one.
    expect(await query()).toBe(ResponseStatus.PartialSuccess);
    t.faults.reset();
    expect(await query()).toBe(ResponseStatus.Success);
    // The refused handshake never completes on the gateway; the one after the fault is full.
    expect(seen.get(target.name)).toEqual(['full']);
  });
});
