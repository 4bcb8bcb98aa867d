/**
 * The bench's broker process (bench/child.ts): the NIR broker's sandbox port alone in a Node
 * process, over communities that run elsewhere (bench/communities-process.ts), built as the
 * in-process runtime and the broker container build it (runtime/broker-sandbox.ts; no audit,
 * no control API). Operations:
 *
 * - `start` {@link BrokerConfig}: stop what runs, then start the broker over `communities`;
 *   resolves with its ITI-38 and ITI-67 URLs (shared/fhir-endpoints.ts); an MHD community is a leg
 *   of the MHD codec (topology/endpoint-table.ts, as the runtime lists it). With `certsDir` its legs go over mutual TLS with the broker's
 *   client certificate and carry the signed assertion it forwards (runtime/security-runtime.ts).
 *   With `audit` the audit side runs in this process as `sim up` runs it (runtime/audit-stack.ts:
 *   an AuditEvent per request written to the NDJSON file and the durable queue before the answer,
 *   forwarded to the simulated PARS, which validates and stores it), in a temporary directory.
 * - `take`: the consumer requests answered since the last `take` ({@link BrokerTake}).
 * - `stop`: stop the broker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CommunityEndpoint } from '../simulator/broker/community-directory.js';
import { SimEvents } from '../simulator/control/events.js';
import { startAuditStack, type RunningAudit } from '../simulator/runtime/audit-stack.js';
import { startBrokerSandbox, type BrokerSandbox } from '../simulator/runtime/broker-sandbox.js';
import { securityFromDirectory, type SecurityRuntime } from '../simulator/runtime/security-runtime.js';
import { systemClock } from '../simulator/shared/clock.js';
import { silentLogger } from '../simulator/shared/logger.js';
import { mhdEndpoints } from '../simulator/shared/fhir-endpoints.js';
import { xcaEndpoints } from '../simulator/shared/xca-endpoints.js';
import { simulatedCommunityEndpoint } from '../simulator/topology/endpoint-table.js';
import { serveOperations } from './child.js';
import type { CommunityAddress } from './communities-process.js';

/** What the broker process runs. */
export interface BrokerConfig {
  communities: CommunityAddress[];
  /** Per-community deadline, ms. */
  deadlineMs: number;
  /** The certificate set of the communities' mutual TLS (they serve https: URLs then). */
  certsDir?: string;
  /** Run the audit pipeline and the simulated PARS in this process, as `sim up` does. */
  audit?: boolean;
}

/** The requests the broker answered since the last `take`. */
export interface BrokerTake {
  /** Consumer requests answered with a response (TransactionEvents). */
  transactions: number;
  /** Consumer requests answered with a SOAP Fault (FaultEvents). */
  faults: number;
  /**
   * Per answered request, in the order answered (the first 10,000): the slowest leg as the broker
   * timed it (LegEvent durationMs, ms) and whether every leg was answered (`complete`).
   */
  slowestLegMs: number[];
  complete: boolean[];
  /** The distinct reasons of failed legs (LegEvent failure), the first 5. */
  legFailures: string[];
}

const KEPT = 10_000;
const logger = silentLogger();
let sandbox: BrokerSandbox | undefined;
let security: SecurityRuntime | undefined;
let audit: { stack: RunningAudit; dir: string } | undefined;
let take: BrokerTake = empty();

function empty(): BrokerTake {
  return { transactions: 0, faults: 0, slowestLegMs: [], complete: [], legFailures: [] };
}

async function stop(): Promise<void> {
  const s = sandbox;
  sandbox = undefined;
  await s?.stop();
  security?.stop();
  security = undefined;
  const a = audit;
  audit = undefined;
  if (a) {
    await a.stack.stop();
    rmSync(a.dir, { recursive: true, force: true });
  }
}

/** The started broker's consumer-facing URLs. */
export interface BrokerUrls {
  /** ITI-38 Cross Gateway Query (SOAP 1.2 POST). */
  iti38Url: string;
  /** ITI-67 Find Document References (`GET {fhirBase}/DocumentReference?...`). */
  iti67Url: string;
}

async function start(c: BrokerConfig): Promise<BrokerUrls> {
  await stop();
  const events = new SimEvents();
  events.on('transaction', (e) => {
    take.transactions++;
    for (const l of e.legs) {
      const why = l.failure && `${l.community}: ${l.failure.reason}: ${l.failure.detail}`;
      if (why && take.legFailures.length < 5 && !take.legFailures.includes(why)) take.legFailures.push(why);
    }
    if (take.slowestLegMs.length >= KEPT) return;
    take.slowestLegMs.push(Math.max(0, ...e.legs.map((l) => l.durationMs)));
    take.complete.push(e.legs.every((l) => l.outcome === 'answered'));
  });
  events.on('fault', () => {
    take.faults++;
  });
  if (c.certsDir)
    security = securityFromDirectory(
      c.certsDir,
      c.communities.map((x) => x.name),
      {},
      logger,
    );
  if (c.audit) {
    const dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-bench-audit-'));
    const stack = await startAuditStack(
      events,
      { dir, parsPort: 0 },
      { host: '127.0.0.1', logger, clock: systemClock },
    );
    audit = { stack, dir };
  }
  const communities: CommunityEndpoint[] = c.communities.map((x) =>
    simulatedCommunityEndpoint(x, x.protocol ?? 'xca', x.url),
  );
  sandbox = await startBrokerSandbox({
    communities,
    deadlineMs: c.deadlineMs,
    maxBodyBytes: 10 * 1024 * 1024,
    host: '127.0.0.1',
    port: 0,
    clock: systemClock,
    logger,
    events,
    ...(security ? { httpsAgent: security.httpsAgent, forward: security.forward } : {}),
  });
  take = empty();
  return { iti38Url: xcaEndpoints(sandbox.url)['ITI-38'], iti67Url: mhdEndpoints(sandbox.url)['ITI-67'] };
}

serveOperations(
  {
    start: (c: BrokerConfig) => start(c),
    take: (): BrokerTake => {
      const t = take;
      take = empty();
      return t;
    },
    stop,
  },
  stop,
);
