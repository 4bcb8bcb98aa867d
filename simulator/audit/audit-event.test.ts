/**
 * The AuditEvent builders: every event validates against the official FHIR R4 schema and carries
 * the codes docs/audit.md lists (DICOM event id, IHE subtype, configured action, outcome
 * 0/4/8/12), one event per patient, PARS-shaped agents and entities.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from 'fhir/r4.js';
import { IHE_ACTION_CODES, NIR_ACTION_CODES, parseActionCodes } from './action-codes.js';
import type { LegEvent, RequesterIdentity, TransactionEvent } from '../events/transaction-events.js';
import { faultAuditEvent, transactionAuditEvents, type AuditEventConfig } from './audit-event.js';
import { validateAuditEvent } from '../fhir/schema-validator.js';
import { ErrorSeverity, ResponseStatus } from '../xca/constants.js';

/** The whole ITI-38 event below, checked by hand against PARS, BALP and DICOM (research notes 4.4). */
const golden = JSON.parse(
  readFileSync(new URL('./test-support/iti38-audit-event.golden.json', import.meta.url), 'utf8'),
) as AuditEvent;
const T0 = Date.UTC(2025, 2, 14, 9, 30, 0, 0);

/** A community leg of a transaction, as the broker records it. */
const leg = (outcome: LegEvent['outcome']): LegEvent => ({
  community: 'north',
  homeCommunityId: 'urn:oid:1.2.3',
  startedAt: T0,
  durationMs: 1,
  outcome,
  errorCodes: [],
});
const HOME1 = 'urn:oid:2.25.1.1.1';
const HOME2 = 'urn:oid:2.25.1.1.2';

function config(actions = NIR_ACTION_CODES): AuditEventConfig {
  let n = 0;
  return {
    actions,
    observer: { id: 'nir-sim', display: 'NIR broker (nir-sim sandbox)' },
    productId: 'nir-sim',
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  };
}

const requester: RequesterIdentity = {
  assurance: 'unverified' as const,
  callingSystem: { id: 'acme-pacs', source: 'x-nir-consumer-header' },
  user: { id: 'UID-555123', issuer: 'https://idp.example.nhs.uk' },
  organisation: { id: 'RRK', display: 'University Hospitals Birmingham' },
  role: {
    code: 'R8000',
    codeSystem: '2.16.840.1.113883.2.1.3.2.4.17.196',
    displayName: 'Clinical Practitioner',
  },
  purposeOfUse: { code: 'TREATMENT', codeSystem: '2.16.840.1.113883.3.18.7.1', displayName: 'Treatment' },
  assertionId: '_a1',
};

/** Overrides of {@link query}; `undefined` drops the property (the event omits what it does not know). */
type Overrides = { [K in keyof TransactionEvent]?: TransactionEvent[K] | undefined };

function query(over: Overrides = {}): TransactionEvent {
  const event: Record<string, unknown> = {
    id: 'tx-1',
    transaction: 'ITI-38',
    messageId: 'urn:uuid:7d1f6a53-2f37-4e7c-9a57-3f1f8f1c2a10',
    patient: '9995649284',
    patientId: '9995649284^^^&2.16.840.1.113883.2.1.4.1&ISO',
    startedAt: T0,
    durationMs: 42,
    status: ResponseStatus.Success,
    errors: [],
    resultCount: 10,
    legs: [leg('answered'), leg('answered')],
    requester,
    endpoint: 'http://127.0.0.1:8080/xca/iti38',
    remoteAddress: '127.0.0.1',
    queryXml:
      '<query:AdhocQueryRequest xmlns:query="q"><rim:AdhocQuery xmlns:rim="r" id="urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"/></query:AdhocQueryRequest>',
    storedQuery: { id: 'urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d' },
    ...over,
  };
  for (const [k, v] of Object.entries(event)) if (v === undefined) delete event[k];
  return event as unknown as TransactionEvent;
}

