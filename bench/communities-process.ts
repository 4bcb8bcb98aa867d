/**
 * The bench's communities process (bench/child.ts): many simulated responding gateways of one data
 * pack in one Node process, each on its own 127.0.0.1 port, so that the broker's process measures
 * only the broker. Operations:
 *
 * - `start` {@link CommunitiesConfig}: stop what runs, then start the first `count` communities of
 *   the pack; resolves with their {@link CommunityAddress}es. With `delayMs` > 0 every gateway
 *   answers after that pause (bench/delayed-gateway.ts, plain HTTP); with 0 they are the
 *   runtime's own gateways (gateway/gateway-server.ts), over mutual TLS + XUA when `certsDir`
 *   names a certificate set (docs/security.md), as `sim up` runs them. The first `mhd` of them
 *   speak MHD (an MHD Document Responder, gateway/mhd-responder.ts), the rest XCA.
 * - `stop`: stop them.
 */
import type { Server } from 'node:http';
import { loadDataPack } from '../simulator/data-pack/loader.js';
import type { DataPack } from '../simulator/data-pack/pack-format.js';
import { startRespondingGateway } from '../simulator/gateway/gateway-server.js';
import { securityFromDirectory, type SecurityRuntime } from '../simulator/runtime/security-runtime.js';
import { systemClock } from '../simulator/shared/clock.js';
import { close } from '../simulator/shared/http-listen.js';
import { silentLogger } from '../simulator/shared/logger.js';
import { serveOperations } from './child.js';
import { startDelayedGateway } from './delayed-gateway.js';

/** What the communities process serves. */
export interface CommunitiesConfig {
  /** The data pack's directory. */
  packDir: string;
  /** How many of its communities, from the first. */
  count: number;
  /** Pause before every answer, ms (0: none). */
  delayMs: number;
  /** A certificate set (security/cert-layout.ts) for mutual TLS + XUA; only with `delayMs` 0. */
  certsDir?: string;
  /** How many of them, from the first, speak MHD (default 0: all XCA); only without `certsDir`. */
  mhd?: number;
}

/**
 * A started community: its name, homeCommunityId, base URL (`http(s)://127.0.0.1:port`) and what
 * it speaks (absent: XCA).
 */
export interface CommunityAddress {
  name: string;
  homeCommunityId: string;
  url: string;
  protocol?: 'xca' | 'mhd';
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const logger = silentLogger();
let pack: DataPack | undefined;
let stops: (() => Promise<void>)[] = [];
let security: SecurityRuntime | undefined;

async function stopAll(): Promise<void> {
  const s = stops;
  stops = [];
  await Promise.all(s.map((f) => f()));
  security?.stop();
  security = undefined;
}

async function start(c: CommunitiesConfig): Promise<CommunityAddress[]> {
  await stopAll();
  if (pack?.dir !== c.packDir) pack = await loadDataPack(c.packDir);
  const stores = pack.communities.slice(0, c.count);
  if (stores.length < c.count) throw new Error(`the pack has ${pack.communities.length} communities`);
  if (c.certsDir && c.delayMs > 0) throw new Error('delayed gateways serve plain HTTP only');
  const mhd = c.mhd ?? 0;
  if (c.certsDir && mhd > 0) throw new Error('the bench runs MHD communities over plain HTTP only');
  if (c.certsDir)
    security = securityFromDirectory(
      c.certsDir,
      stores.map((s) => s.name),
      {},
      logger,
    );
  const sec = security;
  return Promise.all(
    stores.map(async (store, i): Promise<CommunityAddress> => {
      const protocol: 'xca' | 'mhd' = i < mhd ? 'mhd' : 'xca';
      const at = { name: store.name, homeCommunityId: store.homeCommunityId, protocol };
      if (c.delayMs > 0) {
        const g: { url: string; server: Server } = await startDelayedGateway(store, c.delayMs, protocol);
        stops.push(() => close(g.server));
        return { ...at, url: g.url };
      }
      const g = await startRespondingGateway({
        community: store,
        logger,
        maxBodyBytes: MAX_BODY_BYTES,
        host: '127.0.0.1',
        port: 0,
        clock: systemClock,
        protocol,
        ...(sec ? sec.gateway(store.name, store.homeCommunityId) : {}),
      });
      stops.push(() => g.stop());
      return { ...at, url: g.url };
    }),
  );
}

serveOperations({ start: (c: CommunitiesConfig) => start(c), stop: stopAll }, stopAll);
