/**
 * Each consumer-mode check on crafted broker records (conformance/consumer-*.ts): the request as a
 * consumer would send it, then one defect at a time, each verdict asserted whole (outcome and
 * message). The records are what the broker keeps: TransactionEvent or FaultEvent with the
 * request envelope as received.
 */
import { describe, expect, it } from 'vitest';
import type { ConsumerCheck } from '../../../simulator/conformance/consumer-check.js';
import { consumerChecks } from '../../../simulator/conformance/consumer-checks.js';
import { ConsumerRecordLog } from '../../../simulator/conformance/consumer-log.js';
import { consumerReport } from '../../../simulator/conformance/consumer-report.js';
import { readConsumerRequest, type ConsumerRecord } from '../../../simulator/conformance/consumer-request.js';
import type { FaultEvent, TransactionEvent } from '../../../simulator/events/transaction-events.js';
import { buildAssertionXml } from '../../../simulator/security/xua-issue.js';
import { buildSecurityHeader } from '../../../simulator/security/wss-header.js';
import { buildSoapEnvelope } from '../../../simulator/soap/envelope.js';
import { encodeAdhocQueryRequest } from '../../../simulator/xca/adhoc-query-request.js';
import { EntryStatus, ResponseStatus, SoapAction, StoredQueryId } from '../../../simulator/xca/constants.js';
import { nhsNumberToCx } from '../../../simulator/xca/patient-id.js';
import { encodeRetrieveDocumentSetRequest } from '../../../simulator/xca/retrieve-document-set.js';
import { encodeRetrieveImagingDocumentSetRequest } from '../../../simulator/xca/retrieve-imaging-document-set.js';
import type { QuerySlot } from '../../../simulator/xca/types.js';
import { assertionInput } from '../../helpers/security-fixtures.js';

const CX = nhsNumberToCx('9995649284');
const HOME = 'urn:oid:1.2.826.0.1.3680043.9.7604.1';
const NOW = Date.parse('2026-12-03T14:00:00Z');
const TO = 'http://127.0.0.1:8080/xca/iti38';

const check = (id: string): ConsumerCheck => consumerChecks.find((c) => c.definition.id === id)!;

function findDocuments(patient = `'${CX}'`, extra: QuerySlot[] = []): string {
  return encodeAdhocQueryRequest({
    returnType: 'LeafClass',
    returnComposedObjects: true,
    queryId: StoredQueryId.FindDocuments,
    slots: [
      { name: '$XDSDocumentEntryPatientId', values: [patient] },
      { name: '$XDSDocumentEntryStatus', values: [`('${EntryStatus.Approved}')`] },
      ...extra,
    ],
  });
}

/** An envelope with a (unsigned) XUA assertion for `resourceId` issued at NOW. */
function envelope(
  bodyXml = findDocuments(),
  o: {
    action?: string;
    to?: string;
    resourceId?: string | null;
    assertion?: boolean;
    edit?: (a: string) => string;
  } = {},
): string {
  const env = buildSoapEnvelope({
    action: o.action ?? SoapAction.CrossGatewayQuery,
    to: o.to ?? TO,
    bodyXml,
  });
  if (o.assertion === false) return env;
  const input = assertionInput(o.resourceId === null ? CX : (o.resourceId ?? CX), new Date(NOW));
  if (o.resourceId === null) delete (input as { resourceId?: string }).resourceId;
  const a = (o.edit ?? ((x) => x))(buildAssertionXml(input));
  return env.replace('</env:Header>', `${buildSecurityHeader(a, new Date(NOW))}</env:Header>`);
}

function answered(requestXml: string, over: Partial<TransactionEvent> = {}): ConsumerRecord {
  return {
    kind: 'transaction',
    event: {
      id: 'tx-1',
      transaction: 'ITI-38',
      startedAt: NOW,
      durationMs: 120,
      status: ResponseStatus.Success,
      errors: [],
      resultCount: 0,
      legs: [],
      requestXml,
      requester: { assurance: 'validated' },
      ...over,
    },
  };
}

function refused(requestXml: string | undefined, over: Partial<FaultEvent> = {}): ConsumerRecord {
  return {
    kind: 'fault',
    event: {
      id: 'fault-1',
      transaction: 'ITI-38',
      startedAt: NOW,
      durationMs: 3,
      httpStatus: 400,
      code: 'Sender',
      ...(requestXml !== undefined ? { requestXml } : {}),
      ...over,
    },
  };
}

