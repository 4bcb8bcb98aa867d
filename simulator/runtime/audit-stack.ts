/**
 * The audit side of a running topology (docs/audit.md): the simulated PARS service
 * (pars/pars-service.ts), and the broker's audit pipeline (audit/audit-pipeline.ts) listening on
 * the event bus, so each AuditEvent is written, before the broker answers, to this run's NDJSON
 * file and to the durable queue that a forwarder drains into PARS.
 *
 * Directory layout (`dir`): the pipeline's audit file and `queue/`, and `pars/` (the simulated
 * PARS's stored events, reloaded on start).
 */
import path from 'node:path';
import { openAuditPipeline, type AuditPipeline, type AuditPipelineOptions } from '../audit/audit-pipeline.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { ForwarderStats } from '../audit/pars-forwarder.js';
import type { SimEvents } from '../control/events.js';
import type { FaultStore } from '../faults/fault-store.js';
import { startParsService, type RunningPars } from '../pars/pars-service.js';
import type { ParsStore } from '../pars/pars-store.js';
import type { DeadlineClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

/** Audit configuration of a run. */
export interface AuditRuntimeOptions extends Omit<AuditPipelineOptions, 'parsUrl'> {
  /** Port of the simulated PARS; 0 = any free port (see pars/pars-service.ts defaultParsPort). */
  parsPort?: number;
  /** Send to the PARS at this base URL instead of starting the simulated one. */
  parsUrl?: string;
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

/**
 * Start PARS (unless `parsUrl`), open the audit pipeline and subscribe its trail to `events`
 * (`transaction`, `fault` and `relayed-patients`). With `faults`, PARS accepts `pars-down` /
 * `pars-slow` faults.
 * @throws SimError SIM_ERR_PORT_IN_USE (PARS port), SIM_ERR_ALREADY_RUNNING (queue in use).
 */
export async function startAuditStack(
  events: SimEvents,
  opts: AuditRuntimeOptions,
  deps: { host: string; logger: Logger; clock: DeadlineClock; faults?: FaultStore },
): Promise<RunningAudit> {
  let pars: RunningPars | undefined;
  if (opts.parsUrl === undefined)
    pars = await startParsService({
      host: deps.host,
      port: opts.parsPort ?? 0,
      logger: deps.logger.child({ component: 'pars' }),
      clock: deps.clock,
      storeFile: path.join(path.resolve(opts.dir), 'pars', 'audit-events.ndjson'),
      ...(deps.faults ? { faults: deps.faults } : {}),
    });
  const { parsPort: _port, ...pipelineOptions } = opts;
  const parsUrl = opts.parsUrl ?? pars!.url;
  let pipeline: AuditPipeline;
  try {
    pipeline = openAuditPipeline(
      { ...pipelineOptions, parsUrl },
      { logger: deps.logger.child({ component: 'audit' }), clock: deps.clock },
    );
  } catch (err) {
    await pars?.stop();
    throw err;
  }
  const { trail } = pipeline;
  const unsubscribe = events.subscribe(trail);
  return {
    pars: { url: parsUrl },
    file: pipeline.file,
    queueDir: pipeline.queueDir,
    queueDepth: () => pipeline.queueDepth(),
    stats: pipeline.stats,
    drained: () => pipeline.drained(),
    trail,
    ...(pars ? { parsStore: pars.store } : {}),
    stop: async () => {
      unsubscribe();
      await pipeline.close();
      await pars?.stop();
    },
  };
}
