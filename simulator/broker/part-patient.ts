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
    const patient = readDicomPatientId(joined(head, kept));
    head.length = 0;
    seen(patient);
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

/**
 * One scratch buffer for the prefixes that span several chunks: the read is synchronous and keeps
 * no reference to the bytes (the patient's values are decoded into strings), so one buffer serves
 * every part and no 64 KiB is allocated per part (external memory that the garbage collector
 * would have to reclaim).
 */
let scratch: Buffer | undefined;

/** The `n` bytes of `pieces` as one Buffer: the first piece itself when it holds them all, else copied into the scratch buffer. */
function joined(pieces: readonly Buffer[], n: number): Buffer {
  if (pieces.length === 1 || n === 0) return pieces[0] ?? Buffer.alloc(0);
  scratch ??= Buffer.allocUnsafe(DICOM_PATIENT_PREFIX_BYTES);
  let at = 0;
  for (const p of pieces) at += p.copy(scratch, at);
  return scratch.subarray(0, at);
}

/** The patient at the start of a part the broker holds whole (a document a community sent inline). */
export function patientOfBytes(bytes: Buffer): DicomPatientId | undefined {
  return readDicomPatientId(bytes.subarray(0, DICOM_PATIENT_PREFIX_BYTES));
}
