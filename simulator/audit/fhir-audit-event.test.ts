/**
 * The AuditEvents of the broker's FHIR requests: ITI-67 as MHD's Document Responder audits it (BALP
 * PatientQuery: DCM 110112 Query, subtypes ITI-67 and restful-interaction search, the raw search
 * base64 in the query entity), ITI-68 as Export with its document, WADO-RS as RAD-75's "Study Used"
 * (DICOM Instances Accessed), each with the server agent and the community legs whatever they
 * spoke; a refused FHIR request in HTTP / OperationOutcome terms, never SOAP's. Every event
 * validates against the FHIR R4 schema.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditEventEntity } from 'fhir/r4.js';
import type {
  FaultEvent,
  LegEvent,
  RequesterIdentity,
  TransactionEvent,
} from '../events/transaction-events.js';
import { NIR_ACTION_CODES } from './action-codes.js';
import { faultAuditEvent, transactionAuditEvents, type AuditEventConfig } from './audit-event.js';
import { AuditTrail } from './audit-trail.js';
import { MemorySink } from './sinks.js';
import { validateAuditEvent } from '../fhir/schema-validator.js';
import { ErrorSeverity, ResponseStatus } from '../xca/constants.js';

/** The whole ITI-67 event below, checked by hand against MHD 4.2.x ITI-67 Responder, BALP and PARS. */
const golden = JSON.parse(
  readFileSync(new URL('./test-support/iti67-audit-event.golden.json', import.meta.url), 'utf8'),
) as AuditEvent;

const T0 = Date.UTC(2025, 2, 14, 9, 30, 0, 0);
const HOME1 = 'urn:oid:2.25.1.1.1';
const HOME2 = 'urn:oid:2.25.1.1.2';
const NHS = '9995649284';
const BASE = 'http://127.0.0.1:8443';
const SEARCH = `${BASE}/fhir/DocumentReference?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|${NHS}&status=current`;

function config(): AuditEventConfig {
  let n = 0;
  return {
    actions: NIR_ACTION_CODES,
    observer: { id: 'nir-sim', display: 'NIR broker (nir-sim sandbox)' },
    productId: 'nir-sim',
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  };
}

/** A requester as the integration port knows it from a validated IUA access token. */
const requester: RequesterIdentity = {
  assurance: 'validated',
  callingSystem: { id: 'acme-pacs.example.nhs.uk', source: 'tls-certificate' },
  user: { id: 'UID-555123', issuer: 'https://idp.example.nhs.uk' },
  organisation: { id: 'RRK', display: 'University Hospitals Birmingham' },
  role: { code: '309390008', codeSystem: '2.16.840.1.113883.6.96', displayName: 'Hospital consultant' },
  purposeOfUse: { code: 'TREATMENT', codeSystem: '2.16.840.1.113883.3.18.7.1', displayName: 'Treatment' },
  assertionId: 'jti-7f3a',
};

const answered = (community: string, home: string, over: Partial<LegEvent> = {}): LegEvent => ({
  community,
  homeCommunityId: home,
  startedAt: T0,
  durationMs: 12,
  outcome: 'answered',
  httpStatus: 200,
  errorCodes: [],
  transaction: 'ITI-38',
  ...over,
});
const timedOut: LegEvent = {
  community: 'south',
  homeCommunityId: HOME2,
  startedAt: T0,
  durationMs: 3001,
  outcome: 'failed',
  failure: { reason: 'timeout', detail: 'no answer within 3000 ms' },
  errorCodes: [],
  protocol: 'mhd',
  transaction: 'ITI-67',
};
const unavailable = {
  errorCode: 'XDSUnavailableCommunity',
  codeContext: 'south did not answer within 3000 ms',
  severity: ErrorSeverity.Error,
  location: HOME2,
};

/** Overrides of {@link search}; `undefined` drops the property (the event omits what it does not know). */
type Overrides = { [K in keyof TransactionEvent]?: TransactionEvent[K] | undefined };

