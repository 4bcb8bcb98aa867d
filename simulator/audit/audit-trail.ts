/**
 * The audit trail (docs/architecture.md "Audit pipeline"): the broker's AuditRecorder for PARS. It
 * turns each record (an answered transaction, a SOAP Fault, the patients a RAD-75's parts named)
 * into AuditEvents and writes them to every sink, synchronously, so the NDJSON line and the queue
 * entry exist when `record` resolves, and the broker awaits that before it answers. If a sink cannot
 * write (disk full, directory gone) `record` rejects and the broker answers env:Receiver: no answer
 * without its audit record (fail closed).
 */
import type { AuditEvent } from 'fhir/r4.js';
import { NIR_ACTION_CODES } from './action-codes.js';
import type {
  AuditRecorder,
  BrokerRecord,
  FaultEvent,
  RelayedPatient,
  TransactionEvent,
} from '../events/transaction-events.js';
import {
  faultAuditEvent,
  namedPatients,
  relayedNhsNumber,
  relayedPatientAuditEvents,
  transactionAuditEvents,
  type AuditEventConfig,
} from './audit-event.js';
import { DocumentPatientIndex } from './document-patients.js';
import type { AuditSink } from './sinks.js';

/** Options of {@link AuditTrail}; every event field has NIR's default. */
interface AuditTrailOptions extends Partial<AuditEventConfig> {
  sinks: AuditSink[];
}

/**
 * RAD-75 transactions whose relay may still report patients, remembered with the patients their
 * first events named (least recent go first; one forgotten is audited as if none was named).
 */
const PENDING_RELAYS = 10_000;

/** Default audit creator: the sandbox's NIR broker. */
const DEFAULT_OBSERVER = { id: 'nir-sim', display: 'NIR broker (nir-sim sandbox)' } as const;

/** Records AuditEvents for transactions and faults into its sinks. */
export class AuditTrail implements AuditRecorder {
  private readonly cfg: AuditEventConfig;
  private readonly index = new DocumentPatientIndex();
  /** RAD-75 transaction id -> the patient keys its first events named (audit-event.ts patientKey). */
  private readonly relaying = new Map<string, Set<string>>();
  private closed = false;

  constructor(private readonly opts: AuditTrailOptions) {
    this.cfg = {
      actions: opts.actions ?? NIR_ACTION_CODES,
      observer: opts.observer ?? DEFAULT_OBSERVER,
      productId: opts.productId ?? 'nir-sim',
      ...(opts.newId ? { newId: opts.newId } : {}),
    };
  }

  /**
   * Audit one broker record (AuditRecorder): {@link recordTransaction}, {@link recordFault} or
   * {@link recordRelayedPatients}. Resolves once the events are written; rejects when a sink could
   * not write or the trail is closed.
   */
  record(r: BrokerRecord): Promise<void> {
    try {
      switch (r.kind) {
        case 'transaction':
          this.recordTransaction(r.event);
          break;
        case 'fault':
          this.recordFault(r.event);
          break;
        case 'relayed-patients':
          this.recordRelayedPatients(r.event.transaction, r.event.patients);
          break;
      }
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Audit one answered transaction; returns the events written (one per patient). */
  recordTransaction(tx: TransactionEvent): AuditEvent[] {
    const fallback = tx.patient;
    if (tx.returnedDocuments)
      this.index.learn(
        tx.returnedDocuments.map((d) =>
          d.patient !== undefined || fallback === undefined ? d : { ...d, patient: fallback },
        ),
      );
    const events = transactionAuditEvents(
      tx,
      this.cfg,
      (id) => this.index.patientOf(id) ?? this.index.patientOfStudy(id) ?? this.index.patientOfEntry(id),
    );
    if ((tx.transaction === 'RAD-75' || tx.transaction === 'WADO-RS') && tx.id !== undefined) {
      this.relaying.set(tx.id, namedPatients(events));
      if (this.relaying.size > PENDING_RELAYS) this.relaying.delete(this.relaying.keys().next().value!);
    }
    this.write(events);
    return events;
  }

  /**
   * Audit the patients a RAD-75's relayed DICOM parts named, after its own events
   * ({@link recordTransaction} of the same `tx`): one more event per patient those did not name
   * (relayedPatientAuditEvents), and the study -> NHS number links learnt for later retrieves.
   * Returns the events written (none when every patient was already named).
   */
  recordRelayedPatients(tx: TransactionEvent, patients: readonly RelayedPatient[]): AuditEvent[] {
    const named = (tx.id !== undefined ? this.relaying.get(tx.id) : undefined) ?? new Set<string>();
    if (tx.id !== undefined) this.relaying.delete(tx.id);
    for (const p of patients) {
      const nhs = relayedNhsNumber(p);
      if (nhs !== undefined) for (const uid of p.studyInstanceUids) this.index.learnStudy(uid, nhs);
    }
    const events = relayedPatientAuditEvents(tx, patients, named, this.cfg);
    if (events.length > 0) this.write(events);
    return events;
  }

  /** Audit a request answered with a SOAP Fault; returns the event written. */
  recordFault(f: FaultEvent): AuditEvent {
    const event = faultAuditEvent(f, this.cfg);
    this.write([event]);
    return event;
  }

  /** Close every sink (the PARS queue keeps what is not delivered for the next run). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.opts.sinks.map((s) => s.close()));
  }

  private write(events: readonly AuditEvent[]): void {
    if (this.closed) throw new Error('the audit trail is closed');
    const batch = events.map((event) => ({ event, json: JSON.stringify(event) }));
    for (const sink of this.opts.sinks) sink.write(batch);
  }
}
