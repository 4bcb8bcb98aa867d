/** Binding an HTTP app to a port, with the errors a user can act on. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { applyListenerLimits, listenerServerOptions, type ListenerLimits } from './listener-limits.js';

/**
 * Listen on `host:port` (0 = any free port) and resolve with the server and the bound port. The
 * server applies `limits` over DEFAULT_LISTENER_LIMITS (header/body timeouts, keep-alive,
 * connection cap; listener-limits.ts).
 * @throws SimError SIM_ERR_PORT_IN_USE when the port is taken.
 */
export async function listen(
  app: RequestListener,
  host: string,
  port: number,
  what: string,
  limits: Partial<ListenerLimits> = {},
): Promise<{ server: Server; port: number }> {
  const server = createServer(listenerServerOptions(limits), app);
  applyListenerLimits(server, limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new SimError(
            SimErrorCode.PortInUse,
            `port ${port} (${what}) is in use: stop what holds it or pass --port-base with a free range`,
          ),
        );
      } else if (err.code === 'EACCES') {
        reject(
          new SimError(
            SimErrorCode.PortInUse,
            `port ${port} (${what}) needs privileges: pass --port-base above 1024`,
          ),
        );
      } else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** Close a server, ending idle keep-alive connections so shutdown is prompt. */
export async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