/** An ITI-67 the broker answered: GET search by NHS number over two XCA communities. */
function search(over: Overrides = {}): TransactionEvent {
  const event: Record<string, unknown> = {
    id: 'tx-1',
    transaction: 'ITI-67',
    protocol: 'mhd',
    messageId: 'a4d3c1e0-5b7f-4c1a-9d2e-6f8a0b1c2d3e',
    patient: NHS,
    patientId: `https://fhir.nhs.uk/Id/nhs-number|${NHS}`,
    startedAt: T0,
    durationMs: 42,
    status: ResponseStatus.Success,
    errors: [],
    resultCount: 3,
    legs: [answered('north', HOME1), answered('east', 'urn:oid:2.25.1.1.3')],
    requester,
    endpoint: `${BASE}/fhir/DocumentReference`,
    remoteAddress: '127.0.0.1',
    requestLine: `GET ${SEARCH}`,
    searchParameters: [
      ['patient.identifier', `https://fhir.nhs.uk/Id/nhs-number|${NHS}`],
      ['status', 'current'],
    ],
    ...over,
  };
  for (const [k, v] of Object.entries(event)) if (v === undefined) delete event[k];
  return event as unknown as TransactionEvent;
}

function expectValid(events: AuditEvent[]): void {
  for (const e of events) expect(validateAuditEvent(e), JSON.stringify(e)).toEqual({ ok: true });
}
const byRole = (e: AuditEvent, role: string): AuditEventEntity[] =>
  (e.entity ?? []).filter((x) => x.role?.code === role);
const decoded = (e: AuditEvent): string => Buffer.from(byRole(e, '24')[0]!.query!, 'base64').toString('utf8');
const legs = (e: AuditEvent): [string | undefined, string | undefined][] =>
  (e.entity ?? [])
    .filter((x) => x.role?.code === '17' && x.type?.code === '2')
    .map((x) => [x.name, x.description]);

