/**
 * `sim conformance consumer`: the running sim's consumer-mode report (control API
 * `GET /conformance/consumer?since&consumer`, a ConsumerReport: conformance/consumer-report.ts)
 * read as a {@link ConformanceRun} (mode `consumer`) that the summary and the evidence bundle
 * take like a provider run's. Its results point at the broker's transactions (`requests`, and
 * `sim tx show <id>`), so the run has no exchanges of its own.
 */
import type { ConsumerReport } from '../../conformance/consumer-report.js';
import { nirSimVersion } from '../../conformance/provider-run.js';
import type { ConformanceRun } from '../../conformance/run-model.js';
import type { ControlClient } from '../../control/control-client.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { HttpTransportError, httpExchange, parseJsonBody } from '../../transport/http-client.js';

/** How long the report may take, ms (it judges every kept record). */
const TIMEOUT_MS = 30_000;
/** Largest report read, bytes. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;

/**
 * The consumer-mode run of the sim whose control API `control` reaches, over the requests from
 * `since` (ISO 8601) by `consumer`.
 * @throws SimError SIM_ERR_NOT_RUNNING when the API does not answer or does not serve the report;
 *   SIM_ERR_BAD_ARGUMENT listing the problems when it refuses the query.
 */
export async function consumerRun(
  control: ControlClient,
  q: { since?: string; consumer?: string },
  now: () => number = Date.now,
): Promise<ConformanceRun> {
  const startedAt = new Date(now()).toISOString();
  const params = new URLSearchParams();
  if (q.since !== undefined) params.set('since', q.since);
  if (q.consumer !== undefined) params.set('consumer', q.consumer);
  const url = new URL(
    `${control.baseUrl}/conformance/consumer${params.size > 0 ? `?${params.toString()}` : ''}`,
  );
  let res;
  try {
    res = await httpExchange(
      { method: 'GET', url, signal: AbortSignal.timeout(TIMEOUT_MS) },
      MAX_REPORT_BYTES,
    );
  } catch (err) {
    if (err instanceof HttpTransportError)
      throw new SimError(
        SimErrorCode.NotRunning,
        `the control API at ${control.baseUrl} did not answer (${err.message}): is the sim running? (npm run sim status)`,
      );
    throw err;
  }
  if (res.status === 404)
    throw new SimError(
      SimErrorCode.NotRunning,
      `the sim at ${control.baseUrl} does not serve GET /conformance/consumer: restart it with this version (npm run sim down, then npm run sim up)`,
    );
  if (res.status !== 200) {
    const body = parseJsonBody(res) as { error?: string; problems?: string[] };
    throw new SimError(
      SimErrorCode.BadArgument,
      [
        `the control API refused the report (HTTP ${res.status}): ${body.error ?? ''}`,
        ...(body.problems ?? []),
      ].join('\n'),
    );
  }
  const report = parseJsonBody(res) as ConsumerReport;
  const topology = await control.topology();
  return {
    tool: { name: 'nir-sim', version: nirSimVersion() },
    mode: 'consumer',
    startedAt,
    finishedAt: new Date(now()).toISOString(),
    seed: topology.seed,
    target: {
      brokerUrl: topology.broker.url,
      ...(report.consumer !== undefined ? { consumer: report.consumer } : {}),
      ...(report.since !== undefined ? { since: report.since } : {}),
    },
    topology: `broker ${topology.broker.url} with ${topology.communities.length} communities (${topology.communities.map((c) => c.name).join(', ')})`,
    checks: report.checks,
    results: report.results,
    exchanges: [],
    auditEvents: [],
    ...(report.latency ? { latency: report.latency } : {}),
    requests: report.requests,
  };
}
