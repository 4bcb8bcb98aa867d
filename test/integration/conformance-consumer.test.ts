/**
 * Consumer mode over real mTLS and signed XUA (docs/conformance.md "Consumer mode"): a good
 * consumer passes every check that applies; each deliberately bad consumer (no assertion on the
 * integration port, a wrong patient in resource-id, an unquoted patient id, GetDocuments and
 * ITI-39 without home, no wsa:MessageID) is caught by exactly the check that should, as the
 * control API's `GET /conformance/consumer` reports it (the broker's own records, re-read).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerReport } from '../../simulator/conformance/consumer-report.js';
import { consumerChecks } from '../../simulator/conformance/consumer-checks.js';
import { loadDataPack, type DataPack } from '../../simulator/data-pack/loader.js';
import { FaultStore } from '../../simulator/faults/fault-store.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { encodeAdhocQueryRequest } from '../../simulator/xca/adhoc-query-request.js';
import { EntryStatus, SoapAction, StoredQueryId } from '../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../simulator/xca/patient-id.js';
import { encodeRetrieveDocumentSetRequest } from '../../simulator/xca/retrieve-document-set.js';
import type { DocumentRequest } from '../../simulator/xca/types.js';
import { call } from '../helpers/control-api.js';
import {
  mintCertDir,
  postTls,
  supplierAssertion,
  withSecurity,
  type CertDir,
} from '../helpers/security-fixtures.js';
import { post } from '../helpers/soap-http.js';
import { defaultPackDir } from '../helpers/topology.js';

const NHS = '9995649284';
const CX = nhsNumberToCx(NHS);
/** Another valid NHS number (Modulus 11), not the one queried. */
const OTHER_CX = nhsNumberToCx('9434765919');

type Outcome = 'passed' | 'failed' | 'skipped';
const IDS = consumerChecks.map((c) => c.definition.id);

/** Every check passed except those named (`skipped` / `failed` as given). */
function outcomes(over: Record<string, Outcome>): Record<string, Outcome> {
  return Object.fromEntries(IDS.map((id) => [id, over[id] ?? 'passed']));
}

let certs: CertDir;
let running: RunningTopology;
let pack: DataPack;

beforeAll(async () => {
  certs = await mintCertDir();
  pack = await loadDataPack(defaultPackDir);
  const names = pack.communities.map((c) => c.name);
  running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs: 5_000 },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: pack.dir,
      communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
      security: { certsDir: certs.dir, crlPollMs: 60_000 },
    },
    { logger: silentLogger(), faults: new FaultStore(1, () => names), control: { port: 0, seed: 1 } },
  );
});
afterAll(async () => {
  await running?.stop();
  certs?.remove();
});

const integration = (tx: 'ITI-38' | 'ITI-39'): string => running.broker.integration!.endpoints[tx];