function expectValid(events: AuditEvent[]): void {
  for (const e of events) expect(validateAuditEvent(e), JSON.stringify(e)).toEqual({ ok: true });
}

const code = (e: AuditEvent) => ({
  type: e.type.code,
  subtype: e.subtype?.map((s) => `${s.system}|${s.code}`),
  action: e.action,
  outcome: e.outcome,
});
const patientOf = (e: AuditEvent) => e.entity?.find((x) => x.role?.code === '1')?.what?.identifier?.value;

describe('ITI-38 Cross Gateway Query', () => {
  it('is one whole PARS-shaped event: DCM 110112 Query, subtype ITI-38, action R, outcome 0', () => {
    const events = transactionAuditEvents(query(), config());
    expectValid(events);
    expect(events).toEqual([golden]);
  });

  it('takes the configured action code (IHE: E) and marks an absent identity as unknown', () => {
    const [e] = transactionAuditEvents(
      query({ requester: { assurance: 'unknown' } }),
      config(IHE_ACTION_CODES),
    );
    expectValid([e!]);
    expect(e!.action).toBe('E');
    expect(
      e!.agent.map((a) => [a.who?.type, a.who?.display, a.extension?.[0]?.valueCode, a.requestor]),
    ).toEqual([
      ['Organization', 'unknown organisation (no XUA assertion)', 'unknown', true],
      ['Endpoint', 'unknown calling system (no X-NIR-Consumer header)', 'unknown', false],
    ]);
  });

  it('outcome 4 for PartialSuccess, 12 when every community failed, 8 when NIR refused the request', () => {
    const down = {
      errorCode: 'XDSUnavailableCommunity',
      codeContext: 'down',
      severity: ErrorSeverity.Error,
      location: HOME1,
    };
    const partial = transactionAuditEvents(
      query({
        status: ResponseStatus.PartialSuccess,
        errors: [down],
        legs: [leg('answered'), leg('failed')],
      }),
      config(),
    );
    const allDown = transactionAuditEvents(
      query({
        status: ResponseStatus.Failure,
        errors: [down, { ...down, location: HOME2 }],
        legs: [leg('failed'), leg('failed')],
      }),
      config(),
    );
    const invalid = transactionAuditEvents(
      query({
        patient: undefined,
        patientId: '9999999991^^^&2.16.840.1.113883.2.1.4.1&ISO',
        status: ResponseStatus.Failure,
        errors: [
          { errorCode: 'XDSUnknownPatientId', codeContext: 'bad check digit', severity: ErrorSeverity.Error },
        ],
        legs: [],
      }),
      config(),
    );
    expectValid([...partial, ...allDown, ...invalid]);
    expect([...partial, ...allDown, ...invalid].map((e) => [e.outcome, e.outcomeDesc])).toEqual([
      ['4', `PartialSuccess: XDSUnavailableCommunity at ${HOME1}`],
      ['12', `Failure: XDSUnavailableCommunity at ${HOME1}; XDSUnavailableCommunity at ${HOME2}`],
      ['8', 'Failure: XDSUnknownPatientId'],
    ]);
    expect(invalid[0]!.entity![0]).toEqual({
      what: {
        identifier: { value: '9999999991' },
        display: '9999999991^^^&2.16.840.1.113883.2.1.4.1&ISO',
      },
      type: {
        system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
        code: '1',
        display: 'Person',
      },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
      description: 'the patient id sent is not a valid NHS number',
    });
  });

  it('writes one event per patient for a GetDocuments spanning two patients', () => {
    const events = transactionAuditEvents(
      query({
        patient: undefined,
        patientId: undefined,
        returnedDocuments: [
          { documentUniqueId: '1.2.1', patient: '9995649284' },
          { documentUniqueId: '1.2.2', patient: '9995527421' },
          { documentUniqueId: '1.2.3', patient: '9995649284' },
        ],
      }),
      config(),
    );
    expectValid(events);
    expect(events.map(patientOf)).toEqual(['9995649284', '9995527421']);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
  });
});

