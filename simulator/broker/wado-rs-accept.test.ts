/**
 * The Accept header of a WADO-RS Retrieve Study (broker/wado-rs-accept.ts; DICOM PS3.18 8.7.3).
 */
import { describe, expect, it } from 'vitest';
import {
  ANY_TRANSFER_SYNTAX,
  EXPLICIT_VR_LITTLE_ENDIAN as EXPLICIT,
  readDicomAccept,
} from './wado-rs-accept.js';

const DICOM = 'multipart/related; type="application/dicom"';
const IMPLICIT = '1.2.840.10008.1.2';
const HINT = `send Accept: multipart/related; type="application/dicom" (optionally ; transfer-syntax=<Transfer Syntax UID> or *; default ${EXPLICIT}, Explicit VR Little Endian)`;

describe('readDicomAccept', () => {
  it.each([
    [undefined, [EXPLICIT], EXPLICIT],
    ['', [EXPLICIT], EXPLICIT],
    ['*/*', [EXPLICIT], EXPLICIT],
    ['multipart/*', [EXPLICIT], EXPLICIT],
    ['multipart/related', [EXPLICIT], EXPLICIT],
    [DICOM, [EXPLICIT], EXPLICIT],
    ['Multipart/Related; Type=application/DICOM', [EXPLICIT], EXPLICIT],
    [`${DICOM}; transfer-syntax=${IMPLICIT}`, [IMPLICIT], IMPLICIT],
    [`${DICOM}; transfer-syntax="${IMPLICIT}"`, [IMPLICIT], IMPLICIT],
    [
      `${DICOM}; transfer-syntax=${IMPLICIT}; q=0.5, ${DICOM}; transfer-syntax=${EXPLICIT}`,
      [EXPLICIT],
      EXPLICIT,
    ],
    [`${DICOM}; transfer-syntax=${IMPLICIT}, ${DICOM}; transfer-syntax=${EXPLICIT}`, [IMPLICIT], IMPLICIT],
    [`application/json, ${DICOM}; transfer-syntax=*`, [...ANY_TRANSFER_SYNTAX], undefined],
    [`${DICOM}; q=0, */*; q=0.1`, [EXPLICIT], EXPLICIT],
  ])('%s -> %j in parts of %s', (header, transferSyntaxUids, partTransferSyntax) => {
    expect(readDicomAccept(header)).toEqual({
      transferSyntaxUids,
      ...(partTransferSyntax !== undefined ? { partTransferSyntax } : {}),
    });
  });

  it.each([
    [
      'application/dicom',
      `the Accept header 'application/dicom' names no media type a WADO-RS Retrieve Study can answer: ${HINT}`,
    ],
    [
      'multipart/related; type="application/octet-stream"',
      `the Accept header 'multipart/related; type="application/octet-stream"' names no media type a WADO-RS Retrieve Study can answer: ${HINT}`,
    ],
    [
      `${DICOM}; q=0`,
      `the Accept header '${DICOM}; q=0' names no media type a WADO-RS Retrieve Study can answer: ${HINT}`,
    ],
    [`${DICOM}; transfer-syntax=jpeg`, `transfer-syntax 'jpeg' is not a Transfer Syntax UID: ${HINT}`],
    ['a/b,'.repeat(700), `the Accept header is longer than 2048 characters: ${HINT}`],
    ['a/b,'.repeat(40), `the Accept header has more than 32 media ranges: ${HINT}`],
  ])('%s is not acceptable', (header, notAcceptable) => {
    expect(readDicomAccept(header)).toEqual({ notAcceptable });
  });
});
