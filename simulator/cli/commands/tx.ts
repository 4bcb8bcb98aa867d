/**
 * `sim tx list|show`: the running broker's transaction log, through its control API
 * (`/transactions`): every consumer request answered, XCA (ITI-38, ITI-39, RAD-75) or FHIR (ITI-67,
 * ITI-68, WADO-RS), with its community legs, whatever protocol each leg spoke. `show` prints one
 * transaction, or one of its bodies (`--request` / `--response`, a leg's with `--leg N`): the SOAP
 * envelope, or a FHIR request's request line and JSON response, as the log keeps them (cut at its
 * per-body bound, with a marker).
 */
import type { Argv } from 'yargs';
import type { BrokerTransaction, LegEvent, TransactionEvent } from '../../events/transaction-events.js';
import type { TransactionSummary } from '../../control/transaction-log.js';
import { SimError, SimErrorCode } from '../../shared/errors.js';
import { client } from './fault.js';

const TRANSACTIONS: readonly BrokerTransaction[] = [
  'ITI-38',
  'ITI-39',
  'RAD-75',
  'ITI-67',
  'ITI-68',
  'WADO-RS',
];

/** The last segment of a response status URN (`Success`, `PartialSuccess`, `Failure`). */
const statusName = (urn: string): string => urn.slice(urn.lastIndexOf(':') + 1);

/** One leg in a line: `north ITI-38/xca 200 12 ms`, `south ITI-67/mhd failed (timeout) 3001 ms`. */
function legText(
  leg: Omit<LegEvent, 'requestXml' | 'responseXml' | 'responseBody'>,
  request: string,
): string {
  const how =
    leg.outcome === 'answered'
      ? String(leg.httpStatus ?? 'answered')
      : `failed (${leg.failure?.reason ?? 'unknown'}${leg.httpStatus !== undefined ? ` ${leg.httpStatus}` : ''})`;
  const errors = leg.errorCodes.length > 0 ? ` [${leg.errorCodes.join(' ')}]` : '';
  return `${leg.community} ${leg.transaction ?? request}/${leg.protocol ?? 'xca'} ${how} ${leg.durationMs} ms${errors}`;
}

