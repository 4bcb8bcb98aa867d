/**
 * The container stack's roles started in this process, as their containers start them (`sim serve
 * broker|gateway|pars`, docs/containers.md) but on port 0: a PARS role, a gateway role per community
 * of the default pack and the broker role with the command line's audit and scenario routes
 * (cli/broker-control-routes.ts). For tests of what the broker container serves without an engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brokerControlRoutes } from '../../simulator/cli/broker-control-routes.js';
import { loadDataPack, type DataPack } from '../../simulator/data-pack/loader.js';
import { startBrokerRole } from '../../simulator/roles/broker-container.js';
import { startGatewayRole } from '../../simulator/roles/gateway-container.js';
import { startParsRole } from '../../simulator/roles/pars-container.js';
import type { RunningRole } from '../../simulator/roles/role.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { defaultPackDir } from './topology.js';

/** The roles of {@link startRoleStack}, and how to stop them and remove their directory. */
export interface RoleStack {
  pack: DataPack;
  /** Temporary directory of the audit queue and the PARS store. */
  dir: string;
  gateways: RunningRole[];
  pars: RunningRole;
  broker: RunningRole;
  stop(): Promise<void>;
}

/**
 * Start PARS, one gateway role per default-pack community and the broker role (deadline 5 000 ms,
 * bodies up to 10 MiB). The broker's published URL is `http://127.0.0.1:1`, where nothing listens:
 * as in a container, its own routes must not depend on reaching it.
 * @param label part of the temporary directory's name.
 */
export async function startRoleStack(label: string): Promise<RoleStack> {
  const where = { host: '127.0.0.1', port: 0, controlPort: 0, seed: 1, logger: silentLogger() };
  const pack = await loadDataPack(defaultPackDir);
  const dir = mkdtempSync(path.join(tmpdir(), `nir-sim-${label}-`));
  const started: RunningRole[] = [];
  try {
    const pars = await startParsRole({ ...where, storeFile: path.join(dir, 'pars', 'audit-events.ndjson') });
    started.push(pars);
    const gateways = await Promise.all(
      pack.communities.map((c) => startGatewayRole([c], { ...where, maxBodyBytes: 1 << 20 })),
    );
    started.push(...gateways);
    let brokerUrl = '';
    const broker = await startBrokerRole({
      ...where,
      deadlineMs: 5_000,
      maxBodyBytes: 10 * 1024 * 1024,
      communities: gateways.map((g, i) => ({
        name: pack.communities[i]!.name,
        homeCommunityId: pack.communities[i]!.homeCommunityId,
        url: g.url,
        controlUrl: g.control.url,
      })),
      external: [],
      pars: { url: pars.url, controlUrl: pars.control.url },
      auditDir: path.join(dir, 'audit'),
      publicUrl: 'http://127.0.0.1:1',
      routes: brokerControlRoutes({ parsUrl: pars.url, dataPackDir: pack.dir, brokerUrl: () => brokerUrl }),
    });
    brokerUrl = broker.url;
    return {
      pack,
      dir,
      gateways,
      pars,
      broker,
      async stop() {
        await broker.stop();
        await Promise.all(started.map((r) => r.stop()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all(started.map((r) => r.stop().catch(() => undefined)));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
