/**
 * Starting the in-process runtime: the simulated communities' listeners start together, the
 * running topology lists them in the topology's order, and when one cannot listen the start fails
 * with that listener's SimError and every listener that did start is closed again.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import { startInProcess } from '../../simulator/runtime/in-process.js';
import { SimError, SimErrorCode } from '../../simulator/shared/errors.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import type { Topology } from '../../simulator/topology/topology.js';
import { listenOnPort0, type Listening } from '../helpers/listen.js';
import { defaultPackDir } from '../helpers/topology.js';

const pack = await loadDataPack(defaultPackDir);

/** The default pack's communities, each on `ports[i]` (0: any free port). */
function topology(ports: readonly number[]): Topology {
  return {
    host: '127.0.0.1',
    broker: { port: 0, deadlineMs: 2_000 },
    maxBodyBytes: 1024 * 1024,
    communities: pack.communities.map((store, i) => ({ kind: 'simulated' as const, store, port: ports[i]! })),
  };
}

let holder: Listening | undefined;
afterEach(async () => {
  await holder?.close();
  holder = undefined;
});

describe('startInProcess', () => {
  it('lists the communities in the topology order, each answering on its own port', async () => {
    const running = await startInProcess(topology([0, 0, 0]), { logger: silentLogger() });
    try {
      expect(running.communities.map((c) => c.name)).toEqual(pack.communities.map((c) => c.name));
      const origins = running.communities.map((c) => new URL(c.endpoints['ITI-38']!).origin);
      expect(new Set(origins).size).toBe(3);
      for (const o of origins) expect((await fetch(`${o}/health`)).status).toBe(200);
    } finally {
      await running.stop();
    }
  });

  it('fails with the port-in-use SimError of the one that cannot listen and closes the others', async () => {
    holder = await listenOnPort0(http.createServer());
    // Two free ports found now, then released for the gateways to take.
    const free = await Promise.all([0, 1].map(() => listenOnPort0(http.createServer())));
    const ports = free.map((l) => l.port);
    await Promise.all(free.map((l) => l.close()));
    const err = await startInProcess(topology([ports[0]!, holder.port, ports[1]!]), {
      logger: silentLogger(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimError);
    expect((err as SimError).code).toBe(SimErrorCode.PortInUse);
    expect((err as SimError).message).toBe(
      `port ${holder.port} (responding gateway ${pack.communities[1]!.name}) is in use: stop what holds it or pass --port-base with a free range`,
    );
    // The gateways that did start were closed: their ports can be listened on again.
    for (const port of ports) {
      const again = http.createServer();
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject);
        again.listen(port, '127.0.0.1', resolve);
      });
      await new Promise<void>((resolve) => again.close(() => resolve()));
    }
  });
});
