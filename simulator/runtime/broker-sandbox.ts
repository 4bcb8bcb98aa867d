/**
 * The broker's sandbox listener and the context its handlers share, built one way for both
 * runtimes: the in-process runtime (in-process.ts) and the broker container (roles/broker-container.ts).
 */
import type { Server } from 'node:http';
import { HttpAgent } from '../transport/http-client.js';
import { createBrokerApp } from '../broker/broker.js';
import { fhirFace } from '../broker/fhir-face.js';
import {
  CommunityDirectory,
  type CommunityEndpoint,
  type ConsumerProfile,
} from '../broker/community-directory.js';
import type { BrokerContext, BrokerSettings } from '../broker/context.js';
import type { AssertionForwarder } from '../broker/xua-forward.js';
import type { SimEvents } from '../control/events.js';
import type { DeadlineClock } from '../shared/clock.js';
import {
  AdmissionQueue,
  DEFAULT_ADMISSION,
  DEFAULT_REQUEST_DEADLINE_MARGIN_MS,
  type AdmissionLimits,
} from '../broker/admission.js';
import { close, listen } from '../shared/http-listen.js';
import type { Logger } from '../shared/logger.js';

/** Largest answer a community leg may return, bytes (RAD-75 studies stream past it). */
const MAX_LEG_RESPONSE_BYTES = 256 * 1024 * 1024;

/** What the sandbox listener is made of. */
interface BrokerSandboxOptions {
  communities: CommunityEndpoint[];
  consumers?: Record<string, ConsumerProfile>;
  /** Per-community deadline, ms. */
  deadlineMs: number;
  /** The settings read once per request, overriding `deadlineMs` and `consumers` (control API). */
  settings?: () => BrokerSettings;
  maxBodyBytes: number;
  host: string;
  /** 0 picks a free port. */
  port: number;
  clock: DeadlineClock;
  logger: Logger;
  events: SimEvents;
  /** mTLS agent for https: legs and the signer of forwarded assertions (security on). */
  httpsAgent?: HttpAgent;
  forward?: AssertionForwarder;
  /**
   * Admission limits shared by the sandbox and integration ports (docs/limits.md); defaults:
   * DEFAULT_ADMISSION, and a request deadline of `deadlineMs` + DEFAULT_REQUEST_DEADLINE_MARGIN_MS.
   */
  admission?: Partial<AdmissionLimits>;
}

/** A listening sandbox port and the context the integration port may share. */
export interface BrokerSandbox {
  /** `http://host:port`. */
  url: string;
  port: number;
  context: BrokerContext;
  /** Close the listener and the legs' keep-alive sockets. */
  stop(): Promise<void>;
}

/**
 * Start the broker's sandbox port (plain HTTP, open access).
 * @throws SimError SIM_ERR_PORT_IN_USE when the port is taken.
 */
export async function startBrokerSandbox(o: BrokerSandboxOptions): Promise<BrokerSandbox> {
  // Every leg is an XCA query or retrieve (read-only, safe to resend): a leg whose kept-alive
  // connection the gateway closed at the moment of reuse goes again on another connection.
  const agent = new HttpAgent({ connections: 64, resendOnStaleConnection: true });
  const context: BrokerContext = {
    directory: new CommunityDirectory(o.communities, o.consumers ?? {}),
    deadlineMs: o.deadlineMs,
    ...(o.settings ? { settings: o.settings } : {}),
    clock: o.clock,
    logger: o.logger.child({ component: 'broker' }),
    transport: {
      agent,
      maxResponseBytes: MAX_LEG_RESPONSE_BYTES,
      ...(o.httpsAgent ? { httpsAgent: o.httpsAgent } : {}),
    },
    recorder: o.events,
    admission: new AdmissionQueue(
      {
        ...DEFAULT_ADMISSION,
        requestDeadlineMs: o.deadlineMs + DEFAULT_REQUEST_DEADLINE_MARGIN_MS,
        ...o.admission,
      },
      o.clock,
    ),
  };
  const app = createBrokerApp({
    maxBodyBytes: o.maxBodyBytes,
    context,
    ...(o.forward ? { forward: o.forward } : {}),
  });
  app.use(fhirFace({ context, ...(o.forward ? { forward: o.forward } : {}) }));
  let server: Server;
  let port: number;
  try {
    ({ server, port } = await listen(app, o.host, o.port, 'broker sandbox'));
  } catch (err) {
    await agent.close();
    throw err;
  }
  return {
    url: `http://${o.host}:${port}`,
    port,
    context,
    stop: async () => {
      await agent.close();
      await close(server);
    },
  };
}
