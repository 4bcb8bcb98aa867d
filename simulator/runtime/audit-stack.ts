/**
 * The audit side of a running topology (README "Audit (PARS)"): the simulated PARS service, and the broker's
 * audit trail listening on the event bus and writing each AuditEvent, before the broker answers, to
 * this run's NDJSON file and to the durable queue that a forwarder drains into PARS.
 *
 * Directory layout (`dir`): `audit-<time>-<run>.ndjson` (one per run, append-only), `queue/` (the
 * durable queue: journal segments, `ack.json`, `queue.lock`, `rejected.ndjson`), `pars/` (the
 * simulated PARS's stored events, reloaded on start). Reusing `dir` across runs is what makes the
 * queue survive a broker restart.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ActionCodeMap } from '../audit/action-codes.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { DurableQueue } from '../audit/durable-queue.js';
import { parsSender } from '../audit/pars-client.js';
import {
  DEFAULT_BACKOFF,
  ParsForwarder,
  type Backoff,
  type ForwarderStats,
} from '../audit/pars-forwarder.js';
import { NdjsonFileSink, ParsQueueSink } from '../audit/sinks.js';
import type { FaultEvent, RelayedPatientsEvent, SimEvents, TransactionEvent } from '../control/events.js';
import type { FaultStore } from '../faults/fault-store.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { startParsService, type RunningPars } from '../pars/pars-service.js';
import type { ParsStore } from '../pars/pars-store.js';

/** Audit configuration of a run. */
export interface AuditRuntimeOptions {
  /** Directory of the run's audit file, the PARS queue and the simulated PARS's records. */
  dir: string;
  /** The run's NDJSON file (default `<dir>/audit-<time>-<run>.ndjson`). */
  file?: string;
  /** Port of the simulated PARS; 0 = any free port (see {@link defaultParsPort}). */
  parsPort?: number;
  /** Send to the PARS at this base URL instead of starting the simulated one. */
  parsUrl?: string;
  /** AuditEvent.action per transaction (default NIR's: ITI-38 R, ITI-39 E, RAD-75 R). */
  actions?: ActionCodeMap;
  /** Retry timing towards PARS (default 100 ms doubling to 5 s). */
  backoff?: Backoff;
  /** fsync queue writes (default false). */
  fsync?: boolean;
  /** Per-POST timeout towards PARS, ms (default 10 000). */
  sendTimeoutMs?: number;
}

/** The running audit side. */
export interface RunningAudit {
  /** PARS base URL (the FHIR base is `${url}/FHIR/R4`). */
  pars: { url: string };
  /** This run's NDJSON file. */
  file: string;
  queueDir: string;
  /** Events waiting for PARS. */
  queueDepth(): number;
  /** Forwarding counters. */
  stats: ForwarderStats;
  /** Resolves once every queued event is in PARS. */
  drained(): Promise<void>;
  trail: AuditTrail;
  /** The simulated PARS's store (absent with `parsUrl`). */
  parsStore?: ParsStore;
  /** Unsubscribe, stop forwarding (the queue keeps what is undelivered) and stop PARS. */
  stop(): Promise<void>;
}

/** The simulated PARS's port for a broker port: broker + 20 (8100 for 8080), any free one for 0. */
export function defaultParsPort(brokerPort: number): number {
  return brokerPort === 0 ? 0 : brokerPort + 20;
}

/**
 * Start PARS (unless `parsUrl`), open the queue and subscribe the audit trail to `events`
 * (`transaction` and `fault`). With `faults`, PARS accepts `pars-down` / `pars-slow` faults.
 * @throws SimError SIM_ERR_PORT_IN_USE (PARS port), SIM_ERR_ALREADY_RUNNING (queue in use).
 */
export async function startAuditStack(
  events: SimEvents,
  opts: AuditRuntimeOptions,
  deps: { host: string; logger: Logger; clock: Clock; faults?: FaultStore },
): Promise<RunningAudit> {
  const logger = deps.logger.child({ component: 'audit' });
  const dir = path.resolve(opts.dir);
  let pars: RunningPars | undefined;
  if (opts.parsUrl === undefined)
    pars = await startParsService({
      host: deps.host,
      port: opts.parsPort ?? 0,
      logger: deps.logger.child({ component: 'pars' }),
      clock: deps.clock,
      storeFile: path.join(dir, 'pars', 'audit-events.ndjson'),
      ...(deps.faults ? { faults: deps.faults } : {}),
    });
  const parsUrl = opts.parsUrl ?? pars!.url;
  const queueDir = path.join(dir, 'queue');
  let queue: DurableQueue;
  try {
    queue = DurableQueue.open(queueDir, { fsync: opts.fsync ?? false });
  } catch (err) {
    await pars?.stop();
    throw err;
  }
  const sender = parsSender(parsUrl, opts.sendTimeoutMs);
  const forwarder = new ParsForwarder(queue, sender.send, logger, opts.backoff ?? DEFAULT_BACKOFF);
  const stamp = new Date(deps.clock.now()).toISOString().replace(/[:.]/g, '-');
  const file = opts.file ?? path.join(dir, `audit-${stamp}-${randomUUID().slice(0, 8)}.ndjson`);
  const trail = new AuditTrail({
    sinks: [new NdjsonFileSink(file), new ParsQueueSink(queue, forwarder)],
    ...(opts.actions ? { actions: opts.actions } : {}),
  });
  const onTransaction = (e: TransactionEvent): void => void trail.recordTransaction(e);
  const onFault = (f: FaultEvent): void => void trail.recordFault(f);
  const onRelayed = (e: RelayedPatientsEvent): void =>
    void trail.recordRelayedPatients(e.transaction, e.patients);
  events.on('transaction', onTransaction);
  events.on('fault', onFault);
  events.on('relayed-patients', onRelayed);
  forwarder.start();
  if (queue.depth > 0)
    logger.info({ queued: queue.depth }, 'audit events from an earlier run are queued for PARS');
  return {
    pars: { url: parsUrl },
    file,
    queueDir,
    queueDepth: () => queue.depth,
    stats: forwarder.stats,
    drained: () => forwarder.drained(),
    trail,
    ...(pars ? { parsStore: pars.store } : {}),
    stop: async () => {
      events.off('transaction', onTransaction);
      events.off('fault', onFault);
      events.off('relayed-patients', onRelayed);
      await trail.close();
      sender.close();
      await pars?.stop();
    },
  };
}
