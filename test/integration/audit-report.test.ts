/**
 * Reports for a scripted sequence of queries and retrieves (docs/audit.md): two
 * requesters (one with an XUA assertion, read unverified; one with only X-NIR-Consumer) query
 * and retrieve; the Patient Access Report and the User Access Report list exactly those accesses,
 * from the audit file and from PARS, through `sim audit report` as a user runs it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditFile, renderReport } from '../../simulator/cli/commands/audit.js';
import { patientAccessReport, userAccessReport } from '../../simulator/audit/reports.js';
import { loadDataPack } from '../../simulator/data-pack/loader.js';
import type { DataPack } from '../../simulator/data-pack/pack-format.js';
import { startInProcess, type RunningTopology } from '../../simulator/runtime/in-process.js';
import { fixedClock } from '../../simulator/shared/clock.js';
import { silentLogger } from '../../simulator/shared/logger.js';
import { buildSoapEnvelope } from '../../simulator/soap/envelope.js';
import { ResponseStatus, SoapAction } from '../../simulator/xca/constants.js';
import { encodeRetrieveDocumentSetRequest } from '../../simulator/xca/retrieve-document-set.js';
import type { DocumentRequest } from '../../simulator/xca/types.js';
import { findDocuments } from '../helpers/requests.js';
import { post, readQueryResponse, readRetrieveResponse } from '../helpers/soap-http.js';
import { defaultPackDir, repoDir } from '../helpers/topology.js';

const run = promisify(execFile);
const T0 = Date.UTC(2025, 2, 14, 9, 30, 0);
const WHEN = '2025-03-14T09:30:00.000Z';
const P1 = '9995649284';
const P2 = '9995527421';
const CX = (nhs: string) => `${nhs}^^^&2.16.840.1.113883.2.1.4.1&ISO`;
const msg = (n: number) => `urn:uuid:5c0e0000-0000-4000-8000-00000000000${n}`;

/** An XUA assertion as a supplier would send it (read for display, not validated, in the sandbox). */
const SAML = `<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_assertion-1" IssueInstant="2025-03-14T09:29:00Z" Version="2.0">
<saml2:Issuer>https://idp.example.nhs.uk</saml2:Issuer>
<saml2:Subject><saml2:NameID>jane.smith@example.nhs.uk</saml2:NameID></saml2:Subject>
<saml2:AttributeStatement>
<saml2:Attribute Name="urn:oasis:names:tc:xspa:1.0:subject:subject-id"><saml2:AttributeValue>UID-555123</saml2:AttributeValue></saml2:Attribute>
<saml2:Attribute Name="urn:oasis:names:tc:xspa:1.0:subject:organization"><saml2:AttributeValue>University Hospitals Birmingham</saml2:AttributeValue></saml2:Attribute>
<saml2:Attribute Name="urn:oasis:names:tc:xspa:1.0:subject:organization-id"><saml2:AttributeValue>RRK</saml2:AttributeValue></saml2:Attribute>
<saml2:Attribute Name="urn:oasis:names:tc:xacml:2.0:subject:role"><saml2:AttributeValue><Role xmlns="urn:hl7-org:v3" code="R8000" codeSystem="2.16.840.1.113883.2.1.3.2.4.17.196" displayName="Clinical Practitioner"/></saml2:AttributeValue></saml2:Attribute>
<saml2:Attribute Name="urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"><saml2:AttributeValue><PurposeOfUse xmlns="urn:hl7-org:v3" code="TREATMENT" codeSystem="2.16.840.1.113883.3.18.7.1" displayName="Treatment"/></saml2:AttributeValue></saml2:Attribute>
</saml2:AttributeStatement>
</saml2:Assertion>
</wsse:Security>`;

let dir: string;
let pack: DataPack;
let running: RunningTopology;
let p1Docs: DocumentRequest[];
let p2Doc: DocumentRequest;

