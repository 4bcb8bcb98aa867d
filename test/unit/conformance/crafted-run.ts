/**
 * A hand-made finished ConformanceRun for the report and evidence tests: two areas (ITI-38, ITI-39),
 * a pass, a fail (whose message holds markup, a table pipe and a line break), a skip, a pass over
 * MTOM; an exchange with XML both ways, one with MTOM bytes (every byte value), one that failed
 * without a response; latency and two AuditEvents.
 */
import type { CheckDefinition, CheckResult } from '../../../simulator/conformance/check.js';
import type { ExchangeRecord } from '../../../simulator/conformance/exchange-record.js';
import type { ConformanceRun } from '../../../simulator/conformance/run-model.js';

export const XSS_MESSAGE =
  'expected status Success, got Failure | <script>alert(1)</script> & "quotes"\nsecond line: RegistryError location';

const soap = (body: string): Buffer =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${body}</s:Body></s:Envelope>`,
  );

/** A multipart/related MTOM answer whose attachment holds every byte value. */
export const MTOM_BODY = Buffer.concat([
  Buffer.from('--MIMEBoundary\r\nContent-Type: application/xop+xml; type="application/soap+xml"\r\n\r\n'),
  soap('<RetrieveDocumentSetResponse/>'),
  Buffer.from('\r\n--MIMEBoundary\r\nContent-Type: application/pdf\r\nContent-ID: <doc1>\r\n\r\n'),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from('\r\n--MIMEBoundary--\r\n'),
]);

export const checks: CheckDefinition[] = [
  {
    id: 'ITI38-HOME',
    area: 'ITI-38',
    title: 'Every object carries home',
    given: 'a known patient',
    when: 'NIR sends FindDocuments',
    then: 'every ExtrinsicObject has home equal to the homeCommunityId',
    source: 'IHE ITI TF-2 3.38.4.1.2.1',
    items: ['UAT-01'],
  },
  {
    id: 'ITI38-STATUS',
    area: 'ITI-38',
    title: 'Status agrees with errors',
    given: 'a known patient',
    when: 'NIR sends FindDocuments',
    then: 'the status is Success when there is no RegistryError',
    source: 'ebRS 3.0 §2.1.6; IHE ITI TF-3 4.2.4',
    items: ['UAT-01', 'NFT-01'],
  },
  {
    id: 'ITI39-ONE',
    area: 'ITI-39',
    title: 'One document',
    given: 'a document of a known patient',
    when: 'NIR retrieves it',
    then: 'the bytes match size and hash',
    source: 'IHE ITI TF-2 3.39.4.1.3',
    items: ['UAT-01'],
  },
  {
    id: 'ITI39-WRONG-REPO',
    area: 'ITI-39',
    title: 'A wrong repository',
    given: 'a repositoryUniqueId the gateway does not serve',
    when: 'NIR retrieves from it',
    then: 'XDSUnknownRepositoryId',
    source: 'IHE ITI TF-2 3.39.4.1.3',
  },
];

export const results: CheckResult[] = [
  {
    id: 'ITI38-HOME',
    outcome: 'passed',
    message: 'all 4 objects carry home urn:oid:1.2.3',
    exchanges: ['ITI38-HOME-01-find-documents'],
    durationMs: 12,
    measurements: { objects: 4, p95Ms: 12 },
  },
  {
    id: 'ITI38-STATUS',
    outcome: 'failed',
    message: XSS_MESSAGE,
    exchanges: ['ITI38-STATUS-01-find-documents'],
    durationMs: 1500,
  },
  {
    id: 'ITI39-ONE',
    outcome: 'passed',
    message: 'size 256 and SHA-1 match',
    exchanges: ['ITI39-ONE-01-retrieve'],
  },
  {
    id: 'ITI39-WRONG-REPO',
    outcome: 'skipped',
    message: 'no second repository in the test data',
    exchanges: [],
  },
];

export const exchanges: ExchangeRecord[] = [
  {
    name: 'ITI38-HOME-01-find-documents',
    checkId: 'ITI38-HOME',
    transaction: 'ITI-38',
    url: 'https://127.0.0.1:9443/iti38',
    startedAt: '2026-12-03T14:00:01.000Z',
    durationMs: 12,
    request: {
      method: 'POST',
      headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
      body: soap('<AdhocQueryRequest/>'),
    },
    response: {
      status: 200,
      headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
      body: soap('<AdhocQueryResponse status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"/>'),
    },
  },
  {
    name: 'ITI38-STATUS-01-find-documents',
    checkId: 'ITI38-STATUS',
    transaction: 'ITI-38',
    url: 'https://127.0.0.1:9443/iti38',
    startedAt: '2026-12-03T14:00:02.000Z',
    durationMs: 1500,
    request: {
      method: 'POST',
      headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
      body: soap('<AdhocQueryRequest/>'),
    },
    failure: { kind: 'reset', code: 'ECONNRESET', detail: 'the connection was reset before an answer' },
  },
  {
    name: 'ITI39-ONE-01-retrieve',
    checkId: 'ITI39-ONE',
    transaction: 'ITI-39',
    url: 'https://127.0.0.1:9443/iti39',
    startedAt: '2026-12-03T14:00:03.000Z',
    durationMs: 30,
    request: {
      method: 'POST',
      headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
      body: soap('<RetrieveDocumentSetRequest/>'),
    },
    response: {
      status: 200,
      headers: {
        'content-type':
          'multipart/related; boundary=MIMEBoundary; type="application/xop+xml"; start-info="application/soap+xml"',
      },
      body: MTOM_BODY,
    },
  },
];

/** The crafted run (fresh objects each call, so a test may change its copy). */
export function craftedRun(): ConformanceRun {
  return {
    tool: { name: 'nir-sim', version: '0.1.0' },
    mode: 'provider',
    startedAt: '2026-12-03T14:00:00.000Z',
    finishedAt: '2026-12-03T14:00:05.000Z',
    seed: 42,
    target: {
      iti38Url: 'https://127.0.0.1:9443/iti38',
      iti39Url: 'https://127.0.0.1:9443/iti39',
      homeCommunityId: 'urn:oid:1.2.3',
    },
    topology: 'none',
    testDataSource: 'default pack, community north-east-imaging-network',
    checks: checks.map((c) => ({ ...c })),
    results: results.map((r) => ({ ...r, exchanges: [...r.exchanges] })),
    exchanges: exchanges.map((x) => ({ ...x })),
    auditEvents: [
      { resourceType: 'AuditEvent', id: 'a1', action: 'E' },
      { resourceType: 'AuditEvent', id: 'a2', action: 'R' },
    ],
    latency: { count: 2, p50Ms: 12, p95Ms: 30, maxMs: 30, deadlineMs: 5000 },
  };
}
