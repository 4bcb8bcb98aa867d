/**
 * `sim conformance consumer` against a running broker's control API (real HTTP, the CLI in a child
 * process from the TypeScript sources): the text report names the failed check, the item and the
 * transaction; `--json` is the control API's report; exit 1 when a check failed, 0 when none did;
 * a bad `--since` is the API's 400 as a CLI message (exit 64).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerReport } from '../../simulator/conformance/consumer-report.js';
import type { RunningTopology } from '../../simulator/runtime/in-process.js';
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { encodeAdhocQueryRequest } from '../../simulator/xca/adhoc-query-request.js';
import { EntryStatus, SoapAction, StoredQueryId } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { startWithControl } from '../helpers/control-api.js';
import { post } from '../helpers/soap-http.js';
import { repoDir } from '../helpers/topology.js';

const CX = nhsNumberToCx('9995649284');

/** Run the CLI from source without blocking this process (its broker must keep answering). */
function sim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'simulator/cli/main.ts', ...args], {
      cwd: repoDir,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (code) => resolve({ code, stdout, stderr: stderr.trim() }));
  });
}

function findDocuments(patient: string, to: string): string {
  return buildSoapEnvelope({
    action: SoapAction.CrossGatewayQuery,
    to,
    bodyXml: encodeAdhocQueryRequest({
      returnType: 'LeafClass',
      returnComposedObjects: true,
      queryId: StoredQueryId.FindDocuments,
      slots: [
        { name: '$XDSDocumentEntryPatientId', values: [patient] },
        { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
      ],
    }),
  });
}

let running: RunningTopology;
let api: string;
let txId: string;

beforeAll(async () => {
  ({ running, api } = await startWithControl());
  const url = running.broker.endpoints['ITI-38'];
  const r = await post(url, findDocuments(CX, url), undefined, { 'x-nir-consumer': 'cli-pacs' });
  expect(r.status).toBe(200);
  txId = ((await (await fetch(`${api}/conformance/consumer?consumer=cli-pacs`)).json()) as ConsumerReport)
    .requests[0]!.transactionId;
}, 60_000);
afterAll(() => running?.stop());

describe('sim conformance consumer', () => {
  it(
    'text: the failed checks with their first message and the request; exit 1',
    { timeout: 60_000 },
    async () => {
      const r = await sim(['conformance', 'consumer', '--control-url', api, '--consumer', 'cli-pacs']);
      expect([r.code, r.stderr]).toEqual([1, '']);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toBe(
        '1 request judged (consumer cli-pacs, since the broker started (or as far back as it keeps)); deadline 2000 ms',
      );
      expect(lines).toContain(`  FAILED  UAT-01  failed in ${txId}`);
      expect(lines).toContain('  PASSED  NFT-01  1 request(s) passed');
      expect(lines.filter((l) => /^ {2}FAILED +CON-/.test(l)).map((l) => l.trim().split(/ +/)[1])).toEqual([
        'CON-XUA-PRESENT',
        'CON-SQ-SYNTAX',
      ]);
      expect(lines).toContain(
        `          1 of 1 request(s) failed; first, ${txId}: XDSRegistryError: Parameter $XDSDocumentEntryPatientId: value ${CX} is not a quoted string ('...')`,
      );
    },
  );

  it(
    '--json is the control API report; a consumer with no failure exits 0',
    { timeout: 60_000 },
    async () => {
      const r = await sim([
        'conformance',
        'consumer',
        '--control-url',
        api,
        '--consumer',
        'cli-pacs',
        '--json',
      ]);
      expect(r.code).toBe(1);
      const fromApi = (await (
        await fetch(`${api}/conformance/consumer?consumer=cli-pacs`)
      ).json()) as ConsumerReport;
      expect(JSON.parse(r.stdout)).toEqual(fromApi);
      const none = await sim(['conformance', 'consumer', '--control-url', api, '--consumer', 'nobody']);
      expect([none.code, none.stdout.split('\n')[0]]).toEqual([
        0,
        '0 requests judged (consumer nobody, since the broker started (or as far back as it keeps)); deadline 2000 ms',
      ]);
    },
  );

  it('a bad --since: the API refusal as a message, exit 64', { timeout: 60_000 }, async () => {
    const r = await sim(['conformance', 'consumer', '--control-url', api, '--since', 'yesterday']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(
      'since: expected an ISO 8601 date-time such as 2026-12-03T14:00:00Z, got "yesterday"',
    );
  });
});
