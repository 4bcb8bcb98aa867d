/**
 * The embedded default runtime: the broker and every simulated responding gateway as HTTP
 * servers in this process, sharing one fault store and one event bus. Used by `sim up`, the
 * scenario runner and the integration tests (with port 0).
 */
import { Agent, type Server } from 'node:http';
import { CommunityDirectory, type CommunityEndpoint } from '../broker/community-directory.js';
import { BrokerPath, createBrokerApp } from '../broker/broker.js';
import { SimEvents } from '../control/events.js';
import type { FaultStore } from '../faults/fault-store.js';
import { GatewayPath } from '../gateway/responding-gateway.js';
import { startRespondingGateway, type RunningGateway } from '../gateway/gateway-server.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { close, listen } from '../shared/http-listen.js';
import type { Logger } from '../shared/logger.js';
import type { Topology } from './topology.js';

/** A community as a running topology reports it. */
export interface RunningCommunity {
  name: string;
  homeCommunityId: string;
  kind: 'simulated' | 'external';
  endpoints: { 'ITI-38': string; 'ITI-39': string };
}

/** A running topology, with every URL a user or test needs. */
export interface RunningTopology {
  broker: { url: string; endpoints: { 'ITI-38': string; 'ITI-39': string } };
  communities: RunningCommunity[];
  dataPackDir?: string;
  /** Every answered consumer request is emitted here. */
  events: SimEvents;
  /** Stop every listener; resolves when all are closed. */
  stop(): Promise<void>;
}

/** Dependencies of a run. */
export interface InProcessDeps {
  logger: Logger;
  clock?: Clock;
  /** Faults for the simulated gateways (the broker never sees them). */
  faults?: FaultStore;
  /** The bus to emit on; a new one when absent. */
  events?: SimEvents;
}

/** Start `topology` in this process. On failure, whatever was started is stopped again. */
export async function startInProcess(topology: Topology, deps: InProcessDeps): Promise<RunningTopology> {
  const gateways: RunningGateway[] = [];
  const servers: Server[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const events = deps.events ?? new SimEvents();
  const stop = async (): Promise<void> => {
    agent.destroy();
    await Promise.all([...gateways.map((g) => g.stop()), ...servers.map((s) => close(s))]);
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
      const g = await startRespondingGateway({
        community: c.store,
        logger: deps.logger.child({ community: c.store.name }),
        maxBodyBytes: topology.maxBodyBytes,
        host: topology.host,
        port: c.port,
        ...(deps.faults ? { faults: deps.faults } : {}),
      });
      gateways.push(g);
      endpoints.push({
        name: c.store.name,
        homeCommunityId: c.store.homeCommunityId,
        endpoints: { 'ITI-38': g.url + GatewayPath.iti38, 'ITI-39': g.url + GatewayPath.iti39 },
      });
    }
    const brokerApp = createBrokerApp({
      maxBodyBytes: topology.maxBodyBytes,
      context: {
        directory: new CommunityDirectory(endpoints, topology.broker.consumers ?? {}),
        deadlineMs: topology.broker.deadlineMs,
        clock: deps.clock ?? systemClock,
        logger: deps.logger.child({ component: 'broker' }),
        transport: { agent, maxResponseBytes: 256 * 1024 * 1024 },
        events,
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
      events,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