describe('ITI-39 Cross Gateway Retrieve', () => {
  const retrieve = (): TransactionEvent =>
    query({
      transaction: 'ITI-39',
      patient: undefined,
      patientId: undefined,
      queryXml: undefined,
      endpoint: 'http://127.0.0.1:8080/xca/iti39',
      documents: [
        { homeCommunityId: HOME1, repositoryUniqueId: '2.25.1.2.1', documentUniqueId: '2.25.1.4.1.1' },
        { homeCommunityId: HOME2, repositoryUniqueId: '2.25.1.2.2', documentUniqueId: '2.25.1.4.2.7' },
        { homeCommunityId: HOME1, repositoryUniqueId: '2.25.1.2.1', documentUniqueId: '2.25.1.4.1.9' },
      ],
    });

  it('is DCM 110106 Export, subtype ITI-39, action E, one document entity per DocumentUniqueId, per patient', () => {
    const known: Record<string, string> = { '2.25.1.4.1.1': '9995649284', '2.25.1.4.2.7': '9995527421' };
    const events = transactionAuditEvents(retrieve(), config(), (id) => known[id]);
    expectValid(events);
    expect(events.map(code)).toEqual([
      { type: '110106', subtype: ['urn:ihe:event-type-code|ITI-39'], action: 'E', outcome: '0' },
      { type: '110106', subtype: ['urn:ihe:event-type-code|ITI-39'], action: 'E', outcome: '0' },
      { type: '110106', subtype: ['urn:ihe:event-type-code|ITI-39'], action: 'E', outcome: '0' },
    ]);
    expect(events.map(patientOf)).toEqual(['9995649284', '9995527421', undefined]);
    expect(events[0]!.entity!.filter((x) => x.role?.code === '3')).toEqual([
      {
        what: { identifier: { value: '2.25.1.4.1.1' } },
        type: {
          system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
          code: '2',
          display: 'System Object',
        },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '3', display: 'Report' },
        detail: [
          { type: 'Repository Unique Id', valueString: '2.25.1.2.1' },
          { type: 'ihe:homeCommunityID', valueString: HOME1 },
        ],
      },
    ]);
    expect(
      events[2]!.entity!.filter((x) => x.role?.code === '3').map((x) => x.what?.identifier?.value),
    ).toEqual(['2.25.1.4.1.9']);
  });

  it('uses the XUA resource-id as the patient when nothing else places the documents', () => {
    const tx = {
      ...retrieve(),
      requester: { ...requester, patientId: '9995649284^^^&2.16.840.1.113883.2.1.4.1&ISO' },
    };
    const events = transactionAuditEvents(tx, config());
    expectValid(events);
    expect(events.map(patientOf)).toEqual(['9995649284']);
    expect(events[0]!.entity!.filter((x) => x.role?.code === '3')).toHaveLength(3);
  });
});

