/**
 * The broker's audit pipeline (docs/audit.md), the part one would ship with the broker:
 * an AuditTrail whose sinks write each AuditEvent, before the broker answers, to this run's NDJSON
 * file and to the durable queue, and a ParsForwarder that drains the queue into a PARS at a URL
 * (POST `<url>/FHIR/R4/AuditEvent`, FHIR R4). It knows nothing of where the events come from or
 * which PARS answers: the runtime subscribes the trail and starts the simulated PARS.
 *
 * Directory layout (`dir`): `audit-<time>-<run>.ndjson` (one per run, append-only) and `queue/`
 * (the durable queue: journal segments, `ack.json`, `queue.lock`, `rejected.ndjson`). Reusing
 * `dir` across runs is what makes the queue survive a broker restart.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { ActionCodeMap } from './action-codes.js';
import { AuditTrail } from './audit-trail.js';
import { DurableQueue } from './durable-queue.js';
import { parsSender } from './pars-client.js';
import { DEFAULT_BACKOFF, ParsForwarder, type Backoff, type ForwarderStats } from './pars-forwarder.js';
import { NdjsonFileSink, ParsQueueSink } from './sinks.js';

/** How the pipeline writes and forwards. */
export interface AuditPipelineOptions {
  /** Directory of the run's audit file and the PARS queue. */
  dir: string;
  /** PARS base URL (the FHIR base is `${parsUrl}/FHIR/R4`). */
  parsUrl: string;
  /** The run's NDJSON file (default `<dir>/audit-<time>-<run>.ndjson`). */
  file?: string;
  /** AuditEvent.action per transaction (default NIR's: ITI-38 R, ITI-39 E, RAD-75 R). */
  actions?: ActionCodeMap;
  /** Retry timing towards PARS (default 100 ms doubling to 5 s). */
  backoff?: Backoff;
  /** fsync queue writes (default false). */
  fsync?: boolean;
  /** Per-POST timeout towards PARS, ms (default 10 000). */
  sendTimeoutMs?: number;
}

/** An open pipeline. */
export interface AuditPipeline {
  /** The trail to record transactions, faults and relayed patients on. */
  trail: AuditTrail;
  /** This run's NDJSON file. */
  file: string;
  queueDir: string;
  /** Events waiting for PARS. */
  queueDepth(): number;
  /** Forwarding counters. */
  stats: ForwarderStats;
  /** Resolves once every queued event is in PARS. */
  drained(): Promise<void>;
  /** Close the trail and stop forwarding; the queue keeps what is undelivered. */
  close(): Promise<void>;
}

/**
 * Open the queue in `<dir>/queue`, the run's NDJSON file, and start forwarding to `parsUrl`.
 * @throws SimError SIM_ERR_ALREADY_RUNNING when another process holds the queue (`queue.lock`).
 */
export function openAuditPipeline(
  opts: AuditPipelineOptions,
  deps: { logger: Logger; clock: Clock },
): AuditPipeline {
  const dir = path.resolve(opts.dir);
  const queueDir = path.join(dir, 'queue');
  const queue = DurableQueue.open(queueDir, { fsync: opts.fsync ?? false });
  const sender = parsSender(opts.parsUrl, opts.sendTimeoutMs);
  const forwarder = new ParsForwarder(queue, sender.send, deps.logger, opts.backoff ?? DEFAULT_BACKOFF);
  const stamp = new Date(deps.clock.now()).toISOString().replace(/[:.]/g, '-');
  const file = opts.file ?? path.join(dir, `audit-${stamp}-${randomUUID().slice(0, 8)}.ndjson`);
  const trail = new AuditTrail({
    sinks: [new NdjsonFileSink(file), new ParsQueueSink(queue, forwarder)],
    ...(opts.actions ? { actions: opts.actions } : {}),
  });
  forwarder.start();
  if (queue.depth > 0)
    deps.logger.info({ queued: queue.depth }, 'audit events from an earlier run are queued for PARS');
  return {
    trail,
    file,
    queueDir,
    queueDepth: () => queue.depth,
    stats: forwarder.stats,
    drained: () => forwarder.drained(),
    close: async () => {
      await trail.close();
      sender.close();
    },
  };
}
