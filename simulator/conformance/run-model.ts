/**
 * A finished conformance run, as the reports and the evidence bundle read it: what was checked,
 * against what, when, with which nir-sim and seed, each result, every exchange, and the FHIR R4
 * AuditEvents the run produced (as NIR sends them to PARS for each transaction).
 */
import type { CheckDefinition, CheckResult, ConformanceMode } from './check.js';
import type { ConsumerVerdict } from './consumer-check.js';
import type { ExchangeRecord } from './exchange-record.js';
import type { ProviderTarget } from './provider-check.js';

/** Latency of a run's answered exchanges (NFT-01), ms on the run's clock. */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** NIR's deadline the run held the answers to, ms. */
  deadlineMs: number;
}

/** Consumer mode: the verdicts on one request the supplier's consumer sent to the broker. */
export interface ConsumerRequestVerdicts {
  /** The broker's transaction id (control API `/transactions/{id}`). */
  transactionId: string;
  transaction: string;
  startedAt: string;
  verdicts: ConsumerVerdict[];
}

/**
 * The run. `target`: the supplier's responding gateway (provider mode) or the broker the consumer
 * used (consumer mode). `topology`: one line describing the sim's network when the run used one.
 * `results` has one entry per check of `checks`, same order. `auditEvents`: FHIR R4 AuditEvent
 * resources (JSON objects).
 */
export interface ConformanceRun {
  tool: { name: 'nir-sim'; version: string };
  mode: ConformanceMode;
  startedAt: string;
  finishedAt: string;
  seed: number;
  target: ProviderTarget | { brokerUrl: string; consumer?: string; since?: string };
  topology?: string;
  /** Where the expected data came from (`ConformanceTestData.source`). */
  testDataSource?: string;
  checks: CheckDefinition[];
  results: CheckResult[];
  exchanges: ExchangeRecord[];
  auditEvents: object[];
  latency?: LatencySummary;
  /** Consumer mode only. */
  requests?: ConsumerRequestVerdicts[];
}

/** Every result passed or was skipped. */
export function runPassed(run: Pick<ConformanceRun, 'results'>): boolean {
  return run.results.every((r) => r.outcome !== 'failed');
}
