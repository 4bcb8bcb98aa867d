/**
 * A simulated community that answers every request after a fixed delay, for measuring the broker's
 * fan-out (the fault model is not needed: this is a benchmark fixture): an XCA responding gateway,
 * or with `protocol` `mhd` an MHD Document Responder (gateway/mhd-responder.ts: ITI-67 under
 * `/fhir`, IHE MHD 4.2.x).
 */
import express from 'express';
import type { Server } from 'node:http';
import { createMhdResponder } from '../simulator/gateway/mhd-responder.js';
import { createRespondingGateway } from '../simulator/gateway/responding-gateway.js';
import type { CommunityStore } from '../simulator/gateway/community-store.js';
import { listen } from '../simulator/shared/http-listen.js';
import { silentLogger } from '../simulator/shared/logger.js';

/** Start `store`'s gateway on port 0 behind a `delayMs` pause; resolves with its base URL. */
export async function startDelayedGateway(
  store: CommunityStore,
  delayMs: number,
  protocol: 'xca' | 'mhd' = 'xca',
): Promise<{ url: string; server: Server }> {
  const opts = { community: store, logger: silentLogger(), maxBodyBytes: 10 * 1024 * 1024 };
  const inner = protocol === 'mhd' ? createMhdResponder(opts) : createRespondingGateway(opts);
  const app = express();
  app.use((_req, _res, next) => {
    setTimeout(next, delayMs);
  });
  app.use(inner);
  const { server, port } = await listen(app, '127.0.0.1', 0, `bench gateway ${store.name}`);
  return { url: `http://127.0.0.1:${port}`, server };
}