const judge = (id: string, r: ConsumerRecord, deadlineMs = 6_000) =>
  check(id).evaluate(readConsumerRequest(r, deadlineMs));

describe('a well-formed, validated FindDocuments passes every check that applies', () => {
  it('every verdict', () => {
    const r = readConsumerRequest(answered(envelope()), 6_000);
    expect(consumerChecks.map((c) => [c.definition.id, c.evaluate(r).outcome])).toEqual([
      ['CON-SOAP-MESSAGE', 'passed'],
      ['CON-WSA-ACTION', 'passed'],
      ['CON-WSA-MESSAGEID', 'passed'],
      ['CON-WSA-TO', 'passed'],
      ['CON-WSA-REPLYTO', 'passed'],
      ['CON-XUA-PRESENT', 'passed'],
      ['CON-XUA-ATTRIBUTES', 'passed'],
      ['CON-XUA-RESOURCE', 'passed'],
      ['CON-XUA-VALID', 'passed'],
      ['CON-PATIENT-CX', 'passed'],
      ['CON-SQ-SYNTAX', 'passed'],
      ['CON-HOME', 'skipped'],
      ['CON-NFT01-SLA', 'passed'],
    ]);
  });
});

describe('CON-SOAP-MESSAGE', () => {
  it('an unreadable request (the broker kept no envelope) fails with the broker reason; a bad body fails naming the element', () => {
    expect(judge('CON-SOAP-MESSAGE', refused(undefined, { reason: 'XML is not well-formed' }))).toEqual({
      id: 'CON-SOAP-MESSAGE',
      outcome: 'failed',
      message:
        'the broker could not read the request as a SOAP envelope (XML is not well-formed) (the broker refused the request: HTTP 400 Sender "XML is not well-formed")',
    });
    const body = findDocuments().replace(/<query:ResponseOption[^>]*\/>/, '');
    expect(judge('CON-SOAP-MESSAGE', answered(envelope(body)))).toEqual({
      id: 'CON-SOAP-MESSAGE',
      outcome: 'failed',
      message:
        'env:Body is not a valid query:AdhocQueryRequest: query:AdhocQueryRequest/query:ResponseOption is missing',
    });
  });
  it('a SOAP 1.1 envelope fails', () => {
    const soap11 = envelope().replaceAll(
      'http://www.w3.org/2003/05/soap-envelope',
      'http://schemas.xmlsoap.org/soap/envelope/',
    );
    expect(judge('CON-SOAP-MESSAGE', answered(soap11))).toEqual({
      id: 'CON-SOAP-MESSAGE',
      outcome: 'failed',
      message: 'not a SOAP 1.2 envelope: Only SOAP 1.2 is supported',
    });
  });
});

describe('WS-Addressing', () => {
  it('CON-WSA-ACTION: a wrong action, and one without mustUnderstand', () => {
    expect(
      judge('CON-WSA-ACTION', answered(envelope(undefined, { action: SoapAction.CrossGatewayRetrieve }))),
    ).toEqual({
      id: 'CON-WSA-ACTION',
      outcome: 'failed',
      message: `wsa:Action is ${SoapAction.CrossGatewayRetrieve}; the ITI-38 endpoint expects ${SoapAction.CrossGatewayQuery}`,
    });
    const noMu = envelope().replace(/<wsa:Action env:mustUnderstand="1">/, '<wsa:Action>');
    expect(judge('CON-WSA-ACTION', answered(noMu))).toEqual({
      id: 'CON-WSA-ACTION',
      outcome: 'failed',
      message: 'wsa:Action lacks env:mustUnderstand="1"',
    });
  });
  it('CON-WSA-MESSAGEID: not a urn:uuid', () => {
    const bad = envelope().replace(/<wsa:MessageID>[^<]*</, '<wsa:MessageID>msg-42<');
    expect(judge('CON-WSA-MESSAGEID', answered(bad))).toEqual({
      id: 'CON-WSA-MESSAGEID',
      outcome: 'failed',
      message: 'wsa:MessageID msg-42 is not a urn:uuid: (RFC 4122)',
    });
  });
  it('CON-WSA-TO: missing, not a URL, no mustUnderstand', () => {
    const without = envelope().replace(/<wsa:To[^>]*>[^<]*<\/wsa:To>/, '');
    expect(judge('CON-WSA-TO', answered(without, { endpoint: TO }))).toEqual({
      id: 'CON-WSA-TO',
      outcome: 'failed',
      message: `wsa:To is missing; send the endpoint URL (${TO})`,
    });
    expect(judge('CON-WSA-TO', answered(envelope(undefined, { to: 'nir-broker' })))).toMatchObject({
      outcome: 'failed',
      message: 'wsa:To nir-broker is not an absolute http(s) URL',
    });
    const noMu = envelope().replace(/<wsa:To env:mustUnderstand="1">/, '<wsa:To>');
    expect(judge('CON-WSA-TO', answered(noMu))).toMatchObject({
      outcome: 'failed',
      message: 'wsa:To lacks env:mustUnderstand="1"',
    });
  });
  it('CON-WSA-REPLYTO: missing, or not anonymous', () => {
    const without = envelope().replace(/<wsa:ReplyTo>.*?<\/wsa:ReplyTo>/, '');
    expect(judge('CON-WSA-REPLYTO', answered(without)).message).toBe(
      'wsa:ReplyTo is missing; send <wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>',
    );
    const async = envelope().replace(
      'http://www.w3.org/2005/08/addressing/anonymous',
      'http://consumer.example/replies',
    );
    expect(judge('CON-WSA-REPLYTO', answered(async))).toEqual({
      id: 'CON-WSA-REPLYTO',
      outcome: 'failed',
      message:
        'wsa:ReplyTo is http://consumer.example/replies; NIR answers synchronously: use http://www.w3.org/2005/08/addressing/anonymous',
    });
  });
});

