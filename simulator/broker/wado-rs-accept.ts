/**
 * The Accept header of a WADO-RS Retrieve Study (DICOM PS3.18 10.4.1.1.3 and 8.7.3: instances are
 * `multipart/related; type="application/dicom"`, the `transfer-syntax` parameter naming the
 * Transfer Syntax UID wanted, `*` for any; absent, Explicit VR Little Endian
 * 1.2.840.10008.1.2.1, PS3.18 8.7.3.5.2). Which transfer syntaxes the broker then asks its
 * community for in RAD-75 (RAD TF-3 4.75.4.1.2: TransferSyntaxUIDList, in order of preference).
 * Pure.
 */
import { isOid } from '../shared/ids.js';
import { parseContentType } from '../soap/content-type.js';

/** Explicit VR Little Endian (DICOM PS3.5 A.2): the default transfer syntax of PS3.18 8.7.3.5.2. */
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/**
 * What `transfer-syntax=*` asks for, in order of preference: the uncompressed syntaxes every DICOM
 * application supports (PS3.5 A.1, A.2), then the lossless compressed ones a community may hold
 * (PS3.5 A.4: JPEG Lossless SV1, JPEG-LS Lossless, JPEG 2000 Lossless; A.5 RLE; A.5 Deflated).
 */
export const ANY_TRANSFER_SYNTAX: readonly string[] = [
  EXPLICIT_VR_LITTLE_ENDIAN,
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.5',
  '1.2.840.10008.1.2.1.99',
];

/** Longest Accept header read, characters, and most media ranges. */
const MAX_ACCEPT_CHARS = 2048;
const MAX_RANGES = 32;

/** The parts the consumer accepts. */
export interface AcceptedDicom {
  /** RAD-75 TransferSyntaxUIDList, in order of preference. */
  transferSyntaxUids: string[];
  /** The transfer syntax every part is in when only one was asked (each part's Content-Type says it). */
  partTransferSyntax?: string;
}

/** Split a header on the commas outside quoted strings (RFC 9110 §5.6.1, §5.6.4). */
function splitRanges(header: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!;
    if (quoted && c === '\\') {
      cur += c + (header[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * The DICOM parts the Accept header asks for, or why none can be given (the 406 diagnostics).
 * A range is usable when it is `*\/*`, `multipart/*` or `multipart/related`, with `type` absent
 * or `application/dicom` (PS3.18 8.7.3.1: absent means the default for the resource), q > 0; the
 * highest q wins, the first on a tie (RFC 9110 §12.5.1). `transfer-syntax` absent: Explicit VR
 * Little Endian; `*`: ANY_TRANSFER_SYNTAX; a UID: that one only. No Accept header: the default.
 */
export function readDicomAccept(header: string | undefined): AcceptedDicom | { notAcceptable: string } {
  const explain = `send Accept: multipart/related; type="application/dicom" (optionally ; transfer-syntax=<Transfer Syntax UID> or *; default ${EXPLICIT_VR_LITTLE_ENDIAN}, Explicit VR Little Endian)`;
  if (header === undefined || header.trim() === '')
    return { transferSyntaxUids: [EXPLICIT_VR_LITTLE_ENDIAN], partTransferSyntax: EXPLICIT_VR_LITTLE_ENDIAN };
  if (header.length > MAX_ACCEPT_CHARS)
    return { notAcceptable: `the Accept header is longer than ${MAX_ACCEPT_CHARS} characters: ${explain}` };
  const ranges = splitRanges(header);
  if (ranges.length > MAX_RANGES)
    return { notAcceptable: `the Accept header has more than ${MAX_RANGES} media ranges: ${explain}` };
  let best: { q: number; ts: string | undefined } | undefined;
  let badSyntax: string | undefined;
  for (const r of ranges) {
    const ct = parseContentType(r);
    const q = Number(ct.params.get('q') ?? '1');
    if (!Number.isFinite(q) || q <= 0 || q > 1) continue;
    const m = ct.mediaType;
    if (m !== '*/*' && m !== 'multipart/*' && m !== 'multipart/related') continue;
    const type = ct.params.get('type')?.toLowerCase();
    if (type !== undefined && type !== 'application/dicom') continue;
    const ts = ct.params.get('transfer-syntax');
    if (ts !== undefined && ts !== '*' && !isOid(ts)) {
      badSyntax = ts;
      continue;
    }
    if (!best || q > best.q) best = { q, ts };
  }
  if (!best) {
    return {
      notAcceptable:
        badSyntax !== undefined
          ? `transfer-syntax '${badSyntax.slice(0, 80)}' is not a Transfer Syntax UID: ${explain}`
          : `the Accept header '${header.slice(0, 200)}' names no media type a WADO-RS Retrieve Study can answer: ${explain}`,
    };
  }
  if (best.ts === '*') return { transferSyntaxUids: [...ANY_TRANSFER_SYNTAX] };
  const ts = best.ts ?? EXPLICIT_VR_LITTLE_ENDIAN;
  return { transferSyntaxUids: [ts], partTransferSyntax: ts };
}
