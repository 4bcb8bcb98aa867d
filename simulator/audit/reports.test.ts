/**
 * A Patient Access Report places accesses whose events name no patient (an ObjectRef answer, a
 * retrieve of documents never queried) by the patient's documents, entries and studies.
 */
import { describe, expect, it } from 'vitest';
import { NIR_ACTION_CODES } from './action-codes.js';
import { transactionAuditEvents } from './audit-event.js';
import type { TransactionEvent } from '../events/transaction-events.js';
import { accessRecord, patientAccessReport } from './reports.js';
import { ResponseStatus } from '../xca/constants.js';

const cfg = {
  actions: NIR_ACTION_CODES,
  observer: { id: 'nir-sim', display: 'NIR' },
  productId: 'nir-sim',
};
let n = 0;
const tx = (t: Partial<TransactionEvent> & Pick<TransactionEvent, 'transaction'>) =>
  transactionAuditEvents(
    {
      id: `tx-${++n}`,
      startedAt: Date.UTC(2025, 2, 14, 12) + n * 1000,
      durationMs: 5,
      status: ResponseStatus.Success,
      errors: [],
      resultCount: 1,
      legs: [],
      ...t,
    },
    { ...cfg, newId: () => `ev-${n}` },
  );
const P = '9995649284';
const ENTRY = 'urn:uuid:0a1b2c3d-0000-4000-8000-000000000001';

describe('Patient Access Report', () => {
  it('lists the patient-less accesses to the patient’s documents, marked as placed by document', () => {
    const events = [
      ...tx({
        transaction: 'ITI-39',
        documents: [{ documentUniqueId: '2.25.1', repositoryUniqueId: '1.2.3', patient: P }],
      }),
      ...tx({
        transaction: 'ITI-38',
        returnedObjectRefs: [{ entryUuid: ENTRY, homeCommunityId: 'urn:oid:1.2' }],
      }),
      ...tx({
        transaction: 'ITI-39',
        documents: [{ documentUniqueId: '2.25.1', repositoryUniqueId: '1.2.3' }],
      }),
      ...tx({
        transaction: 'ITI-39',
        documents: [{ documentUniqueId: '2.25.999', repositoryUniqueId: '1.2.3' }],
      }),
      ...tx({
        transaction: 'ITI-39',
        documents: [{ documentUniqueId: '2.25.1', repositoryUniqueId: '1.2.3', patient: '9995527421' }],
      }),
    ];
    const report = patientAccessReport(events, P, new Set([ENTRY]));
    expect(report).toEqual({
      kind: 'patient',
      subject: P,
      accesses: [
        accessRecord(events[0]!),
        { ...accessRecord(events[1]!), via: 'document' },
        { ...accessRecord(events[2]!), via: 'document' },
      ],
      byTransaction: { 'ITI-39': 2, 'ITI-38': 1 },
    });
    expect(report.accesses.map((a) => [a.id, a.transaction, a.patient, a.documents])).toEqual([
      ['ev-1', 'ITI-39', P, ['2.25.1']],
      ['ev-2', 'ITI-38', undefined, [ENTRY]],
      ['ev-3', 'ITI-39', undefined, ['2.25.1']],
    ]);
  });
});

describe('reports over the audit of FHIR requests', () => {
  it('name ITI-67, ITI-68 and WADO-RS (audited as RAD-107), count them per transaction, and take the caller, not the broker, as calling system', () => {
    const requester = {
      assurance: 'validated' as const,
      callingSystem: { id: 'acme-pacs', source: 'tls-certificate' as const },
      user: { id: 'UID-555123' },
    };
    const fhir = {
      protocol: 'mhd' as const,
      requester,
      endpoint: 'http://127.0.0.1:8443/fhir/DocumentReference',
    };
    const events = [
      ...tx({ ...fhir, transaction: 'ITI-67', patient: P }),
      ...tx({
        ...fhir,
        transaction: 'ITI-68',
        documents: [{ documentUniqueId: '2.25.1', repositoryUniqueId: '1.2.3', patient: P }],
      }),
      ...tx({
        ...fhir,
        transaction: 'WADO-RS',
        studies: [{ studyInstanceUid: '2.25.7', seriesInstanceUids: [], documentUniqueIds: [], patient: P }],
      }),
      ...tx({ ...fhir, transaction: 'ITI-67', patient: P }),
    ];
    const report = patientAccessReport(events, P);
    expect(report.accesses.map((a) => [a.transaction, a.callingSystem, a.user, a.documents])).toEqual([
      ['ITI-67', 'acme-pacs', 'UID-555123', []],
      ['ITI-68', 'acme-pacs', 'UID-555123', ['2.25.1']],
      ['WADO-RS', 'acme-pacs', 'UID-555123', ['study 2.25.7']],
      ['ITI-67', 'acme-pacs', 'UID-555123', []],
    ]);
    expect(report.byTransaction).toEqual({ 'ITI-67': 2, 'ITI-68': 1, 'WADO-RS': 1 });
  });
});
