/**
 * The patient a DICOM part names, read from the start of its bytes: Patient ID (0010,0020) and
 * Issuer of Patient ID (0010,0021) of a DICOM PS3.10 file (128-byte preamble, `DICM`, group 0002
 * file meta information, then the dataset in the transfer syntax the meta names): Explicit and
 * Implicit VR Little Endian (PS3.5 A.1, A.2; the encapsulated syntaxes' datasets are Explicit VR
 * Little Endian) and the retired Explicit VR Big Endian; Deflated (1.2.840.10008.1.2.1.99) is
 * refused, so a small prefix can never inflate into a large buffer. Parsing is dicom-parser's, stopped at
 * (0010,0021) (PS3.5 7.1: elements are in ascending tag order, so the patient comes after the
 * mostly group 0008 elements of the start).
 */
import dicomParser from 'dicom-parser';

/** Bytes of a part's start the broker reads for its patient: 64 KiB. */
export const DICOM_PATIENT_PREFIX_BYTES = 64 * 1024;

/** Patient ID (0010,0020) and, when present, Issuer of Patient ID (0010,0021), trimmed. */
export interface DicomPatientId {
  patientId: string;
  issuerOfPatientId?: string;
}

const DEFLATED = '1.2.840.10008.1.2.1.99';
const PATIENT_ID = 'x00100020';
const ISSUER = 'x00100021';
/** Longest Patient ID kept: LO is at most 64 characters (PS3.5 6.2); anything longer is refused. */
const MAX_VALUE_CHARS = 64;

/**
 * Patient ID and issuer of the Part 10 file that `prefix` starts (at most the first
 * {@link DICOM_PATIENT_PREFIX_BYTES} of a part; a longer prefix is cut to that). Never throws:
 * returns undefined for bytes that are not Part 10, a deflated or unreadable dataset, a prefix
 * that ends before (0010,0020) is whole, or an empty or over-long (> 64 characters) Patient ID.
 * The issuer is dropped when it is not whole in the prefix.
 */
export function readDicomPatientId(prefix: Uint8Array): DicomPatientId | undefined {
  const bytes = prefix.subarray(0, DICOM_PATIENT_PREFIX_BYTES);
  // PS3.10 7.1: 128-byte preamble, then the prefix "DICM".
  if (bytes.length < 132 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM') return undefined;
  let dataSet: dicomParser.DataSet | undefined;
  try {
    dataSet = dicomParser.parseDicom(bytes, {
      untilTag: ISSUER,
      inflater: () => {
        throw new Error(`${DEFLATED} (Deflated Explicit VR Little Endian) is not read`);
      },
    });
  } catch (e) {
    // dicom-parser throws { exception, dataSet } when the dataset breaks off (a cut prefix): what
    // it read before the break is sound.
    dataSet = isPartial(e) ? e.dataSet : undefined;
  }
  if (!dataSet) return undefined;
  const patientId = whole(dataSet, PATIENT_ID, bytes.length);
  if (patientId === undefined || patientId === '' || patientId.length > MAX_VALUE_CHARS) return undefined;
  const issuer = whole(dataSet, ISSUER, bytes.length);
  return {
    patientId,
    ...(issuer !== undefined && issuer !== '' && issuer.length <= MAX_VALUE_CHARS
      ? { issuerOfPatientId: issuer }
      : {}),
  };
}

function isPartial(e: unknown): e is { dataSet: dicomParser.DataSet } {
  return (
    typeof e === 'object' && e !== null && 'dataSet' in e && typeof e.dataSet === 'object' && !!e.dataSet
  );
}

/** An element's trimmed string value when its bytes are all within the first `end` bytes. */
function whole(ds: dicomParser.DataSet, tag: string, end: number): string | undefined {
  const el = ds.elements[tag];
  if (!el || el.hadUndefinedLength || el.dataOffset + el.length > end) return undefined;
  try {
    return ds.string(tag)?.trim();
  } catch {
    return undefined;
  }
}
