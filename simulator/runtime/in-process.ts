/**
 * The embedded default runtime: the broker and every simulated responding gateway as HTTP
 * servers in this process. Used by `sim up` and by the integration tests (with port 0).
 */
import { Agent } from 'node:http';
import { CommunityDirectory, type CommunityEndpoint } from '../broker/community-directory.js';
import { BrokerPath, createBrokerApp } from '../broker/broker.js';
import type { TransactionRecord } from '../broker/context.js';
import { createRespondingGateway, GatewayPath } from '../gateway/responding-gateway.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Topology } from './topology.js';
import { close, listen } from './listen.js';
import type { Server } from 'node:http';

/** A running topology, with every URL a user or test needs. */
export interface RunningTopology {
  broker: { url: string; endpoints: { 'ITI-38': string; 'ITI-39': string } };
  communities: {
    name: string;
    homeCommunityId: string;
    kind: 'simulated' | 'external';
    endpoints: { 'ITI-38': string; 'ITI-39': string };
  }[];
  dataPackDir?: string;
  /** Stop every listener; resolves when all are closed. */
  stop(): Promise<void>;
}

/** Start `topology` in this process. On failure, whatever was started is stopped again. */
export async function startInProcess(
  topology: Topology,
  deps: { logger: Logger; clock?: Clock; onTransaction?: (r: TransactionRecord) => void },
): Promise<RunningTopology> {
  const servers: Server[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const stop = async (): Promise<void> => {
    agent.destroy();
    await Promise.all(servers.map((s) => close(s)));
  };
  try {
    const endpoints: CommunityEndpoint[] = [];
    for (const c of topology.communities) {
      if (c.kind === 'external') {
        endpoints.push({
          name: c.name,
          homeCommunityId: c.homeCommunityId,
          endpoints: { 'ITI-38': c.iti38Url, 'ITI-39': c.iti39Url },
        });
        continue;
      }
      const app = createRespondingGateway({
        community: c.store,
        logger: deps.logger.child({ community: c.store.name }),
        maxBodyBytes: topology.maxBodyBytes,
      });
      const { server, port } = await listen(app, topology.host, c.port, `responding gateway ${c.store.name}`);
      servers.push(server);
      const base = `http://${topology.host}:${port}`;
      endpoints.push({
        name: c.store.name,
        homeCommunityId: c.store.homeCommunityId,
        endpoints: { 'ITI-38': base + GatewayPath.iti38, 'ITI-39': base + GatewayPath.iti39 },
      });
    }
    const directory = new CommunityDirectory(endpoints, topology.broker.consumers ?? {});
    const brokerApp = createBrokerApp({
      maxBodyBytes: topology.maxBodyBytes,
      context: {
        directory,
        deadlineMs: topology.broker.deadlineMs,
        clock: deps.clock ?? systemClock,
        logger: deps.logger.child({ component: 'broker' }),
        transport: { agent, maxResponseBytes: 256 * 1024 * 1024 },
        ...(deps.onTransaction ? { onTransaction: deps.onTransaction } : {}),
      },
    });
    const { server, port } = await listen(brokerApp, topology.host, topology.broker.port, 'broker sandbox');
    servers.push(server);
    const url = `http://${topology.host}:${port}`;
    return {
      broker: { url, endpoints: { 'ITI-38': url + BrokerPath.iti38, 'ITI-39': url + BrokerPath.iti39 } },
      communities: endpoints.map((e, i) => ({
        name: e.name,
        homeCommunityId: e.homeCommunityId,
        kind: topology.communities[i]!.kind,
        endpoints: { 'ITI-38': e.endpoints['ITI-38']!, 'ITI-39': e.endpoints['ITI-39']! },
      })),
      ...(topology.dataPackDir !== undefined ? { dataPackDir: topology.dataPackDir } : {}),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
