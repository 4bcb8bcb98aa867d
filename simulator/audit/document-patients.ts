/**
 * Which patient a document belongs to, learnt from the ITI-38 answers the broker relayed, so that a
 * later ITI-39 (which names documents, not patients) is audited against the right NHS number and
 * shows in that patient's Patient Access Report. Bounded (least recently learnt go first) and in
 * memory only: after a restart, retrieves of documents not queried since carry no patient.
 */
import type { ReturnedDocument } from '../events/transaction-events.js';

/** documentUniqueId (and Study Instance UID) -> NHS number, at most `capacity` entries. */
export class DocumentPatientIndex {
  private readonly map = new Map<string, string>();

  constructor(private readonly capacity = 100_000) {}

  /**
   * Remember the patients of returned documents, and of the studies they name (a KOS manifest's
   * Study Instance UID, for RAD-75, which names studies and SOP instances, never patients).
   * Documents without a patient are skipped.
   */
  learn(documents: readonly ReturnedDocument[]): void {
    for (const d of documents) {
      if (d.patient === undefined) continue;
      this.set(d.documentUniqueId, d.patient);
      if (d.entryUuid !== undefined) this.set(entryKey(d.entryUuid), d.patient);
      for (const uid of d.studyInstanceUids ?? []) this.set(studyKey(uid), d.patient);
    }
  }

  /** Remember the patient of a study (as the study's DICOM parts named it). */
  learnStudy(studyInstanceUid: string, patient: string): void {
    this.set(studyKey(studyInstanceUid), patient);
  }

  /** The NHS number of a document, when learnt. */
  patientOf(documentUniqueId: string): string | undefined {
    return this.map.get(documentUniqueId);
  }

  /** The NHS number of a DocumentEntry by its entryUUID (an ObjectRef answer names no more). */
  patientOfEntry(entryUuid: string): string | undefined {
    return this.map.get(entryKey(entryUuid));
  }

  /** The NHS number of a study, when a manifest naming it was returned. */
  patientOfStudy(studyInstanceUid: string): string | undefined {
    return this.map.get(studyKey(studyInstanceUid));
  }

  private set(key: string, patient: string): void {
    this.map.delete(key);
    this.map.set(key, patient);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }

  /** How many documents are known. */
  get size(): number {
    return this.map.size;
  }
}

const studyKey = (uid: string): string => `study:${uid}`;
const entryKey = (uuid: string): string => `entry:${uuid}`;
