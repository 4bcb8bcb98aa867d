/**
 * The event bus of a running topology (docs/architecture.md "Audit pipeline"), which is the
 * broker's AuditRecorder: each record goes to every subscribed recorder in subscription order,
 * awaited one after the other (the audit trail, the control API's transaction log), and then to
 * the observers listening with `on(kind, ...)` (tests, benchmarks). The records are plain data
 * (events/transaction-events.ts).
 */
import { EventEmitter } from 'node:events';
import type {
  AuditRecorder,
  BrokerRecord,
  FaultEvent,
  RelayedPatientsEvent,
  TransactionEvent,
} from '../events/transaction-events.js';

/** Event name → payload, as observers see the records. */
export interface SimEventMap {
  transaction: [TransactionEvent];
  /** A consumer request answered with a SOAP Fault (audited with outcome 8 or 12). */
  fault: [FaultEvent];
  /** After a RAD-75's parts were relayed (or the relay stopped): the patients they named. */
  'relayed-patients': [RelayedPatientsEvent];
}

/** One per running topology: the broker records through it; recorders subscribe, observers listen. */
export class SimEvents extends EventEmitter<SimEventMap> implements AuditRecorder {
  private readonly recorders: AuditRecorder[] = [];

  /**
   * Keep every later record with `recorder`; returns the function that stops it. A recorder's
   * rejection rejects {@link record} (the recorders after it do not see that record).
   */
  subscribe(recorder: AuditRecorder): () => void {
    this.recorders.push(recorder);
    return () => {
      const i = this.recorders.indexOf(recorder);
      if (i >= 0) this.recorders.splice(i, 1);
    };
  }

  /**
   * Hand `r` to each subscribed recorder in turn, awaiting each, then emit it to the observers.
   * Rejects with the first recorder's (or observer's) error.
   */
  async record(r: BrokerRecord): Promise<void> {
    for (const recorder of [...this.recorders]) await recorder.record(r);
    switch (r.kind) {
      case 'transaction':
        this.emit('transaction', r.event);
        break;
      case 'fault':
        this.emit('fault', r.event);
        break;
      case 'relayed-patients':
        this.emit('relayed-patients', r.event);
        break;
    }
  }
}