describe('ITI-67 Find Document References', () => {
  it('is one whole event: DCM 110112 Query, subtypes ITI-67 and search, the responder agent, the search base64, the legs', () => {
    const events = transactionAuditEvents(search(), config());
    expectValid(events);
    expect(events).toEqual([golden]);
    expect(decoded(events[0]!)).toBe(`GET ${SEARCH}`);
  });

  it('outcome 4 for a partial answer, naming the timed-out MHD leg beside the XCA one that answered', () => {
    const [e, ...more] = transactionAuditEvents(
      search({
        status: ResponseStatus.PartialSuccess,
        errors: [unavailable],
        legs: [answered('north', HOME1), timedOut],
      }),
      config(),
    );
    expectValid([e!]);
    expect(more).toEqual([]);
    expect([e!.outcome, e!.outcomeDesc]).toEqual([
      '4',
      `PartialSuccess: XDSUnavailableCommunity at ${HOME2}`,
    ]);
    expect(legs(e!)).toEqual([
      ['north', 'ITI-38 over xca: answered, HTTP 200, 12 ms'],
      ['south', 'ITI-67 over mhd: failed (timeout: no answer within 3000 ms), 3001 ms'],
    ]);
    expect(byRole(e!, '17')[2]!.detail).toEqual([
      { type: 'ihe:homeCommunityID', valueString: HOME2 },
      { type: 'protocol', valueString: 'mhd' },
      { type: 'transaction', valueString: 'ITI-67' },
    ]);
  });

  it('outcome 12 when every community failed, 8 for an invalid NHS number (the patient as sent)', () => {
    const allDown = transactionAuditEvents(
      search({
        status: ResponseStatus.Failure,
        errors: [{ ...unavailable, location: HOME1 }, unavailable],
        legs: [
          { ...timedOut, community: 'north', homeCommunityId: HOME1, protocol: 'xca', transaction: 'ITI-38' },
          timedOut,
        ],
      }),
      config(),
    );
    const invalidToken = 'https://fhir.nhs.uk/Id/nhs-number|9999999991';
    const invalid = transactionAuditEvents(
      search({
        patient: undefined,
        patientId: invalidToken,
        status: ResponseStatus.Failure,
        errors: [
          { errorCode: 'XDSUnknownPatientId', codeContext: 'bad check digit', severity: ErrorSeverity.Error },
        ],
        legs: [],
        requestLine: `GET ${BASE}/fhir/DocumentReference?patient.identifier=${invalidToken}&status=current`,
        searchParameters: [
          ['patient.identifier', invalidToken],
          ['status', 'current'],
        ],
      }),
      config(),
    );
    expectValid([...allDown, ...invalid]);
    expect([...allDown, ...invalid].map((e) => [e.outcome, e.outcomeDesc])).toEqual([
      ['12', `Failure: XDSUnavailableCommunity at ${HOME1}; XDSUnavailableCommunity at ${HOME2}`],
      ['8', 'Failure: XDSUnknownPatientId'],
    ]);
    expect(byRole(invalid[0]!, '1')).toEqual([
      {
        what: { identifier: { value: '9999999991' }, display: invalidToken },
        type: {
          system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
          code: '1',
          display: 'Person',
        },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
        description: 'the patient id sent is not a valid NHS number',
      },
    ]);
    expect(legs(invalid[0]!)).toEqual([]);
  });

  it('keeps a POST _search as received (form body after the request line) and names the POST interaction', () => {
    const line = `POST ${BASE}/fhir/DocumentReference/_search\npatient=Patient%2F${NHS}&status=current&category=http%3A%2F%2Fsnomed.info%2Fsct%7C4201000179104`;
    const [e] = transactionAuditEvents(
      search({
        endpoint: `${BASE}/fhir/DocumentReference/_search`,
        requestLine: line,
        patientId: `Patient/${NHS}`,
        searchParameters: [
          ['patient', `Patient/${NHS}`],
          ['status', 'current'],
          ['category', 'http://snomed.info/sct|4201000179104'],
        ],
      }),
      config(),
    );
    expectValid([e!]);
    expect(decoded(e!)).toBe(line);
    expect(byRole(e!, '24')[0]!.description).toBe(
      `patient=Patient/${NHS}&status=current&category=http://snomed.info/sct|4201000179104`,
    );
    expect(byRole(e!, '17')[0]!.detail![0]).toEqual({
      type: 'interactionIdentifier',
      valueString: 'POST [base]/DocumentReference/_search',
    });
  });

  it('bounds a huge search: the query cut at 64 KiB with a truncated detail, the description at 1,024 characters', () => {
    const long = 'x'.repeat(100_000);
    const line = `GET ${BASE}/fhir/DocumentReference?patient=${NHS}&status=current&type=${long}`;
    const [e, ...more] = transactionAuditEvents(
      search({
        requestLine: line,
        searchParameters: [
          ['patient', NHS],
          ['status', 'current'],
          ['type', long],
        ],
      }),
      config(),
    );
    expectValid([e!]);
    expect(more).toEqual([]);
    const q = byRole(e!, '24')[0]!;
    expect([decoded(e!), q.description!.length]).toEqual([line.slice(0, 64 * 1024), 1024]);
    expect(q.detail).toEqual([
      {
        type: 'truncated',
        valueString: expect.stringMatching(
          /^…\[truncated: 100\d{3} characters, sha256 [0-9a-f]{64}\]$/,
        ) as string,
      },
    ]);
  });

  it('rebuilds the request from the search parameters when no request line was recorded', () => {
    const [e] = transactionAuditEvents(search({ requestLine: undefined }), config());
    expect(decoded(e!)).toBe(
      `GET ${BASE}/fhir/DocumentReference?patient.identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C${NHS}&status=current`,
    );
  });
});

