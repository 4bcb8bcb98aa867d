/**
 * Test topologies: the default data pack's communities as simulated responding gateways on
 * port 0, plus broken "external" communities (a closed port, a black hole that never answers).
 */
import type { AdmissionLimits } from '../../simulator/broker/admission.js';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { DataPack } from '../../simulator/data-pack/pack-format.js';
import type { TransactionEvent } from '../../simulator/events/transaction-events.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import type { ConsumerProfile } from '../../simulator/broker/community-directory.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import type { ExternalCommunity } from '../../simulator/topology/topology.js';
import type { DeadlineClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { fileURLToPath } from 'node:url';

export const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const defaultPackDir = path.join(repoDir, 'data-packs', 'default');

/** A started topology with its pack and every transaction record the broker emitted. */
export interface TestTopology {
  running: RunningTopology;
  pack: DataPack;
  transactions: TransactionEvent[];
  /** The topology's faults: add some to make a simulated community misbehave. */
  faults: FaultStore;
}

/** Start the default pack's communities (all, or the first `simulated`) plus `externals`, all on port 0. */
export async function startTestTopology(
  opts: {
    externals?: ExternalCommunity[];
    deadlineMs?: number;
    simulated?: number;
    consumers?: Record<string, ConsumerProfile>;
    /** Seed of the fault store's PRNG streams (default 1). */
    seed?: number;
    /** The broker's admission queue (broker/admission.ts); default: the runtime's. */
    admission?: Partial<AdmissionLimits>;
    /** Time of the broker and the gateways (deadlines, latency faults); default the system clock. */
    clock?: DeadlineClock;
  } = {},
): Promise<TestTopology> {
  const pack = await loadDataPack(defaultPackDir);
  const transactions: TransactionEvent[] = [];
  const names = [
    ...pack.communities.slice(0, opts.simulated ?? pack.communities.length).map((c) => c.name),
    ...(opts.externals ?? []).map((e) => e.name),
  ];
  const faults = new FaultStore(opts.seed ?? 1, () => names);
  const running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: {
        port: 0,
        deadlineMs: opts.deadlineMs ?? 5_000,
        ...(opts.consumers ? { consumers: opts.consumers } : {}),
        ...(opts.admission ? { admission: opts.admission } : {}),
      },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: pack.dir,
      communities: [
        ...pack.communities
          .slice(0, opts.simulated ?? pack.communities.length)
          .map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
        ...(opts.externals ?? []),
      ],
    },
    { logger: silentLogger(), faults, ...(opts.clock ? { clock: opts.clock } : {}) },
  );
  running.events.on('transaction', (e) => transactions.push(e));
  return { running, pack, transactions, faults };
}

/** A TCP server that accepts connections and never answers (a community that hangs). */
export async function blackHole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/xca`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A URL on a port that was free a moment ago and now refuses connections. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}/xca`;
}

/** An external community entry whose ITI-38 and ITI-39 endpoints are both `url`. */
export function external(name: string, oid: string, url: string): ExternalCommunity {
  return { kind: 'external', name, homeCommunityId: `urn:oid:${oid}`, iti38Url: url, iti39Url: url };
}
