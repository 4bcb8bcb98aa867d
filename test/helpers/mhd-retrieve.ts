/**
 * The broker's ITI-68 and WADO-RS routes (broker/retrieve-document.ts, broker/wado-rs.ts) on an
 * express app of their own, port 0, over a started test topology's communities: a BrokerContext
 * like the sandbox's (runtime/broker-sandbox.ts), with a recorder that keeps every record.
 */
import http from 'node:http';
import express from 'express';
import type { BrokerContext } from '../../simulator/broker/context.js';
import { CommunityDirectory, type ConsumerProfile } from '../../simulator/broker/community-directory.js';
import { retrieveDocumentHandler } from '../../simulator/broker/retrieve-document.js';
import { wadoRsRouter } from '../../simulator/broker/wado-rs.js';
import type {
  BrokerRecord,
  FaultEvent,
  TransactionEvent,
} from '../../simulator/events/transaction-events.js';
import type { IuaValidator } from '../../simulator/security/iua-validate.js';
import type { DeadlineClock } from '../../simulator/shared/clock.js';
import { FhirPath } from '../../simulator/shared/fhir-endpoints.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { HttpAgent } from '../../simulator/transport/http-client.js';
import type { RunningTopology } from '../../simulator/runtime/in-process.js';
import { listenOnPort0 } from './listen.js';

/** A listening app with the two routes and what it recorded. */
export interface RetrieveBroker {
  /** `http://127.0.0.1:PORT`. */
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
    iua?: IuaValidator;
    /** Called before the record is kept (a test may hold or fail it); default: keep it at once. */
    beforeRecord?: (r: BrokerRecord) => Promise<void>;
  },
): Promise<RetrieveBroker> {
  const records: BrokerRecord[] = [];
  const agent = new HttpAgent({ connections: 8 });
  const context: BrokerContext = {
    directory: new CommunityDirectory(
      running.communities.map((c) => ({
        name: c.name,
        homeCommunityId: c.homeCommunityId,
        endpoints: c.endpoints,
      })),
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
  app.get(FhirPath.iti68, retrieveDocumentHandler({ context }));
  app.use(FhirPath.wadoRs, wadoRsRouter({ context, ...(opts.iua ? { iua: opts.iua } : {}) }));
  const listening = await listenOnPort0(http.createServer(app));
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