describe('RAD-75 Cross Gateway Retrieve Imaging Document Set (builder ahead of the transaction)', () => {
  it('is DCM 110103 DICOM Instances Accessed, subtype RAD-75, action R, with Study and Series Instance UIDs', () => {
    const events = transactionAuditEvents(
      query({
        transaction: 'RAD-75',
        patient: undefined,
        patientId: undefined,
        queryXml: undefined,
        endpoint: 'http://127.0.0.1:8080/xca/rad75',
        studies: [
          {
            studyInstanceUid: '1.2.826.0.1.3680043.10.1.1',
            seriesInstanceUids: ['1.2.826.0.1.3680043.10.1.1.1', '1.2.826.0.1.3680043.10.1.1.2'],
            homeCommunityId: HOME1,
            repositoryUniqueId: '2.25.1.2.1',
            documentUniqueIds: ['1.2.826.0.1.3680043.10.1.1.1.1'],
            patient: '9995649284',
          },
        ],
      }),
      config(),
    );
    expectValid(events);
    expect(events.map(code)).toEqual([
      { type: '110103', subtype: ['urn:ihe:event-type-code|RAD-75'], action: 'R', outcome: '0' },
    ]);
    expect(events[0]!.type.display).toBe('DICOM Instances Accessed');
    expect(events[0]!.entity!.filter((x) => x.role?.code === '3')).toEqual([
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
            value: '1.2.826.0.1.3680043.10.1.1',
          },
        },
        type: {
          system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
          code: '2',
          display: 'System Object',
        },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '3', display: 'Report' },
        detail: [
          { type: 'Series Instance UID', valueString: '1.2.826.0.1.3680043.10.1.1.1' },
          { type: 'Series Instance UID', valueString: '1.2.826.0.1.3680043.10.1.1.2' },
          { type: 'Document Unique Id', valueString: '1.2.826.0.1.3680043.10.1.1.1.1' },
          { type: 'Repository Unique Id', valueString: '2.25.1.2.1' },
          { type: 'ihe:homeCommunityID', valueString: HOME1 },
        ],
      },
    ]);
    expect(patientOf(events[0]!)).toBe('9995649284');
  });
});

describe('SOAP Faults at the broker', () => {
  it('are audited with outcome 8 (Sender) or 12 (Receiver), with no patient', () => {
    const base = {
      id: 'fault-1',
      transaction: 'ITI-38' as const,
      startedAt: T0,
      durationMs: 1,
      endpoint: 'http://127.0.0.1:8080/xca/iti38',
    };
    const sender = faultAuditEvent(
      { ...base, httpStatus: 400, code: 'Sender', reason: 'XML is not well-formed' },
      config(),
    );
    const receiver = faultAuditEvent(
      { ...base, httpStatus: 500, code: 'Receiver', reason: 'internal error', messageId: 'urn:uuid:1' },
      config(),
    );
    expectValid([sender, receiver]);
    expect([sender, receiver].map((e) => [code(e), e.outcomeDesc, patientOf(e)])).toEqual([
      [
        { type: '110112', subtype: ['urn:ihe:event-type-code|ITI-38'], action: 'R', outcome: '8' },
        'SOAP Fault env:Sender: XML is not well-formed (HTTP 400)',
        undefined,
      ],
      [
        { type: '110112', subtype: ['urn:ihe:event-type-code|ITI-38'], action: 'R', outcome: '12' },
        'SOAP Fault env:Receiver: internal error (HTTP 500)',
        undefined,
      ],
    ]);
    expect(receiver.entity!.map((x) => x.type?.code)).toEqual(['XrequestId', 'Endpoint']);
  });
});

describe('action codes as configuration', () => {
  it("defaults to NIR's mapping and reads overrides, listing every problem", () => {
    const mhdNir = { 'ITI-67': 'R', 'ITI-68': 'E', 'WADO-RS': 'R' };
    expect(NIR_ACTION_CODES).toEqual({ 'ITI-38': 'R', 'ITI-39': 'E', 'RAD-75': 'R', ...mhdNir });
    expect(parseActionCodes('ihe')).toEqual({
      ok: true,
      actions: { 'ITI-38': 'E', 'ITI-39': 'R', 'RAD-75': 'R', 'ITI-67': 'E', 'ITI-68': 'R', 'WADO-RS': 'R' },
    });
    expect(parseActionCodes('ITI-39=R, ITI-68=R')).toEqual({
      ok: true,
      actions: { 'ITI-38': 'R', 'ITI-39': 'R', 'RAD-75': 'R', ...mhdNir, 'ITI-68': 'R' },
    });
    expect(parseActionCodes('ITI-38=X, ITI-40=R')).toEqual({
      ok: false,
      problems: [
        "'ITI-38=X': action must be one of C, R, U, D, E",
        "'ITI-40=R': expected <ITI-38|ITI-39|RAD-75|ITI-67|ITI-68|WADO-RS>=<C|R|U|D|E>, or 'nir' or 'ihe'",
      ],
    });
  });
});
