/**
 * `sim tx list|show` against a control API serving a transaction log with an XCA ITI-38 and an
 * MHD ITI-67 (one XCA leg, one MHD leg that timed out): the table with per-transaction counts and
 * each leg's transaction and protocol, the filter, one transaction as text, its bodies (request
 * line, FHIR JSON, a leg's SOAP envelope), and clear errors for what is not there.
 */
import http from 'node:http';
import express from 'express';
import yargs from 'yargs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listenOnPort0, type Listening } from '../../test/helpers/listen.js';
import type { TransactionEvent } from '../events/transaction-events.js';
import { TransactionLog } from '../control/transaction-log.js';
import { transactionRoutes } from '../control/transaction-routes.js';
import { SimError } from '../shared/errors.js';
import { ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import { failure } from './command-list.js';
import { txCommand } from './commands/tx.js';

const T0 = Date.UTC(2025, 2, 14, 9, 30, 0, 0);
const SEARCH =
  'GET http://127.0.0.1:8080/fhir/DocumentReference?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9995649284&status=current';
const BUNDLE = '{"resourceType":"Bundle","type":"searchset","total":1}';

const xca: TransactionEvent = {
  id: 'tx-1',
  transaction: 'ITI-38',
  patient: '9995649284',
  startedAt: T0,
  durationMs: 30,
  status: ResponseStatus.Success,
  errors: [],
  resultCount: 2,
  legs: [
    {
      community: 'north',
      homeCommunityId: 'urn:oid:2.25.1.1.1',
      startedAt: T0,
      durationMs: 20,
      outcome: 'answered',
      httpStatus: 200,
      errorCodes: [],
    },
  ],
  requestXml: '<env:Envelope/>',
  responseXml: '<env:Envelope/>',
};
const mhd: TransactionEvent = {
  id: 'tx-2',
  transaction: 'ITI-67',
  protocol: 'mhd',
  patient: '9995649284',
  startedAt: T0 + 1000,
  durationMs: 3005,
  status: ResponseStatus.PartialSuccess,
  errors: [
    {
      errorCode: 'XDSUnavailableCommunity',
      codeContext: 'south did not answer within 3000 ms',
      severity: ErrorSeverity.Error,
      location: 'urn:oid:2.25.1.1.2',
    },
  ],
  resultCount: 1,
  legs: [
    {
      community: 'north',
      homeCommunityId: 'urn:oid:2.25.1.1.1',
      startedAt: T0 + 1000,
      durationMs: 12,
      outcome: 'answered',
      httpStatus: 200,
      errorCodes: [],
      protocol: 'xca',
      transaction: 'ITI-38',
      requestXml: '<env:Envelope><leg/></env:Envelope>',
      responseXml: '<env:Envelope><ok/></env:Envelope>',
    },
    {
      community: 'south',
      homeCommunityId: 'urn:oid:2.25.1.1.2',
      startedAt: T0 + 1000,
      durationMs: 3001,
      outcome: 'failed',
      failure: { reason: 'timeout', detail: 'no answer within 3000 ms' },
      errorCodes: [],
      protocol: 'mhd',
      transaction: 'ITI-67',
      requestLine:
        'GET http://127.0.0.1:8090/fhir/DocumentReference?patient.identifier=9995649284&status=current',
      noResponse: 'no answer within 3000 ms',
    },
  ],
  requestLine: SEARCH,
  responseBody: BUNDLE,
};

let api: Listening;
beforeAll(async () => {
  const log = new TransactionLog();
  log.record(xca);
  log.record(mhd);
  const app = express();
  app.use(transactionRoutes(log));
  api = await listenOnPort0(http.createServer(app));
});
afterAll(() => api.close());

/** Run `tx ...args --control-url <api>` in process: what it printed, or the SimError it failed with. */
async function tx(...args: string[]): Promise<string | [string, string]> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    await txCommand(yargs(['tx', ...args, '--control-url', api.url]))
      .strict()
      .fail(failure)
      .parseAsync();
    return out;
  } catch (err) {
    if (err instanceof SimError) return [err.code, err.message];
    throw err;
  } finally {
    spy.mockRestore();
  }
}

describe('sim tx', () => {
  it('list: newest first, each leg with the transaction it sent and its protocol, and the counts', async () => {
    expect(await tx('list')).toBe(
      [
        '2 transactions (the log holds ITI-38 1, ITI-67 1)',
        'id    when (UTC)               transaction  protocol  status          results  ms    patient     legs',
        'tx-2  2025-03-14 09:30:01.000  ITI-67       mhd       PartialSuccess  1        3005  9995649284  north ITI-38/xca 200 12 ms; south ITI-67/mhd failed (timeout) 3001 ms',
        'tx-1  2025-03-14 09:30:00.000  ITI-38       xca       Success         2        30    9995649284  north ITI-38/xca 200 20 ms',
        '',
      ].join('\n'),
    );
    const filtered = JSON.parse((await tx('list', '--transaction', 'ITI-67', '--json')) as string) as {
      transactions: { id: string }[];
    };
    expect(filtered.transactions.map((t) => t.id)).toEqual(['tx-2']);
  });

  it('show: the FHIR request with its errors and legs; --request, --response and a leg’s bodies', async () => {
    expect(await tx('show', 'tx-2')).toBe(
      [
        'tx-2  ITI-67 over mhd  PartialSuccess  1 result(s)  3005 ms',
        `request   ${SEARCH}`,
        'patient   9995649284',
        'error     XDSUnavailableCommunity at urn:oid:2.25.1.1.2: south did not answer within 3000 ms',
        'leg 0     north ITI-38/xca 200 12 ms',
        'leg 1     south ITI-67/mhd failed (timeout) 3001 ms  GET http://127.0.0.1:8090/fhir/DocumentReference?patient.identifier=9995649284&status=current',
        '',
      ].join('\n'),
    );
    expect(await tx('show', 'tx-2', '--request')).toBe(`${SEARCH}\n`);
    expect(await tx('show', 'tx-2', '--response')).toBe(`${BUNDLE}\n`);
    expect(await tx('show', 'tx-2', '--request', '--leg', '0')).toBe('<env:Envelope><leg/></env:Envelope>\n');
  });

  it('says what is missing: a body not recorded, a leg that does not exist, an unknown id, a bad filter', async () => {
    expect(await tx('show', 'tx-2', '--response', '--leg', '1')).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      'the response of leg 1 (south) of transaction tx-2 was not recorded: no response: no answer within 3000 ms',
    ]);
    expect(await tx('show', 'tx-2', '--request', '--leg', '5')).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      '--leg 5: transaction tx-2 has 2 leg(s), numbered from 0',
    ]);
    expect(await tx('show', 'tx-9')).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      "no transaction 'tx-9' in the log (it keeps the last 500)",
    ]);
    expect(await tx('list', '--limit', '0')).toEqual([
      'SIM_ERR_BAD_ARGUMENT',
      '--limit 0: give a whole number of 1 or more',
    ]);
  });
});
