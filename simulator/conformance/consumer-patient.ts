/**
 * The patient an ITI-38 request names, as its consumer wrote it: the first patient-id parameter
 * ($XDSDocumentEntryPatientId, $XDSSubmissionSetPatientId, $XDSFolderPatientId, $patientId; ITI TF-2
 * 3.18.4.1.2.3.7) with its value, quoted ('...', ITI TF-2 3.18.4.1.2.3.5) or not.
 */
import { PATIENT_ID_PARAMS } from '../xca/stored-query-params.js';
import { SlotValueError, parseQuotedString } from '../xca/slot-value.js';
import type { ConsumerRequest } from './consumer-request.js';

/** A patient-id parameter as written: `value` is the CX (unquoted when it was quoted). */
export interface QueryPatient {
  parameter: string;
  raw: string;
  value: string;
  quoted: boolean;
}

/** The patient an ITI-38 request names; undefined for other requests and queries naming none. */
export function queryPatient(r: ConsumerRequest): QueryPatient | undefined {
  if (r.body?.kind !== 'query') return undefined;
  for (const parameter of PATIENT_ID_PARAMS) {
    const raw = r.body.request.slots.find((s) => s.name === parameter)?.values[0];
    if (raw === undefined) continue;
    try {
      return { parameter, raw, value: parseQuotedString(raw), quoted: true };
    } catch (err) {
      if (!(err instanceof SlotValueError)) throw err;
      return { parameter, raw, value: raw.trim(), quoted: false };
    }
  }
  return undefined;
}

/** CX.1 and CX.4 of a CX, the parts that name a patient (HL7 v2.5 CX; ITI TF-3 4.2.3.1.7). */
export function cxKey(cx: string): string {
  const parts = cx.trim().split('^');
  return `${(parts[0] ?? '').trim()}^${(parts[3] ?? '').trim()}`;
}
