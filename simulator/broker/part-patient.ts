/**
 * Reading the patient of a relayed DICOM part on the way through: the part's bytes pass to the
 * consumer unchanged, chunk by chunk with the source's backpressure, while a copy of at most the
 * first DICOM_PATIENT_PREFIX_BYTES (64 KiB) is kept and read once (dicom-patient-id.ts) when the
 * prefix is full or the part ends, breaks or is abandoned. Never holds a whole part; a part that
 * is not DICOM, or breaks off, only yields no patient.
 */
import { finished, Readable } from 'node:stream';
import {
  DICOM_PATIENT_PREFIX_BYTES,
  readDicomPatientId,
  type DicomPatientId,
} from '../xca/dicom-patient-id.js';

/**
 * `body` as a new Readable with the same bytes and backpressure (the body is paused while the
 * copy's buffer is full); `seen` is called exactly once with the patient the part's start names
 * (undefined when none could be read), at the latest when the body ends, fails or closes early,
 * or the copy is destroyed (which destroys the body, as abandoning a read of it would). The
 * copy fails with the body's error. A `seen` that throws is the caller's bug and is not caught.
 */
export function withPatientTap(
  body: Readable,
  seen: (patient: DicomPatientId | undefined) => void,
): Readable {
  const head: Buffer[] = [];
  let kept = 0;
  let settled = false;
  const settle = (): void => {
    if (settled) return;
    settled = true;
    const prefix = Buffer.concat(head);
    head.length = 0;
    seen(readDicomPatientId(prefix));
  };
  const out = new Readable({
    highWaterMark: body.readableHighWaterMark,
    read: () => void body.resume(),
    destroy: (err, callback) => {
      settle();
      body.destroy();
      callback(err);
    },
  });
  body.on('data', (chunk: Buffer | Uint8Array) => {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (!settled) {
      const take = b.subarray(0, DICOM_PATIENT_PREFIX_BYTES - kept);
      head.push(take);
      kept += take.length;
      if (kept >= DICOM_PATIENT_PREFIX_BYTES) settle();
    }
    if (!out.push(b)) body.pause();
  });
  // The body's end, error or premature close ends (or fails) the copy, as reading it would.
  finished(body, (err) => {
    settle();
    if (err) out.destroy(err);
    else out.push(null);
  });
  return out;
}

/** The patient at the start of a part the broker holds whole (a document a community sent inline). */
export function patientOfBytes(bytes: Buffer): DicomPatientId | undefined {
  return readDicomPatientId(bytes.subarray(0, DICOM_PATIENT_PREFIX_BYTES));
}
