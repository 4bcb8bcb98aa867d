/**
 * The control API of a running topology: JSON over HTTP on its own port (default 8090),
 * toxiproxy-shaped (Shopify/toxiproxy `api.go`; docs/architecture.md "Fault model"; docs/faults.md "The
 * control API").
 *
 * | route | answer |
 * |---|---|
 * | `GET /health` | 200 `{ status: 'up', memory }`: this process's memory, bytes (Node.js `process.memoryUsage()`: rss, heapTotal, heapUsed, external, arrayBuffers) |
 * | `GET /topology` | 200 broker, communities (with `down`), control URL, data pack, fault seed |
 * | `GET /faults`, `GET /faults/:name` | 200 FaultStatus list / one, 404 |
 * | `POST /faults` | 201 `{ faults }`; 400 `{ error: 'invalid fault', problems }`, nothing added |
 * | `DELETE /faults/:name` | 204; 404 |
 * | `POST /reset` | 204, every fault removed |
 * | (`routes`) | what the runtime adds, e.g. `GET /conformance/consumer` (conformance/consumer-routes.ts) |
 * | (containers) | 502 `{ error, problems }` when the container owning a fault does not answer |
 * | `GET`/`PUT`/`PATCH /broker/settings` | the broker's deadline and consumer profiles (broker-settings-routes.ts) |
 * | `GET /transactions?limit=N`, `/transactions/:id[/request|/response]`, `/transactions/:id/legs/:i/request|response` | the transaction log |
 * | `GET /events` | the Server-Sent Events stream of transactions, faults and topology (event-stream.ts) |
 * | `GET /fault-schema`, `GET /ui/` | the fault JSON Schema; the web dashboard (ui-routes.ts, docs/dashboard.md) |
 *
 * Unknown routes answer 404 JSON; only the dashboard's files are HTML.
 */
import express, { type Router } from 'express';
import type { Server } from 'node:http';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { close, listen } from '../shared/http-listen.js';
import type { Logger } from '../shared/logger.js';
import type { SimEvents } from './events.js';
import type { FaultControl } from './fault-control.js';
import type { BrokerSettingsStore } from './broker-settings.js';
import { brokerSettingsRoutes } from './broker-settings-routes.js';
import { EventStream, type EventStreamOptions } from './event-stream.js';
import { faultRoutes } from './fault-routes.js';
import { sendError } from './json-http.js';
import { TransactionLog, type TransactionLogOptions } from './transaction-log.js';
import { transactionRoutes } from './transaction-routes.js';
import { uiRoutes } from './ui-routes.js';

/** Offset from the broker's sandbox port to the control API's (8080 -> 8090). */
export const CONTROL_PORT_OFFSET = 10;

/** The control API's default port for a broker port: broker + 10, or 0 (any free port) for 0. */
export function defaultControlPort(brokerPort: number): number {
  return brokerPort === 0 ? 0 : brokerPort + CONTROL_PORT_OFFSET;
}

/**
 * A community as the runtime describes it to the control API (topology/endpoint-table.ts
 * `communityView`, which also carries `protocol`, `xca` or `mhd`, and an MHD community's
 * `fhirBase`; `GET /topology` sends them as they are).
 */
export interface ControlCommunity {
  name: string;
  homeCommunityId: string;
  kind: 'simulated' | 'external';
  /**
   * URL per transaction: an XCA community's `ITI-38`, `ITI-39` (IHE ITI TF-2 3.38, 3.39) and, when
   * it serves images, `RAD-75` (IHE RAD TF-2 4.75); an MHD community's `ITI-67` (its
   * `DocumentReference` search) and, when it has one, `ITI-68` (its document URL; IHE ITI TF-2
   * 3.67, 3.68).
   */
  endpoints: Record<string, string>;
}

/** What the runtime tells the control API about the running topology. */
interface ControlTopologySource {
  broker: { url: string; endpoints: Record<string, string> };
  communities: ControlCommunity[];
  dataPackDir?: string;
  /** Seed of the fault PRNG streams. */
  seed: number;
}

/** `GET /topology` answer. */
export interface TopologyResponse {
  broker: { url: string; endpoints: Record<string, string> };
  /** `down`: an unconditional `refuse` fault holds the community's listener closed. */
  communities: (ControlCommunity & { down: boolean })[];
  control: { url: string };
  dataPackDir?: string;
  seed: number;
}

