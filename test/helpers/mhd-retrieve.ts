/**
 * The broker's ITI-68 and WADO-RS routes (broker/retrieve-document.ts, broker/wado-rs.ts) on an
 * express app of their own, port 0, over a started test topology's communities: a BrokerContext
 * like the sandbox's (runtime/broker-sandbox.ts), with a recorder that keeps every record.
 */
import http from 'node:http';
import https from 'node:https';
import express from 'express';
import type { BrokerContext } from '../../simulator/broker/context.js';
import {
  CommunityDirectory,
  type CommunityEndpoint,
  type ConsumerProfile,
} from '../../simulator/broker/community-directory.js';
import { retrieveDocumentHandler } from '../../simulator/broker/retrieve-document.js';
import { wadoRsRouter } from '../../simulator/broker/wado-rs.js';
import type {
  BrokerRecord,
  FaultEvent,
  TransactionEvent,
} from '../../simulator/events/transaction-events.js';
import type { FhirSecurity } from '../../simulator/broker/iua-enforcement.js';
import type { DeadlineClock } from '../../simulator/shared/clock.js';
import { FhirPath } from '../../simulator/shared/fhir-endpoints.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { HttpAgent } from '../../simulator/transport/http-client.js';
import type { RunningTopology } from '../../simulator/runtime/in-process.js';
import { listenOnPort0 } from './listen.js';

/** A listening app with the two routes and what it recorded. */
export interface RetrieveBroker {
  /** `http://127.0.0.1:PORT` (`https:` with `security`). */
  url: string;
  records: BrokerRecord[];
  transactions(): TransactionEvent[];
  faults(): FaultEvent[];
  close(): Promise<void>;
}

/** Start the routes over `running`'s communities (the context the sandbox port would have). */
export async function startRetrieveBroker(
  running: RunningTopology,
  opts: {
    clock: DeadlineClock;
    deadlineMs: number;
    consumers?: Record<string, ConsumerProfile>;
    /** More communities beside `running`'s (an MHD community started on its own). */
    communities?: CommunityEndpoint[];
    /**
     * The integration port: serve over HTTPS requiring a client certificate (`tls`: the server's
     * certificate and key, the CAs client certificates must chain to) and admit with `fhir`.
     */
    security?: { fhir: FhirSecurity; tls: { cert: string; key: string; ca: string[] } };
    /** Called before the record is kept (a test may hold or fail it); default: keep it at once. */
    beforeRecord?: (r: BrokerRecord) => Promise<void>;
  },
): Promise<RetrieveBroker> {
  const records: BrokerRecord[] = [];
  const agent = new HttpAgent({ connections: 8 });
  const context: BrokerContext = {
    directory: new CommunityDirectory(
      [
        ...running.communities.map((c) => ({
          name: c.name,
          homeCommunityId: c.homeCommunityId,
          endpoints: c.endpoints,
        })),
        ...(opts.communities ?? []),
      ],
      opts.consumers ?? {},
    ),
    deadlineMs: opts.deadlineMs,
    clock: opts.clock,
    logger: silentLogger(),
    transport: { agent, maxResponseBytes: 64 * 1024 * 1024 },
    recorder: {
      record: async (r) => {
        await opts.beforeRecord?.(r);
        records.push(r);
      },
    },
  };
  const app = express();
  const security = opts.security ? { security: opts.security.fhir } : {};
  app.get(FhirPath.iti68, retrieveDocumentHandler({ context, ...security }));
  app.use(FhirPath.wadoRs, wadoRsRouter({ context, ...security }));
  const server = opts.security
    ? https.createServer({ ...opts.security.tls, requestCert: true, rejectUnauthorized: true }, app)
    : http.createServer(app);
  const listening = await listenOnPort0(server);
  return {
    url: listening.url,
    records,
    transactions: () => records.flatMap((r) => (r.kind === 'transaction' ? [r.event] : [])),
    faults: () => records.flatMap((r) => (r.kind === 'fault' ? [r.event] : [])),
    close: async () => {
      await listening.close();
      await agent.close();
    },
  };
}