describe('XUA', () => {
  it('CON-XUA-PRESENT fails without an assertion; the checks reading it skip', () => {
    const r = answered(envelope(undefined, { assertion: false }), { requester: { assurance: 'unknown' } });
    expect(judge('CON-XUA-PRESENT', r)).toEqual({
      id: 'CON-XUA-PRESENT',
      outcome: 'failed',
      message: 'no saml2:Assertion in a wsse:Security header',
    });
    for (const id of ['CON-XUA-ATTRIBUTES', 'CON-XUA-RESOURCE', 'CON-XUA-VALID'])
      expect(judge(id, r)).toEqual({
        id,
        outcome: 'skipped',
        message: 'no XUA assertion to read (see CON-XUA-PRESENT)',
      });
  });
  it('CON-XUA-ATTRIBUTES names every missing attribute', () => {
    const stripped = envelope(undefined, {
      edit: (a) =>
        a
          .replace(
            /<saml2:Attribute Name="urn:oasis:names:tc:xspa:1.0:subject:organization-id".*?<\/saml2:Attribute>/s,
            '',
          )
          .replace(
            /<saml2:Attribute Name="urn:oasis:names:tc:xspa:1.0:subject:purposeofuse".*?<\/saml2:Attribute>/s,
            '',
          ),
    });
    expect(stripped).not.toContain('organization-id');
    expect(judge('CON-XUA-ATTRIBUTES', answered(stripped))).toEqual({
      id: 'CON-XUA-ATTRIBUTES',
      outcome: 'failed',
      message:
        'the assertion lacks organization-id, purposeofuse (an hl7:PurposeOfUse CE with code and codeSystem)',
    });
  });
  it('CON-XUA-RESOURCE: missing, not an NHS-number CX, another patient', () => {
    expect(judge('CON-XUA-RESOURCE', answered(envelope(undefined, { resourceId: null })))).toMatchObject({
      outcome: 'failed',
      message: `the assertion has no resource-id; the query names patient ${CX}`,
    });
    expect(
      judge('CON-XUA-RESOURCE', answered(envelope(undefined, { resourceId: '12345^^^&1.2.3&ISO' }))),
    ).toMatchObject({
      outcome: 'failed',
      message:
        "resource-id 12345^^^&1.2.3&ISO is not an NHS-number CX: the patient id's assigning authority is not the NHS number OID &2.16.840.1.113883.2.1.4.1&ISO",
    });
    const other = nhsNumberToCx('9434765919');
    expect(judge('CON-XUA-RESOURCE', answered(envelope(undefined, { resourceId: other })))).toMatchObject({
      outcome: 'failed',
      message: `resource-id ${other} is not the queried patient ${CX}`,
    });
  });
  it('CON-XUA-VALID on the sandbox port: unsigned fails; expired fails with the window', () => {
    const sandbox = { requester: { assurance: 'unverified' as const } };
    expect(judge('CON-XUA-VALID', answered(envelope(), sandbox))).toEqual({
      id: 'CON-XUA-VALID',
      outcome: 'failed',
      message: 'the assertion is not signed (no ds:Signature)',
    });
    const signedLate = answered(
      envelope(undefined, {
        edit: (a) =>
          a.replace(
            '</saml2:Issuer>',
            '</saml2:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>',
          ),
      }),
      { ...sandbox, startedAt: NOW + 10 * 60_000 },
    );
    expect(judge('CON-XUA-VALID', signedLate).message).toMatch(
      /^the assertion it had expired when received \(2026-12-03T14:10:00\.000Z; NotOnOrAfter 2026-12-03T14:05:00(\.000)?Z\)$/,
    );
  });
  it('CON-XUA-VALID on a WS-Security refusal fails, unless another check explains it', () => {
    const wss = {
      subcode: 'q:FailedAuthentication',
      reason: 'The security token could not be authenticated or authorized',
    };
    expect(judge('CON-XUA-VALID', refused(envelope(), wss))).toEqual({
      id: 'CON-XUA-VALID',
      outcome: 'failed',
      message:
        'the broker refused the assertion: check its signature (a signing certificate NIR trusts), audience and that it is not replayed (the broker refused the request: HTTP 400 Sender wsse:FailedAuthentication "The security token could not be authenticated or authorized")',
    });
    expect(
      judge('CON-XUA-VALID', refused(envelope(undefined, { resourceId: nhsNumberToCx('9434765919') }), wss))
        .outcome,
    ).toBe('skipped');
  });
});