/** The log as a table, newest first, with the per-transaction counts. */
export function transactionsText(
  list: TransactionSummary[],
  counts: Partial<Record<BrokerTransaction, number>> | undefined,
): string {
  const held = Object.entries(counts ?? {})
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  const head = `${list.length} transaction${list.length === 1 ? '' : 's'}${held !== '' ? ` (the log holds ${held})` : ''}\n`;
  if (list.length === 0) return head;
  const cols: [string, (t: TransactionSummary) => string][] = [
    ['id', (t) => t.id],
    ['when (UTC)', (t) => new Date(t.startedAt).toISOString().replace('T', ' ').replace('Z', '')],
    ['transaction', (t) => t.transaction],
    ['protocol', (t) => t.protocol ?? 'xca'],
    ['status', (t) => statusName(t.status)],
    ['results', (t) => String(t.resultCount)],
    ['ms', (t) => String(t.durationMs)],
    ['patient', (t) => t.patient ?? '-'],
    ['legs', (t) => t.legs.map((l) => legText(l, t.transaction)).join('; ') || '-'],
  ];
  const rows = list.map((t) => cols.map(([, f]) => f(t)));
  const widths = cols.map(([h], i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return head + [line(cols.map(([h]) => h)), ...rows.map(line)].join('\n') + '\n';
}

/** One transaction as text: what was asked, how it ended, each leg; bodies are left to --request/--response. */
export function transactionText(t: TransactionEvent): string {
  const lines = [
    `${t.id}  ${t.transaction} over ${t.protocol ?? 'xca'}  ${statusName(t.status)}  ${t.resultCount} result(s)  ${t.durationMs} ms`,
    ...(t.requestLine !== undefined ? [`request   ${t.requestLine.split('\n', 1)[0]}`] : []),
    ...(t.messageId !== undefined ? [`messageId ${t.messageId}`] : []),
    ...(t.consumerId !== undefined ? [`consumer  ${t.consumerId}`] : []),
    ...(t.patient !== undefined ? [`patient   ${t.patient}`] : []),
    ...t.errors.map(
      (e) =>
        `error     ${e.errorCode}${e.location !== undefined ? ` at ${e.location}` : ''}: ${e.codeContext}`,
    ),
    ...t.legs.map(
      (l, i) =>
        `leg ${i}     ${legText(l, t.transaction)}${l.requestLine !== undefined ? `  ${l.requestLine.split('\n', 1)[0]}` : ''}`,
    ),
  ];
  return lines.join('\n') + '\n';
}

/**
 * The body `show --request|--response [--leg N]` prints: the SOAP envelope, else the request line /
 * FHIR JSON body.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when there is no such leg or the body was not recorded.
 */
export function bodyOf(t: TransactionEvent, part: 'request' | 'response', leg: number | undefined): string {
  let m: {
    requestXml?: string;
    responseXml?: string;
    requestLine?: string;
    responseBody?: string;
    noResponse?: string;
  } = t;
  let what = `transaction ${t.id}`;
  if (leg !== undefined) {
    const l = t.legs[leg];
    if (l === undefined)
      throw new SimError(
        SimErrorCode.BadArgument,
        `--leg ${leg}: transaction ${t.id} has ${t.legs.length} leg(s), numbered from 0`,
      );
    m = l;
    what = `leg ${leg} (${l.community}) of transaction ${t.id}`;
  }
  const body = part === 'request' ? (m.requestXml ?? m.requestLine) : (m.responseXml ?? m.responseBody);
  if (body === undefined) {
    // A leg that got no answer says why (timed out, refused, ...).
    const why = part === 'response' && m.noResponse !== undefined ? `: no response: ${m.noResponse}` : '';
    throw new SimError(SimErrorCode.BadArgument, `the ${part} of ${what} was not recorded${why}`);
  }
  return body.endsWith('\n') ? body : body + '\n';
}

/** Register `tx list|show`. */
export function txCommand(y: Argv): Argv {
  return y.command(
    'tx',
    "the running broker's transaction log: list, show (XCA and FHIR requests, with their legs)",
    (a) =>
      a
        .option('control-url', {
          type: 'string',
          describe: "control API URL (default: the running simulator's, as sim status shows it)",
        })
        .command(
          'list',
          'the newest transactions first, each with its legs',
          (b) =>
            b
              .option('transaction', {
                type: 'string',
                choices: TRANSACTIONS,
                describe: 'only this transaction',
              })
              .option('limit', { type: 'number', describe: 'at most this many (1 or more)' })
              .option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
          async (argv) => {
            const limit = argv.limit;
            if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1))
              throw new SimError(
                SimErrorCode.BadArgument,
                `--limit ${limit}: give a whole number of 1 or more`,
              );
            const log = await client(argv['control-url']).transactionLog({
              ...(limit !== undefined ? { limit } : {}),
              ...(argv.transaction !== undefined ? { transaction: argv.transaction } : {}),
            });
            process.stdout.write(
              argv.json
                ? JSON.stringify(log, null, 2) + '\n'
                : transactionsText(log.transactions, log.counts),
            );
          },
        )
        .command(
          'show <id>',
          'one transaction with its legs, or one of its bodies',
          (b) =>
            b
              .positional('id', { type: 'string', demandOption: true, describe: 'the id sim tx list shows' })
              .option('request', { type: 'boolean', describe: 'print the request body' })
              .option('response', { type: 'boolean', describe: 'print the response body' })
              .option('leg', { type: 'number', describe: "with --request/--response: that leg's (from 0)" })
              .conflicts('request', 'response')
              .option('json', { type: 'boolean', default: false, describe: 'print JSON (bodies included)' }),
          async (argv) => {
            if (argv.leg !== undefined && !argv.request && !argv.response)
              throw new SimError(SimErrorCode.BadArgument, '--leg goes with --request or --response');
            if (argv.leg !== undefined && (!Number.isSafeInteger(argv.leg) || argv.leg < 0))
              throw new SimError(
                SimErrorCode.BadArgument,
                `--leg ${argv.leg}: give a whole number of 0 or more`,
              );
            const t = await client(argv['control-url']).transaction(argv.id);
            const part = argv.request ? 'request' : argv.response ? 'response' : undefined;
            process.stdout.write(
              part !== undefined
                ? bodyOf(t, part, argv.leg)
                : argv.json
                  ? JSON.stringify(t, null, 2) + '\n'
                  : transactionText(t),
            );
          },
        )
        .demandCommand(1, 'name a tx command: list, show'),
  );
}