describe('ITI-68 Retrieve Document', () => {
  const url = `${BASE}/fhir/document?homeCommunityId=${HOME1}&repositoryUniqueId=2.25.1.2.1&uniqueId=2.25.1.4.1.1`;
  const retrieve = (over: Overrides = {}): TransactionEvent =>
    search({
      transaction: 'ITI-68',
      patient: undefined,
      patientId: undefined,
      searchParameters: undefined,
      endpoint: url,
      requestLine: `GET ${url}`,
      documents: [
        { homeCommunityId: HOME1, repositoryUniqueId: '2.25.1.2.1', documentUniqueId: '2.25.1.4.1.1' },
      ],
      resultCount: 1,
      legs: [answered('north', HOME1, { transaction: 'ITI-39' })],
      ...over,
    });

  it('is DCM 110106 Export, subtype ITI-68 only, the document with its repository and home, the patient learnt', () => {
    const events = transactionAuditEvents(retrieve(), config(), (id) =>
      id === '2.25.1.4.1.1' ? NHS : undefined,
    );
    expectValid(events);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect([e.type, e.subtype, e.action, e.outcome, e.outcomeDesc]).toEqual([
      { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110106', display: 'Export' },
      [{ system: 'urn:ihe:event-type-code', code: 'ITI-68', display: 'Retrieve Document' }],
      'E',
      '0',
      'Success',
    ]);
    expect(e.entity!.map((x) => [x.type?.code, x.role?.code, x.what?.identifier?.value])).toEqual([
      ['1', '1', NHS],
      ['XrequestId', undefined, 'a4d3c1e0-5b7f-4c1a-9d2e-6f8a0b1c2d3e'],
      ['Endpoint', '17', url],
      ['2', '17', HOME1],
      ['2', '3', '2.25.1.4.1.1'],
    ]);
    expect(byRole(e, '3')[0]!.detail).toEqual([
      { type: 'Repository Unique Id', valueString: '2.25.1.2.1' },
      { type: 'ihe:homeCommunityID', valueString: HOME1 },
    ]);
    expect(byRole(e, '17')[0]!.detail![0]).toEqual({
      type: 'interactionIdentifier',
      valueString: 'GET [attachment.url]',
    });
    expect(e.agent.at(-1)!.who).toEqual({
      type: 'Endpoint',
      identifier: { system: 'urn:ietf:rfc:3986', value: `${BASE}/fhir` },
      display: `${BASE}/fhir`,
    });
  });

  it('a document no community holds: outcome 8 with the error, the document and the XUA-less patient from the token', () => {
    const events = transactionAuditEvents(
      retrieve({
        status: ResponseStatus.Failure,
        errors: [
          {
            errorCode: 'XDSDocumentUniqueIdError',
            codeContext: 'no document 2.25.1.4.1.1 in repository 2.25.1.2.1',
            severity: ErrorSeverity.Error,
            location: HOME1,
          },
        ],
        resultCount: 0,
        legs: [answered('north', HOME1, { transaction: 'ITI-39', errorCodes: ['XDSDocumentUniqueIdError'] })],
        requester: { ...requester, patientId: `${NHS}^^^&2.16.840.1.113883.2.1.4.1&ISO` },
      }),
      config(),
    );
    expectValid(events);
    expect(events.map((e) => [e.outcome, e.outcomeDesc, byRole(e, '1')[0]?.what?.identifier?.value])).toEqual(
      [['8', `Failure: XDSDocumentUniqueIdError at ${HOME1}`]].map(([o, d]) => [o, d, NHS]),
    );
    expect(legs(events[0]!)).toEqual([['north', 'ITI-39 over xca: answered, HTTP 200, 12 ms']]);
    expect(byRole(events[0]!, '17')[1]!.detail!.at(-1)).toEqual({
      type: 'errorCode',
      valueString: 'XDSDocumentUniqueIdError',
    });
    expect(byRole(events[0]!, '3').map((x) => x.what?.identifier?.value)).toEqual(['2.25.1.4.1.1']);
  });
});

describe('WADO-RS Retrieve Study (RAD-75 "Study Used")', () => {
  const STUDY = '1.2.826.0.1.3680043.10.1.1';
  const url = `${BASE}/wado-rs/${encodeURIComponent(HOME1)}/studies/${STUDY}`;
  const wado = (): TransactionEvent =>
    search({
      id: 'tx-9',
      transaction: 'WADO-RS',
      patient: undefined,
      patientId: undefined,
      searchParameters: undefined,
      endpoint: url,
      requestLine: `GET ${url}`,
      studies: [
        {
          studyInstanceUid: STUDY,
          seriesInstanceUids: [`${STUDY}.1`],
          homeCommunityId: HOME1,
          repositoryUniqueId: '2.25.1.2.1',
          documentUniqueIds: [`${STUDY}.1.1`, `${STUDY}.1.2`],
        },
      ],
      resultCount: 2,
      legs: [answered('north', HOME1, { transaction: 'RAD-75' })],
    });

  it('is DCM 110103 DICOM Instances Accessed with the study, its series and SOP instances; the patient from the relayed parts', () => {
    const sink = new MemorySink();
    const trail = new AuditTrail({ ...config(), sinks: [sink] });
    const first = trail.recordTransaction(wado());
    const relayed = trail.recordRelayedPatients(wado(), [{ patientId: NHS, studyInstanceUids: [STUDY] }]);
    expectValid([...first, ...relayed]);
    expect(
      [...first, ...relayed].map((e) => [
        e.type.code,
        e.subtype,
        e.action,
        byRole(e, '1')[0]?.what?.identifier?.value,
      ]),
    ).toEqual([
      [
        '110103',
        [{ system: 'urn:ihe:event-type-code', code: 'RAD-107', display: 'WADO-RS Retrieve' }],
        'R',
        undefined,
      ],
      [
        '110103',
        [{ system: 'urn:ihe:event-type-code', code: 'RAD-107', display: 'WADO-RS Retrieve' }],
        'R',
        NHS,
      ],
    ]);
    expect(byRole(relayed[0]!, '3')).toEqual([
      {
        what: {
          identifier: {
            type: {
              coding: [
                {
                  system: 'http://dicom.nema.org/resources/ontology/DCM',
                  code: '110180',
                  display: 'Study Instance UID',
                },
              ],
            },
            value: STUDY,
          },
        },
        type: {
          system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
          code: '2',
          display: 'System Object',
        },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '3', display: 'Report' },
        detail: [
          { type: 'Series Instance UID', valueString: `${STUDY}.1` },
          { type: 'Document Unique Id', valueString: `${STUDY}.1.1` },
          { type: 'Document Unique Id', valueString: `${STUDY}.1.2` },
          { type: 'Repository Unique Id', valueString: '2.25.1.2.1' },
          { type: 'ihe:homeCommunityID', valueString: HOME1 },
        ],
      },
    ]);
    expect(legs(relayed[0]!)).toEqual([['north', 'RAD-75 over xca: answered, HTTP 200, 12 ms']]);
    expect(relayed[0]!.agent.at(-1)!.network).toEqual({ address: `${BASE}/wado-rs`, type: '5' });
    // the next retrieve of the study is placed by the patient the parts named
    expect(trail.recordTransaction(wado()).map((e) => byRole(e, '1')[0]?.what?.identifier?.value)).toEqual([
      NHS,
    ]);
    expect(sink.events).toHaveLength(3);
  });
});