describe('the request content', () => {
  it('CON-PATIENT-CX: wrong authority, bad check digit', () => {
    expect(judge('CON-PATIENT-CX', answered(envelope(findDocuments("'9995649284^^^&1.2.3&ISO'"))))).toEqual({
      id: 'CON-PATIENT-CX',
      outcome: 'failed',
      message:
        "$XDSDocumentEntryPatientId 9995649284^^^&1.2.3&ISO: the patient id's assigning authority is not the NHS number OID &2.16.840.1.113883.2.1.4.1&ISO",
    });
    expect(
      judge('CON-PATIENT-CX', answered(envelope(findDocuments(`'${nhsNumberToCx('9995649285')}'`)))).message,
    ).toBe(
      `$XDSDocumentEntryPatientId ${nhsNumberToCx('9995649285')}: the NHS number fails the Modulus 11 check (NHS Data Dictionary)`,
    );
  });
  it('CON-SQ-SYNTAX: an unquoted patient id, a code without scheme', () => {
    expect(judge('CON-SQ-SYNTAX', answered(envelope(findDocuments(CX))))).toEqual({
      id: 'CON-SQ-SYNTAX',
      outcome: 'failed',
      message: `XDSRegistryError: Parameter $XDSDocumentEntryPatientId: value ${CX} is not a quoted string ('...')`,
    });
    const badCode = findDocuments(undefined, [{ name: '$XDSDocumentEntryClassCode', values: ["('IMG')"] }]);
    expect(judge('CON-SQ-SYNTAX', answered(envelope(badCode))).outcome).toBe('failed');
  });
  it('CON-HOME: GetDocuments without home, ITI-39 and RAD-75 without HomeCommunityId; passes with them', () => {
    const getDocs = (home?: string) =>
      encodeAdhocQueryRequest({
        returnType: 'LeafClass',
        returnComposedObjects: true,
        queryId: StoredQueryId.GetDocuments,
        ...(home ? { home } : {}),
        slots: [{ name: '$XDSDocumentEntryUniqueId', values: ["('1.2.3.4')"] }],
      });
    expect(judge('CON-HOME', answered(envelope(getDocs())))).toEqual({
      id: 'CON-HOME',
      outcome: 'failed',
      message: `the query by id (${StoredQueryId.GetDocuments}) has no AdhocQuery/@home; send the homeCommunityId the object came from`,
    });
    expect(judge('CON-HOME', answered(envelope(getDocs('1.2.3'))))).toMatchObject({
      outcome: 'failed',
      message: 'AdhocQuery/@home 1.2.3 is not urn:oid:<oid>',
    });
    expect(judge('CON-HOME', answered(envelope(getDocs(HOME)))).outcome).toBe('passed');
    const iti39 = buildSoapEnvelope({
      action: SoapAction.CrossGatewayRetrieve,
      to: TO,
      bodyXml: encodeRetrieveDocumentSetRequest({
        documents: [
          { homeCommunityId: HOME, repositoryUniqueId: '1.2', documentUniqueId: '1.2.3' },
          { repositoryUniqueId: '1.2', documentUniqueId: '1.2.4' },
        ],
      }),
    });
    expect(judge('CON-HOME', answered(iti39, { transaction: 'ITI-39' }))).toEqual({
      id: 'CON-HOME',
      outcome: 'failed',
      message: 'DocumentRequest 1.2.4 has no HomeCommunityId',
    });
    const rad75 = buildSoapEnvelope({
      action: SoapAction.CrossGatewayRetrieveImagingDocumentSet,
      to: TO,
      bodyXml: encodeRetrieveImagingDocumentSetRequest({
        studies: [
          {
            studyInstanceUid: '1.2.9',
            series: [
              {
                seriesInstanceUid: '1.2.9.1',
                documents: [{ repositoryUniqueId: '1.2', documentUniqueId: '1.2.9.1.1' }],
              },
            ],
          },
        ],
        transferSyntaxUids: ['1.2.840.10008.1.2.1'],
      }),
    });
    expect(judge('CON-HOME', answered(rad75, { transaction: 'RAD-75' }))).toMatchObject({
      outcome: 'failed',
      message: 'DocumentRequest 1.2.9.1.1 has no HomeCommunityId',
    });
  });
  it('CON-NFT01-SLA: over the deadline fails with the latency; a refusal is skipped', () => {
    expect(judge('CON-NFT01-SLA', answered(envelope(), { durationMs: 6_500 }))).toEqual({
      id: 'CON-NFT01-SLA',
      outcome: 'failed',
      message: 'answered in 6500 ms, over the 6000 ms deadline',
    });
    expect(judge('CON-NFT01-SLA', refused(envelope())).outcome).toBe('skipped');
  });
});

