/**
 * `sim conformance consumer [--since ISO] [--consumer ID] [--json]`: how the supplier's consumer
 * system fared so far (docs/conformance.md "Consumer mode"): the running broker's consumer-mode
 * report, read from its control API (`GET /conformance/consumer`): per check and per onboarding
 * item (UAT-01, NFT-01) what passed and failed, and which broker transactions show it (`sim tx
 * show <id>` prints one). Exit 0 when no check failed, 1 when one did (so a CI can gate on it).
 */
import type { Argv } from 'yargs';
import type { ConsumerReport } from '../../conformance/consumer-report.js';
import { client } from './fault.js';

/** At most this many transaction ids are listed per failed check or item (the rest counted). */
const LISTED_IDS = 5;

const ids = (list: readonly string[]): string =>
  list.length <= LISTED_IDS
    ? list.join(', ')
    : `${list.slice(0, LISTED_IDS).join(', ')} (and ${list.length - LISTED_IDS} more)`;

/** The report as text: the scope, one line per item, one per check, then each failure's first message. */
export function consumerReportText(r: ConsumerReport): string {
  const scope = [
    r.consumer !== undefined ? `consumer ${r.consumer}` : 'every consumer',
    r.since !== undefined ? `since ${r.since}` : 'since the broker started (or as far back as it keeps)',
  ].join(', ');
  const out = [
    `${r.requestCount} request${r.requestCount === 1 ? '' : 's'} judged (${scope}); deadline ${r.deadlineMs} ms`,
  ];
  if (r.latency)
    out.push(
      `latency of ${r.latency.count} answered: p50 ${r.latency.p50Ms} ms, p95 ${r.latency.p95Ms} ms, max ${r.latency.maxMs} ms`,
    );
  out.push('', 'onboarding items');
  for (const i of r.items)
    out.push(
      `  ${i.outcome.toUpperCase().padEnd(7)} ${i.item}  ${i.failed.length > 0 ? `failed in ${ids(i.failed)}` : `${i.passed.length} request(s) passed`}`,
    );
  out.push('', 'checks');
  r.results.forEach((res, n) => {
    const def = r.checks[n]!;
    out.push(`  ${res.outcome.toUpperCase().padEnd(7)} ${res.id.padEnd(20)} ${def.title}`);
    if (res.outcome === 'failed')
      out.push(`          ${res.message}`, `          requests: ${ids(res.exchanges)}`);
  });
  return out.join('\n') + '\n';
}

/** Register `consumer` under a `conformance` command. */
export function addConformanceConsumer(y: Argv): Argv {
  return y.command(
    'consumer',
    "judge every request the supplier's consumer sent to the running broker (per check and onboarding item)",
    (b) =>
      b
        .option('since', {
          type: 'string',
          describe: 'only requests from this ISO 8601 time on, e.g. 2026-12-03T14:00:00Z',
        })
        .option('consumer', {
          type: 'string',
          describe: 'only this consumer (its X-NIR-Consumer id or TLS certificate CN)',
        })
        .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
        .option('control-url', {
          type: 'string',
          describe: "control API URL (default: the running simulator's, as sim status shows it)",
        }),
    async (argv) => {
      const q = new URLSearchParams();
      if (argv.since !== undefined) q.set('since', argv.since);
      if (argv.consumer !== undefined) q.set('consumer', argv.consumer);
      const query = q.size > 0 ? `?${q.toString()}` : '';
      const report = (await client(argv['control-url']).getJson(
        `/conformance/consumer${query}`,
      )) as ConsumerReport;
      process.stdout.write(argv.json ? JSON.stringify(report, null, 2) + '\n' : consumerReportText(report));
      if (report.results.some((x) => x.outcome === 'failed')) process.exitCode = 1;
    },
  );
}

/** Register `conformance consumer` (until the `conformance` command has more subcommands). */
export function conformanceCommand(y: Argv): Argv {
  return y.command('conformance', 'technical conformance kit: judge a consumer system (consumer)', (a) =>
    addConformanceConsumer(a).demandCommand(1, 'name a conformance command: consumer'),
  );
}
