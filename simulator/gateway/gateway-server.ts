/**
 * A responding gateway's listener. A `refuse` fault that holds for every request takes the
 * gateway down for real: the listener closes and open connections drop, so callers get
 * ECONNREFUSED; clearing the fault listens again on the same port.
 */
import type { Server } from 'node:http';
import type { FaultStore } from '../faults/fault-store.js';
import { close, listen } from '../shared/http-listen.js';
import type { Logger } from '../shared/logger.js';
import { createRespondingGateway, type RespondingGatewayOptions } from './responding-gateway.js';

/** A listening gateway. */
export interface RunningGateway {
  /** `http://host:port`. */
  url: string;
  port: number;
  /** Stop listening for good. */
  stop(): Promise<void>;
}

/**
 * Start a gateway on `host:port` (0 = any free port).
 * @throws SimError SIM_ERR_PORT_IN_USE when the port is taken.
 */
export async function startRespondingGateway(
  opts: RespondingGatewayOptions & { host: string; port: number; faults?: FaultStore },
): Promise<RunningGateway> {
  const app = createRespondingGateway(opts);
  const name = opts.community.name;
  const first = await listen(app, opts.host, opts.port, `responding gateway ${name}`);
  let server: Server | undefined = first.server;
  const port = first.port;
  let stopped = false;
  let change = Promise.resolve();
  const follow = (): void => {
    change = change.then(() => reconcile()).catch((err: unknown) => logFailure(opts.logger, name, err));
  };
  const reconcile = async (): Promise<void> => {
    const down = opts.faults?.isDown(name) ?? false;
    if (stopped) return;
    if (down && server) {
      const s = server;
      server = undefined;
      await close(s);
      opts.logger.info({ community: name }, 'gateway down (refuse fault)');
    } else if (!down && !server) {
      server = (await listen(app, opts.host, port, `responding gateway ${name}`)).server;
      opts.logger.info({ community: name }, 'gateway up again');
    }
  };
  opts.faults?.on('change', follow);
  follow();
  return {
    url: `http://${opts.host}:${port}`,
    port,
    stop: async () => {
      stopped = true;
      opts.faults?.off('change', follow);
      await change;
      if (server) await close(server);
    },
  };
}

function logFailure(logger: Logger, name: string, err: unknown): void {
  logger.error({ err, community: name }, 'could not change the gateway listener');
}