describe('consumerReport', () => {
  it('filters by since and consumer, tallies per check and item, and reports the latency', () => {
    const records = [
      answered(envelope(), { id: 'a', consumerId: 'pacs', durationMs: 100 }),
      answered(envelope(findDocuments(CX)), {
        id: 'b',
        consumerId: 'pacs',
        durationMs: 300,
        startedAt: NOW + 1_000,
      }),
      answered(envelope(), { id: 'c', consumerId: 'other', durationMs: 50 }),
    ];
    const report = consumerReport(records, consumerChecks, { deadlineMs: 6_000, consumer: 'pacs' });
    expect(report.requests.map((r) => r.transactionId)).toEqual(['a', 'b']);
    expect(report.tallies.find((t) => t.id === 'CON-SQ-SYNTAX')).toEqual({
      id: 'CON-SQ-SYNTAX',
      passed: ['a'],
      failed: ['b'],
      skipped: [],
    });
    expect(report.results.find((r) => r.id === 'CON-SQ-SYNTAX')).toEqual({
      id: 'CON-SQ-SYNTAX',
      outcome: 'failed',
      message: `1 of 2 request(s) failed; first, b: XDSRegistryError: Parameter $XDSDocumentEntryPatientId: value ${CX} is not a quoted string ('...')`,
      exchanges: ['b'],
      measurements: { passed: 1, failed: 1, skipped: 0 },
    });
    expect(report.items.map((i) => [i.item, i.outcome, i.passed, i.failed])).toEqual([
      ['UAT-01', 'failed', ['a'], ['b']],
      ['NFT-01', 'passed', ['a', 'b'], []],
    ]);
    expect(report.latency).toEqual({ count: 2, p50Ms: 100, p95Ms: 300, maxMs: 300, deadlineMs: 6_000 });
    expect(
      consumerReport(records, consumerChecks, { deadlineMs: 6_000, since: NOW + 500 }).requests.map(
        (r) => r.transactionId,
      ),
    ).toEqual(['b']);
  });

  it('judges a record once: a memo entry is read back, and the record log forgets it with its record', () => {
    const log = new ConsumerRecordLog({ capacity: 2 });
    for (const id of ['a', 'b']) log.add(answered(envelope(), { id }));
    const first = consumerReport(log.records(), consumerChecks, { deadlineMs: 6_000, memo: log.verdicts });
    expect([...log.verdicts.keys()]).toEqual(['a@6000', 'b@6000']);
    const marked = { ...first.requests[0]!, durationMs: 999 };
    log.verdicts.set('a@6000', marked);
    const again = consumerReport(log.records(), consumerChecks, { deadlineMs: 6_000, memo: log.verdicts });
    expect(again.requests[0]).toBe(marked);
    log.add(answered(envelope(), { id: 'c' }));
    expect([log.records().map((r) => r.event.id), [...log.verdicts.keys()]]).toEqual([
      ['b', 'c'],
      ['b@6000'],
    ]);
  });
});
