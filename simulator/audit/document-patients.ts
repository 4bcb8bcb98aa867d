/**
 * Which patient a document belongs to, learnt from the ITI-38 answers the broker relayed, so that a
 * later ITI-39 (which names documents, not patients) is audited against the right NHS number and
 * shows in that patient's Patient Access Report. Bounded (least recently learnt go first) and in
 * memory only: after a restart, retrieves of documents not queried since carry no patient.
 */
import type { AuditedDocument } from './audit-input.js';

/** documentUniqueId -> NHS number, at most `capacity` entries. */
export class DocumentPatientIndex {
  private readonly map = new Map<string, string>();

  constructor(private readonly capacity = 100_000) {}

  /** Remember the patients of returned documents (those without a patient are skipped). */
  learn(documents: readonly AuditedDocument[]): void {
    for (const d of documents) {
      if (d.patient === undefined) continue;
      this.map.delete(d.documentUniqueId);
      this.map.set(d.documentUniqueId, d.patient);
      if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
    }
  }

  /** The NHS number of a document, when learnt. */
  patientOf(documentUniqueId: string): string | undefined {
    return this.map.get(documentUniqueId);
  }

  /** How many documents are known. */
  get size(): number {
    return this.map.size;
  }
}