function findDocumentsBody(patientValue: string): string {
  return encodeAdhocQueryRequest({
    returnType: 'LeafClass',
    returnComposedObjects: true,
    queryId: StoredQueryId.FindDocuments,
    slots: [
      { name: '$XDSDocumentEntryPatientId', values: [patientValue] },
      { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
    ],
  });
}

function getDocumentsBody(uniqueId: string, home?: string): string {
  return encodeAdhocQueryRequest({
    returnType: 'LeafClass',
    returnComposedObjects: true,
    queryId: StoredQueryId.GetDocuments,
    ...(home !== undefined ? { home } : {}),
    slots: [{ name: '$XDSDocumentEntryUniqueId', values: [`('${uniqueId}')`] }],
  });
}

const query = (bodyXml: string): string =>
  buildSoapEnvelope({ action: SoapAction.CrossGatewayQuery, to: integration('ITI-38'), bodyXml });
const retrieveEnvelope = (docs: DocumentRequest[]): string =>
  buildSoapEnvelope({
    action: SoapAction.CrossGatewayRetrieve,
    to: integration('ITI-39'),
    bodyXml: encodeRetrieveDocumentSetRequest({ documents: docs }),
  });

/** Send `envelope` over mTLS as consumer `id` (X-NIR-Consumer), then the report for that consumer. */
async function asConsumer(
  id: string,
  envelope: string,
  tx: 'ITI-38' | 'ITI-39' = 'ITI-38',
): Promise<{ status: number; report: ConsumerReport }> {
  const r = await postTls(certs, integration(tx), envelope, { headers: { 'x-nir-consumer': id } });
  if (!('status' in r)) throw new Error(`connection refused: ${r.error}`);
  const got = await call(running.control!.url, 'GET', `/conformance/consumer?consumer=${id}`);
  expect(got.status).toBe(200);
  return { status: r.status, report: got.json as ConsumerReport };
}

/** The one request's verdict outcomes, by check id. */
function table(report: ConsumerReport): Record<string, Outcome> {
  expect(report.requestCount).toBe(1);
  return Object.fromEntries(report.requests[0]!.verdicts.map((v) => [v.id, v.outcome]));
}
const messageOf = (report: ConsumerReport, id: string): string =>
  report.requests[0]!.verdicts.find((v) => v.id === id)!.message;

const community = () => pack.communities[0]!;
const document = () => community().entries.find((e) => e.patientId === CX)!;

describe('a good consumer passes every check that applies', () => {
  it('FindDocuments, GetDocuments with home and ITI-39 with HomeCommunityId: no check fails; the report says so per check and per item', async () => {
    const c = community();
    const d = document();
    const signed = (cx = CX) => supplierAssertion(certs, cx);
    const a = await asConsumer('good', withSecurity(query(findDocumentsBody(`'${CX}'`)), signed()));
    expect(a.status).toBe(200);
    expect(table(a.report)).toEqual(outcomes({ 'CON-HOME': 'skipped' }));
    await postTls(
      certs,
      integration('ITI-38'),
      withSecurity(query(getDocumentsBody(d.uniqueId, c.homeCommunityId)), signed()),
      {
        headers: { 'x-nir-consumer': 'good' },
      },
    );
    await postTls(
      certs,
      integration('ITI-39'),
      withSecurity(
        retrieveEnvelope([
          {
            homeCommunityId: c.homeCommunityId,
            repositoryUniqueId: c.repositoryUniqueId,
            documentUniqueId: d.uniqueId,
          },
        ]),
        signed(),
      ),
      { headers: { 'x-nir-consumer': 'good' } },
    );
    const got = await call(running.control!.url, 'GET', '/conformance/consumer?consumer=good');
    const report = got.json as ConsumerReport;
    expect(
      report.requests.map((r) => [
        r.transaction,
        Object.fromEntries(r.verdicts.map((v) => [v.id, v.outcome])),
      ]),
    ).toEqual([
      ['ITI-38', outcomes({ 'CON-HOME': 'skipped' })],
      ['ITI-38', outcomes({ 'CON-PATIENT-CX': 'skipped' })],
      ['ITI-39', outcomes({ 'CON-PATIENT-CX': 'skipped', 'CON-SQ-SYNTAX': 'skipped' })],
    ]);
    expect(report.results.map((r) => [r.id, r.outcome])).toEqual(IDS.map((id) => [id, 'passed']));
    const ids = report.requests.map((r) => r.transactionId);
    expect(report.items).toEqual([
      {
        item: 'UAT-01',
        outcome: 'passed',
        checks: IDS.filter((id) => id !== 'CON-NFT01-SLA'),
        passed: ids,
        failed: [],
      },
      { item: 'NFT-01', outcome: 'passed', checks: ['CON-NFT01-SLA'], passed: ids, failed: [] },
    ]);
    expect(report.latency).toMatchObject({ count: 3, deadlineMs: 6_000 });
    expect(report.results.find((r) => r.id === 'CON-HOME')).toEqual({
      id: 'CON-HOME',
      outcome: 'passed',
      message: '2 of 3 request(s) passed, none failed (1 not applicable)',
      exchanges: ids.slice(1),
      measurements: { passed: 2, failed: 0, skipped: 1 },
    });
    expect(messageOf(a.report, 'CON-XUA-VALID')).toBe(
      'the broker validated the assertion: signature by a trusted signer, audience and validity window',
    );
  });
});

describe('each bad consumer is caught by exactly the check that should', () => {
  it('no assertion on the integration port: CON-XUA-PRESENT, with the refusal', async () => {
    const { status, report } = await asConsumer('no-assertion', query(findDocumentsBody(`'${CX}'`)));
    expect(status).toBe(400);
    expect(table(report)).toEqual(
      outcomes({
        'CON-XUA-PRESENT': 'failed',
        'CON-XUA-ATTRIBUTES': 'skipped',
        'CON-XUA-RESOURCE': 'skipped',
        'CON-XUA-VALID': 'skipped',
        'CON-HOME': 'skipped',
        'CON-NFT01-SLA': 'skipped',
      }),
    );
    expect(messageOf(report, 'CON-XUA-PRESENT')).toBe(
      'no saml2:Assertion in a wsse:Security header (the broker refused the request: HTTP 400 Sender wsse:InvalidSecurity "An error was discovered processing the <wsse:Security> header")',
    );
    expect(report.items.find((i) => i.item === 'UAT-01')).toEqual({
      item: 'UAT-01',
      outcome: 'failed',
      checks: IDS.filter((id) => id !== 'CON-NFT01-SLA'),
      passed: [],
      failed: [report.requests[0]!.transactionId],
    });
  });

  it("a wrong patient in the assertion's resource-id: CON-XUA-RESOURCE", async () => {
    const { status, report } = await asConsumer(
      'wrong-patient',
      withSecurity(query(findDocumentsBody(`'${CX}'`)), supplierAssertion(certs, OTHER_CX)),
    );
    expect(status).toBe(400);
    expect(table(report)).toEqual(
      outcomes({
        'CON-XUA-RESOURCE': 'failed',
        'CON-XUA-VALID': 'skipped',
        'CON-HOME': 'skipped',
        'CON-NFT01-SLA': 'skipped',
      }),
    );
    expect(messageOf(report, 'CON-XUA-RESOURCE')).toBe(
      `resource-id ${OTHER_CX} is not the queried patient ${CX} (the broker refused the request: HTTP 400 Sender wsse:FailedAuthentication "The security token could not be authenticated or authorized")`,
    );
  });

  it('an unquoted patient id: CON-SQ-SYNTAX', async () => {
    const { status, report } = await asConsumer(
      'unquoted',
      withSecurity(query(findDocumentsBody(CX)), supplierAssertion(certs, CX)),
    );
    expect(status).toBe(200);
    expect(table(report)).toEqual(outcomes({ 'CON-SQ-SYNTAX': 'failed', 'CON-HOME': 'skipped' }));
    expect(messageOf(report, 'CON-SQ-SYNTAX')).toBe(
      `XDSRegistryError: Parameter $XDSDocumentEntryPatientId: value ${CX} is not a quoted string ('...')`,
    );
  });

  it('GetDocuments without home: CON-HOME', async () => {
    const { report } = await asConsumer(
      'getdocs-no-home',
      withSecurity(query(getDocumentsBody(document().uniqueId)), supplierAssertion(certs, CX)),
    );
    expect(table(report)).toEqual(outcomes({ 'CON-HOME': 'failed', 'CON-PATIENT-CX': 'skipped' }));
    expect(messageOf(report, 'CON-HOME')).toBe(
      `the query by id (${StoredQueryId.GetDocuments}) has no AdhocQuery/@home; send the homeCommunityId the object came from`,
    );
  });

  it('ITI-39 without HomeCommunityId: CON-HOME', async () => {
    const c = community();
    const d = document();
    const { report } = await asConsumer(
      'retrieve-no-home',
      withSecurity(
        retrieveEnvelope([{ repositoryUniqueId: c.repositoryUniqueId, documentUniqueId: d.uniqueId }]),
        supplierAssertion(certs, CX),
      ),
      'ITI-39',
    );
    expect(table(report)).toEqual(
      outcomes({ 'CON-PATIENT-CX': 'skipped', 'CON-SQ-SYNTAX': 'skipped', 'CON-HOME': 'failed' }),
    );
    expect(messageOf(report, 'CON-HOME')).toBe(`DocumentRequest ${d.uniqueId} has no HomeCommunityId`);
  });

  it("an expired assertion: CON-XUA-VALID, with the broker's refusal and the window", async () => {
    const then = new Date(Math.floor(Date.now() / 1000) * 1000 - 600_000);
    const { status, report } = await asConsumer(
      'expired',
      withSecurity(query(findDocumentsBody(`'${CX}'`)), supplierAssertion(certs, CX, { now: then })),
    );
    expect(status).toBe(400);
    expect(table(report)).toEqual(
      outcomes({ 'CON-XUA-VALID': 'failed', 'CON-HOME': 'skipped', 'CON-NFT01-SLA': 'skipped' }),
    );
    expect(messageOf(report, 'CON-XUA-VALID')).toMatch(
      /^the broker refused the assertion: it had expired when received \(\S+; NotOnOrAfter \S+\) \(the broker refused the request: HTTP 400 Sender wsse:\w+ "[^"]+"\)$/,
    );
  });

  it('no wsa:MessageID: CON-WSA-MESSAGEID, judged on the refused request', async () => {
    const envelope = withSecurity(query(findDocumentsBody(`'${CX}'`)), supplierAssertion(certs, CX)).replace(
      /<wsa:MessageID>[^<]*<\/wsa:MessageID>/,
      '',
    );
    expect(envelope).not.toContain('MessageID');
    const { status, report } = await asConsumer('no-message-id', envelope);
    expect(status).toBe(400);
    expect(table(report)).toEqual(
      outcomes({
        'CON-WSA-MESSAGEID': 'failed',
        'CON-XUA-VALID': 'skipped',
        'CON-HOME': 'skipped',
        'CON-NFT01-SLA': 'skipped',
      }),
    );
    expect(messageOf(report, 'CON-WSA-MESSAGEID')).toBe(
      'wsa:MessageID is missing; send a fresh urn:uuid: per request (the broker refused the request: HTTP 400 Sender wsa:MessageAddressingHeaderRequired "A required header representing a Message Addressing Property is not present: wsa:MessageID")',
    );
  });
});

describe('GET /conformance/consumer', () => {
  it('since filters by arrival; a bad since or consumer is a 400 naming it', async () => {
    const future = await call(
      running.control!.url,
      'GET',
      '/conformance/consumer?since=2999-01-01T00:00:00Z',
    );
    expect(future.status).toBe(200);
    expect(future.json).toMatchObject({
      mode: 'consumer',
      since: '2999-01-01T00:00:00.000Z',
      requestCount: 0,
      requests: [],
    });
    const bad = await call(running.control!.url, 'GET', '/conformance/consumer?since=yesterday&consumer=');
    expect(bad).toEqual({
      status: 400,
      type: 'application/json; charset=utf-8',
      json: {
        error: 'invalid query',
        problems: [
          'since: expected an ISO 8601 date-time such as 2026-12-03T14:00:00Z, got "yesterday"',
          'consumer: expected a consumer id of 1 to 256 characters',
        ],
      },
    });
  });

  it('the sandbox port: a signed assertion within its window passes CON-XUA-VALID without verification, and says so', async () => {
    const envelope = withSecurity(
      buildSoapEnvelope({
        action: SoapAction.CrossGatewayQuery,
        to: running.broker.endpoints['ITI-38'],
        bodyXml: findDocumentsBody(`'${CX}'`),
      }),
      supplierAssertion(certs, CX),
    );
    const r = await post(running.broker.endpoints['ITI-38'], envelope, undefined, {
      'x-nir-consumer': 'sandbox-good',
    });
    expect(r.status).toBe(200);
    const got = await call(running.control!.url, 'GET', '/conformance/consumer?consumer=sandbox-good');
    const report = got.json as ConsumerReport;
    expect(table(report)).toEqual(outcomes({ 'CON-HOME': 'skipped' }));
    expect(messageOf(report, 'CON-XUA-VALID')).toBe(
      'signed (ds:Signature) and within NotBefore/NotOnOrAfter when received; the sandbox port does not verify signatures: use the integration port for that',
    );
  });
});