/** Everything the control API works on. */
interface ControlApiOptions {
  /** This process's FaultStore, or the federation's faults (federated-faults.ts). */
  faults: FaultControl;
  /** The bus the broker emits `transaction` on; the log follows it. */
  events: SimEvents;
  /** The topology, read on every `GET /topology`. */
  topology: () => ControlTopologySource;
  logger: Logger;
  /** Transaction log sizing (default 500 transactions, 256 KiB per body). */
  log?: TransactionLogOptions;
  /**
   * Further routes the runtime mounts (after the built-in ones, before the 404), for modules the
   * control API may not import (e.g. the conformance kit's `GET /conformance/consumer`). They
   * answer JSON errors as `{ error, problems? }` (json-http.ts) like the rest of the API.
   */
  routes?: readonly Router[];
  /** The broker's runtime settings (`/broker/settings`); the routes answer 404 without. */
  brokerSettings?: BrokerSettingsStore;
  /** `GET /events` sizing and timing (event-stream.ts defaults). */
  stream?: EventStreamOptions;
}

/** The express app of the control API; `controlUrl()` is read on every `GET /topology`. */
function createControlApp(
  opts: Omit<ControlApiOptions, 'log' | 'stream'> & {
    log: TransactionLog;
    topologyBody: () => TopologyResponse;
    stream: EventStream;
  },
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('json spaces', 2);
  app.get('/health', (_req, res) => {
    // Read per request (about 1 µs): the memory of this process, which in a container is its role's.
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    res.json({ status: 'up', memory: { rss, heapTotal, heapUsed, external, arrayBuffers } });
  });
  app.get('/topology', (_req, res) => {
    res.json(opts.topologyBody());
  });
  app.use(opts.stream.routes());
  app.use(uiRoutes());
  app.use(faultRoutes(opts.stream.faults(), opts.logger));
  if (opts.brokerSettings)
    app.use(brokerSettingsRoutes(opts.brokerSettings, () => opts.topology().communities, opts.logger));
  app.use(transactionRoutes(opts.log));
  for (const r of opts.routes ?? []) app.use(r);
  app.use((req, res) => sendError(res, 404, `no route ${req.method} ${req.path}`));
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    if (err instanceof SimError && err.code === SimErrorCode.NotRunning)
      return sendError(res, 502, 'a container of the stack did not answer', [err.message]);
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large') return sendError(res, 413, 'request too large', ['body: too large']);
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
      return sendError(res, e.status, 'bad request', [String((err as Error).message)]);
    opts.logger.error({ err }, 'control API: unexpected error');
    sendError(res, 500, 'internal error');
  });
  return app;
}

/** A listening control API. */
export interface RunningControlApi {
  /** `http://host:port`. */
  url: string;
  port: number;
  log: TransactionLog;
  /** Stop listening and stop following the event bus. */
  stop(): Promise<void>;
}

/**
 * Start the control API on `host:port` (0 = any free port). The transaction log follows
 * `events` from now on.
 * @throws SimError SIM_ERR_PORT_IN_USE when the port is taken.
 */
export async function startControlApi(
  opts: ControlApiOptions & { host: string; port: number },
): Promise<RunningControlApi> {
  const log = new TransactionLog(opts.log);
  let url = '';
  const topologyBody = (): TopologyResponse => {
    const t = opts.topology();
    return {
      broker: t.broker,
      communities: t.communities.map((c) => ({
        ...c,
        down: c.kind === 'simulated' && opts.faults.isDown(c.name),
      })),
      control: { url },
      ...(t.dataPackDir !== undefined ? { dataPackDir: t.dataPackDir } : {}),
      seed: t.seed,
    };
  };
  const stream = new EventStream(opts.faults, opts.events, topologyBody, opts.logger, opts.stream);
  const app = createControlApp({ ...opts, log, topologyBody, stream });
  const { server, port }: { server: Server; port: number } = await listen(
    app,
    opts.host,
    opts.port,
    'control API',
  );
  url = `http://${opts.host}:${port}`;
  const unfollow = log.follow(opts.events);
  return {
    url,
    port,
    log,
    stop: async () => {
      unfollow();
      stream.close();
      await close(server);
    },
  };
}