const query = (nhs: string, n: number, opts: { saml?: boolean; consumer: string }) =>
  post(
    running.broker.endpoints['ITI-38'],
    opts.saml
      ? findDocuments(nhs, { messageId: msg(n) }).replace('</env:Header>', `${SAML}</env:Header>`)
      : findDocuments(nhs, { messageId: msg(n) }),
    undefined,
    { 'x-nir-consumer': opts.consumer },
  );
const retrieve = (docs: DocumentRequest[], n: number, consumer: string) =>
  post(
    running.broker.endpoints['ITI-39'],
    buildSoapEnvelope({
      action: SoapAction.CrossGatewayRetrieve,
      messageId: msg(n),
      headersXml: SAML,
      bodyXml: encodeRetrieveDocumentSetRequest({ documents: docs }),
    }),
    undefined,
    { 'x-nir-consumer': consumer },
  );

function docsOf(nhs: string): DocumentRequest[] {
  return pack.communities.flatMap((c) =>
    c.entries
      .filter((e) => e.patientId === CX(nhs))
      .map((e) => ({
        homeCommunityId: c.homeCommunityId,
        repositoryUniqueId: e.repositoryUniqueId,
        documentUniqueId: e.uniqueId,
      })),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'nir-sim-audit-report-'));
  pack = await loadDataPack(defaultPackDir);
  running = await startInProcess(
    {
      host: '127.0.0.1',
      broker: { port: 0, deadlineMs: 5_000 },
      maxBodyBytes: 10 * 1024 * 1024,
      dataPackDir: pack.dir,
      communities: pack.communities.map((store) => ({ kind: 'simulated' as const, store, port: 0 })),
    },
    { logger: silentLogger(), clock: fixedClock(T0), audit: { dir } },
  );
  p1Docs = docsOf(P1).slice(0, 2);
  p2Doc = docsOf(P2)[0]!;
  // The script: Dr Smith (XUA assertion, via acme-pacs) queries P1 and retrieves two of P1's
  // reports; gp-viewer (no assertion) queries P2 and an invalid NHS number; Dr Smith retrieves P2's.
  expect(readQueryResponse(await query(P1, 1, { saml: true, consumer: 'acme-pacs' })).response.status).toBe(
    ResponseStatus.Success,
  );
  expect(readRetrieveResponse(await retrieve(p1Docs, 2, 'acme-pacs')).response.documents).toHaveLength(2);
  expect(readQueryResponse(await query(P2, 3, { consumer: 'gp-viewer' })).response.status).toBe(
    ResponseStatus.Success,
  );
  expect(readQueryResponse(await query('9999999991', 4, { consumer: 'gp-viewer' })).response.status).toBe(
    ResponseStatus.Failure,
  );
  expect(readRetrieveResponse(await retrieve([p2Doc], 5, 'acme-pacs')).response.documents).toHaveLength(1);
  await running.audit!.drained();
});
afterAll(async () => {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

const drSmith = {
  user: 'UID-555123',
  role: 'Clinical Practitioner',
  organisation: 'RRK',
  callingSystem: 'acme-pacs',
  assurance: 'unverified',
};
const gpViewer = {
  organisation: 'unknown organisation (no XUA assertion)',
  callingSystem: 'gp-viewer',
  assurance: 'unverified',
};
const access = (
  n: number,
  transaction: string,
  patient: string,
  who: object,
  documents: string[],
  outcomeDesc = 'Success',
) => ({
  id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
  recorded: WHEN,
  transaction,
  action: transaction === 'ITI-39' ? 'E' : 'R',
  outcome: outcomeDesc.startsWith('Success') ? '0' : '8',
  outcomeDesc,
  patient,
  ...who,
  documents,
  messageId: msg(n),
});

describe('audit reports for a scripted sequence', () => {
  it('Patient Access Report: who accessed P1, when, which documents', () => {
    const report = patientAccessReport(readAuditFile(running.audit!.file), P1);
    expect(report).toEqual({
      kind: 'patient',
      subject: P1,
      accesses: [
        access(1, 'ITI-38', P1, drSmith, []),
        access(
          2,
          'ITI-39',
          P1,
          drSmith,
          p1Docs.map((d) => d.documentUniqueId),
        ),
      ],
      byTransaction: { 'ITI-38': 1, 'ITI-39': 1 },
    });
    expect(renderReport(report, 'file x')).toBe(
      [
        'Patient Access Report for 999 564 9284: 2 accesses (from file x)',
        'by transaction: ITI-38 1, ITI-39 1',
        `when (UTC)               transaction  action  outcome  ${'who'.padEnd(37)}  organisation  role                   documents`,
        '2025-03-14 09:30:00.000  ITI-38       R       0        UID-555123 via acme-pacs (unverified)  RRK           Clinical Practitioner  -',
        `2025-03-14 09:30:00.000  ITI-39       E       0        UID-555123 via acme-pacs (unverified)  RRK           Clinical Practitioner  ${p1Docs.map((d) => d.documentUniqueId).join(' ')}`,
        '',
      ].join('\n'),
    );
  });

  it('User Access Reports: by XUA subject-id, and by calling system when there is no assertion', () => {
    const events = readAuditFile(running.audit!.file);
    expect(userAccessReport(events, 'UID-555123')).toEqual({
      kind: 'user',
      subject: 'UID-555123',
      accesses: [
        access(1, 'ITI-38', P1, drSmith, []),
        access(
          2,
          'ITI-39',
          P1,
          drSmith,
          p1Docs.map((d) => d.documentUniqueId),
        ),
        access(5, 'ITI-39', P2, drSmith, [p2Doc.documentUniqueId]),
      ],
      byTransaction: { 'ITI-38': 1, 'ITI-39': 2 },
    });
    expect(userAccessReport(events, 'gp-viewer')).toEqual({
      kind: 'user',
      subject: 'gp-viewer',
      accesses: [
        // the second community's policy is to say XDSUnknownPatientId for a patient it does not hold
        access(
          3,
          'ITI-38',
          P2,
          gpViewer,
          [],
          `Success: XDSUnknownPatientId (Warning) at ${pack.communities[1]!.homeCommunityId}`,
        ),
        access(4, 'ITI-38', '9999999991', gpViewer, [], 'Failure: XDSUnknownPatientId'),
      ],
      byTransaction: { 'ITI-38': 2 },
    });
  });

  it('`sim audit report` reads PARS and the audit file alike, as a table or JSON', async () => {
    const sim = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'simulator/cli/main.ts', 'audit', 'report', ...args], {
        cwd: repoDir,
        env: { ...process.env, NIR_SIM_HOME: dir },
      });
    const outcome = (p: ReturnType<typeof sim>) =>
      p.then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({
          code: e.code,
          stdout: e.stdout,
          stderr: e.stderr,
        }),
      );
    const file = running.audit!.file;
    const [fromPars, fromFile, badPatient, notRunning] = await Promise.all([
      outcome(sim('--pars', running.pars!.url, '--user', 'UID-555123', '--json')),
      outcome(sim('--file', file, '--patient', '999 564 9284')),
      outcome(sim('--patient', '9999999991', '--file', file)),
      outcome(sim('--user', 'x')),
    ]);
    const expected = userAccessReport(readAuditFile(file), 'UID-555123');
    expect({ ...fromPars, stdout: JSON.parse(fromPars.stdout) as unknown }).toEqual({
      code: 0,
      stdout: { ...expected, source: `PARS ${running.pars!.url}` },
      stderr: '',
    });
    expect(fromFile).toEqual({
      code: 0,
      stdout: renderReport(patientAccessReport(readAuditFile(file), P1), `file ${file}`),
      stderr: '',
    });
    expect(badPatient).toEqual({
      code: 64,
      stdout: '',
      stderr: 'nir-sim: --patient 9999999991: expected a 10-digit NHS number with a valid check digit\n',
    });
    expect(notRunning).toEqual({
      code: 69,
      stdout: '',
      stderr:
        'nir-sim: not running: start it with npm run sim up, or pass --file <audit ndjson> or --pars <url>\n',
    });
  }, 60_000);
});
