/**
 * The AuditEvents of a RAD-75's relayed patients (the Patient ID of the DICOM parts, known only
 * after the first events were written): one per patient the first events did not name, a Patient
 * ID that is no NHS number recorded as sent, the study -> patient link learnt for the next retrieve.
 */
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from 'fhir/r4.js';
import type { RequestedStudy, TransactionEvent } from '../events/transaction-events.js';
import { AuditTrail } from './audit-trail.js';
import { MemorySink } from './sinks.js';
import { validateAuditEvent } from '../fhir/schema-validator.js';
import { NHS_NUMBER_OID, ResponseStatus } from '../xca/constants.js';

const T0 = Date.UTC(2025, 2, 14, 9, 30, 0, 0);
const study = (uid: string): RequestedStudy => ({
  studyInstanceUid: uid,
  seriesInstanceUids: [`${uid}.1`],
  homeCommunityId: 'urn:oid:2.25.1.1.1',
  repositoryUniqueId: '2.25.1.2',
  documentUniqueIds: [`${uid}.1.1`],
});
const S1 = '2.25.9.1';
const S2 = '2.25.9.2';

function retrieve(id: string): TransactionEvent {
  return {
    id,
    transaction: 'RAD-75',
    messageId: `urn:uuid:00000000-0000-4000-8000-${id.padStart(12, '0')}`,
    studies: [study(S1), study(S2)],
    startedAt: T0,
    durationMs: 40,
    status: ResponseStatus.Success,
    errors: [],
    resultCount: 2,
    legs: [
      {
        community: 'north',
        homeCommunityId: 'urn:oid:1.2.3',
        startedAt: T0,
        durationMs: 40,
        outcome: 'answered',
        errorCodes: [],
      },
    ],
    requester: { assurance: 'unverified', callingSystem: { id: 'acme', source: 'x-nir-consumer-header' } },
    endpoint: 'http://127.0.0.1:8080/xcai/rad75',
  };
}

function trail(): { trail: AuditTrail; sink: MemorySink } {
  const sink = new MemorySink();
  let n = 0;
  return { sink, trail: new AuditTrail({ sinks: [sink], newId: () => `id-${++n}` }) };
}

const patientOf = (e: AuditEvent) => e.entity?.filter((x) => x.role?.code === '1').map((x) => x.what);
const studiesOf = (e: AuditEvent) =>
  e.entity?.filter((x) => x.role?.code === '3').map((x) => x.what?.identifier?.value);

describe('AuditTrail.recordRelayedPatients', () => {
  it('writes one event per patient the first events did not name, with that patient’s studies', () => {
    const { trail: t, sink } = trail();
    const tx = retrieve('1');
    expect(t.recordTransaction(tx).map(patientOf)).toEqual([[]]);
    const events = t.recordRelayedPatients(tx, [
      { patientId: '9995649284', issuerOfPatientId: NHS_NUMBER_OID, studyInstanceUids: [S1] },
      { patientId: 'MRN-77', issuerOfPatientId: 'RRK', studyInstanceUids: [S2] },
    ]);
    expect(events.map((e) => [patientOf(e), studiesOf(e), e.outcome, e.subtype?.[0]?.code])).toEqual([
      [
        [{ identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9995649284' } }],
        [S1],
        '0',
        'RAD-75',
      ],
      [[{ identifier: { value: 'MRN-77' }, display: 'MRN-77^^^RRK' }], [S2], '0', 'RAD-75'],
    ]);
    expect(events[1]!.entity![0]!.description).toBe('the patient id sent is not a valid NHS number');
    for (const e of events) expect(validateAuditEvent(e)).toEqual({ ok: true });
    expect(sink.events).toHaveLength(3);

    // The study's NHS number is learnt: the next retrieve names it up front; the MRN is not.
    const next = t.recordTransaction(retrieve('2'));
    expect(next.map((e) => [patientOf(e), studiesOf(e)])).toEqual([
      [[{ identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9995649284' } }], [S1]],
      [[], [S2]],
    ]);
    // ... and the relay that confirms it adds nothing.
    expect(
      t.recordRelayedPatients(retrieve('2'), [
        { patientId: '9995649284', issuerOfPatientId: NHS_NUMBER_OID, studyInstanceUids: [S1] },
      ]),
    ).toEqual([]);
  });

  it('names a valid NHS number with a foreign issuer as sent, and writes nothing when no part named one', () => {
    const { trail: t, sink } = trail();
    const tx = retrieve('3');
    t.recordTransaction(tx);
    expect(t.recordRelayedPatients(tx, [])).toEqual([]);
    const tx2 = retrieve('4');
    t.recordTransaction(tx2);
    const [e] = t.recordRelayedPatients(tx2, [
      { patientId: '9995649284', issuerOfPatientId: 'LOCAL-PAS', studyInstanceUids: [S1, S2] },
    ]);
    expect([patientOf(e!), studiesOf(e!)]).toEqual([
      [{ identifier: { value: '9995649284' }, display: '9995649284^^^LOCAL-PAS' }],
      [S1, S2],
    ]);
    expect(sink.events).toHaveLength(3);
  });
});