describe('a refused FHIR request', () => {
  const refused = (over: Partial<FaultEvent>): FaultEvent => ({
    id: 'fault-1',
    transaction: 'ITI-67',
    startedAt: T0,
    durationMs: 1,
    endpoint: `${BASE}/fhir/DocumentReference`,
    remoteAddress: '127.0.0.1',
    httpStatus: 400,
    ...over,
  });

  it('is audited in HTTP and OperationOutcome terms: 401 and 400 are 8, a 5xx 12; no patient, no SOAP wording', () => {
    const events = [
      refused({ httpStatus: 401, code: 'login', reason: 'the access token has expired' }),
      refused({
        httpStatus: 400,
        code: 'invalid',
        reason: 'unknown search parameter: foo',
        messageId: 'req-2',
      }),
      refused({ transaction: 'ITI-68', httpStatus: 500, code: 'exception' }),
    ].map((f) => faultAuditEvent(f, config()));
    expectValid(events);
    expect(events.map((e) => [e.subtype?.map((s) => s.code), e.outcome, e.outcomeDesc])).toEqual([
      [['ITI-67', 'search'], '8', 'HTTP 401 OperationOutcome issue login: the access token has expired'],
      [['ITI-67', 'search'], '8', 'HTTP 400 OperationOutcome issue invalid: unknown search parameter: foo'],
      [['ITI-68'], '12', 'HTTP 500 OperationOutcome issue exception'],
    ]);
    expect(events.map((e) => e.entity!.map((x) => x.type?.code))).toEqual([
      ['Endpoint'],
      ['XrequestId', 'Endpoint'],
      ['Endpoint'],
    ]);
    expect(events[0]!.agent.map((a) => [a.who?.type, a.who?.display, a.type?.coding?.[0]?.code])).toEqual([
      ['Organization', 'unknown organisation (no IUA access token)', 'PROV'],
      ['Endpoint', 'unknown calling system (no X-NIR-Consumer header)', '110153'],
      ['Endpoint', `${BASE}/fhir`, '110152'],
    ]);
  });
});
