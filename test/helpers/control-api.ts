/**
 * A topology for control API tests: the default pack's communities on port 0, broker deadline
 * 500 ms, a FaultStore seeded 7, and the control API on port 0; and a JSON call helper.
 */
import { loadDataPack, type DataPack } from '../../simulator/data-pack/loader.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import type { DeadlineClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { defaultPackDir } from './topology.js';

/** The broker's per-community deadline, ms: the communities that answer beat it even on a loaded machine; a hung one costs this long. */
export const DEADLINE_MS = 1_000;
/** The fault store's seed. */
export const SEED = 7;

/**
 * Start the default pack with the control API; `log` sizes its transaction log; `clock` is the
 * time of the broker and the gateways (default the system clock).
 */
export async function startWithControl(
  log?: { capacity?: number; maxBodyBytes?: number },
  clock?: DeadlineClock,
): Promise<{ running: RunningTopology; pack: DataPack; api: string }> {
  const pack = await loadDataPack(defaultPackDir);
  const names = pack.communities.map((c) => c.name);
  const running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs: DEADLINE_MS },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: pack.dir,
      communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
    },
    {
      logger: silentLogger(),
      faults: new FaultStore(SEED, () => names),
      control: { port: 0, seed: SEED, ...(log ? { log } : {}) },
      ...(clock ? { clock } : {}),
    },
  );
  return { running, pack, api: running.control!.url };
}

/** A call to the control API: status, Content-Type and the parsed JSON body (undefined when empty). */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<{ status: number; type: string; json: unknown }> {
  const res = await fetch(base + path, {
    method,
    ...(body !== undefined ? { body, headers: { 'content-type': contentType } } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    json: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}
