/**
 * A test server on 127.0.0.1, port 0, and its closing: what every test that stands in for a peer
 * (a community, PARS, the control API, the broker) starts. `close` drops keep-alive connections
 * too, so a pooled client (undici's Agent) cannot keep the server open.
 */
import { once } from 'node:events';
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** A listening server: its port, its base URL (`http(s)://127.0.0.1:PORT`, no path) and `close`. */
export interface Listening {
  port: number;
  url: string;
  close: () => Promise<void>;
}

/** Listen with `server` on 127.0.0.1:0 and wait until it listens. */
export async function listenOnPort0(server: http.Server | https.Server): Promise<Listening> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const scheme = server instanceof https.Server ? 'https' : 'http';
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
