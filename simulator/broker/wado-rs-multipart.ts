/**
 * The body of a WADO-RS Retrieve Study answer (DICOM PS3.18 8.6.1.2 and 10.4.3.2: `multipart/
 * related; type="application/dicom"; boundary=...`, RFC 2387), one part per instance with its own
 * `Content-Type: application/dicom` (plus `transfer-syntax=` when one syntax was asked for,
 * PS3.18 8.7.3.5.2), CRLF framing (RFC 2046 §5.1.1). Built from the RAD-75 relay's parts as they
 * arrive from the community (broker/imaging-relay.ts): a part's bytes are streamed through, never
 * gathered, and the whole body is a pull stream, so the consumer's socket paces the community's
 * (backpressure; no study is held whole).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { OutgoingEntity } from '../soap/delivery.js';
import type { PartBody, StreamedPart } from '../soap/mtom-stream.js';

const CRLF = '\r\n';

/** Buffer of a file part's read stream, bytes. */
const FILE_HIGH_WATER_MARK = 256 * 1024;

/**
 * A boundary of 32 random hex characters after a fixed prefix (RFC 2046 §5.1.1: at most 70
 * characters). The parts stream, so they cannot be searched for it; the chance that DICOM bytes
 * contain it is 2^-128 per position.
 */
export function newBoundary(): string {
  return `nir-sim-wado-${randomBytes(16).toString('hex')}`;
}

/** The answer's Content-Type (PS3.18 10.4.3.2); each part names its own transfer syntax. */
export function multipartRelatedDicom(boundary: string): string {
  return `multipart/related; type="application/dicom"; boundary=${boundary}`;
}

async function* bodyOf(b: PartBody): AsyncGenerator<Buffer> {
  if (b.kind === 'buffer') {
    yield b.bytes;
    return;
  }
  const stream =
    b.kind === 'file' ? createReadStream(b.path, { highWaterMark: FILE_HIGH_WATER_MARK }) : await b.open();
  try {
    for await (const chunk of stream) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
  } finally {
    stream.destroy();
  }
}

async function* multipartChunks(
  parts: AsyncIterable<StreamedPart>,
  boundary: string,
  partContentType: string,
): AsyncGenerator<Buffer> {
  let first = true;
  for await (const part of parts) {
    const head = `${first ? '' : CRLF}--${boundary}${CRLF}Content-Type: ${partContentType}${CRLF}${CRLF}`;
    first = false;
    yield Buffer.from(head, 'latin1');
    yield* bodyOf(part.body);
  }
  yield Buffer.from(`${first ? '' : CRLF}--${boundary}--${CRLF}`, 'latin1');
}

/**
 * The answer as an entity for soap/delivery.ts `deliver` (chunked: the parts' sizes are not all
 * known before they arrive). The body stream fails, and the consumer's connection is then aborted
 * by `deliver`'s caller, when a part's stream fails (a community's connection broken midway):
 * the consumer sees an incomplete multipart body, never a wrong one.
 * @param transferSyntaxUid the syntax every part is in, when the consumer asked for one.
 */
export function wadoRsEntity(
  parts: AsyncIterable<StreamedPart>,
  boundary: string,
  transferSyntaxUid?: string,
): OutgoingEntity {
  const partContentType =
    transferSyntaxUid === undefined
      ? 'application/dicom'
      : `application/dicom; transfer-syntax=${transferSyntaxUid}`;
  return {
    contentType: multipartRelatedDicom(boundary),
    open: () => Readable.from(multipartChunks(parts, boundary, partContentType), { objectMode: false }),
  };
}
