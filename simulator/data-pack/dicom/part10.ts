/**
 * DICOM Part 10 files (DICOM PS3.10 Section 7) written and re-encoded with dcmjs. Deterministic:
 * the File Meta Information holds only what is passed here (no implementation timestamps, no
 * generated UIDs), so the same dataset always gives the same bytes.
 */
import { createRequire } from 'node:module';
import type dcmjsModule from 'dcmjs';
import type { NaturalizedDataset } from 'dcmjs';
import { NIR_SIM_IMPLEMENTATION_CLASS_UID } from '../uids.js';
import { TransferSyntax } from './dicom-uids.js';

let loaded: (typeof dcmjsModule)['data'] | undefined;

/**
 * dcmjs's data API, loaded on first use. Loading dcmjs builds its whole dictionary (about 0.3 s of
 * CPU), which every process that starts a gateway paid at start-up although only a RAD-75 retrieve
 * in another transfer syntax or pack generation uses it. Synchronous (its CommonJS build), so the
 * functions below stay synchronous.
 */
function dcmjsData(): (typeof dcmjsModule)['data'] {
  loaded ??= (createRequire(import.meta.url)('dcmjs') as typeof dcmjsModule).data;
  return loaded;
}

/** Implementation Version Name (0002,0013), at most 16 characters (SH). */
const NIR_SIM_IMPLEMENTATION_VERSION = 'NIR_SIM_1_1';

/** Transfer syntaxes {@link transcodePart10} converts between. */
const NATIVE_LITTLE_ENDIAN: ReadonlySet<string> = new Set([
  TransferSyntax.ExplicitVrLittleEndian,
  TransferSyntax.ImplicitVrLittleEndian,
]);

/**
 * A Part 10 file of `dataset`: 128-byte preamble, `DICM`, File Meta Information (group 0002:
 * version 00\01, Media Storage SOP Class / Instance UID from the dataset's SOPClassUID /
 * SOPInstanceUID, TransferSyntaxUID, nir-sim's Implementation Class UID and Version Name), then
 * the dataset encoded in `transferSyntaxUid`.
 * @param dataset naturalized (keyword keys); it must hold SOPClassUID and SOPInstanceUID.
 * @throws TypeError when SOPClassUID or SOPInstanceUID is missing.
 */
export function writePart10(
  dataset: NaturalizedDataset,
  transferSyntaxUid: string = TransferSyntax.ExplicitVrLittleEndian,
): Buffer {
  const sopClass = dataset['SOPClassUID'];
  const sopInstance = dataset['SOPInstanceUID'];
  if (typeof sopClass !== 'string' || typeof sopInstance !== 'string')
    throw new TypeError('writePart10: the dataset needs SOPClassUID and SOPInstanceUID');
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: sopInstance,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: NIR_SIM_IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: NIR_SIM_IMPLEMENTATION_VERSION,
  };
  const { DicomDict, DicomMetaDictionary } = dcmjsData();
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(dict.write());
}

/**
 * Re-encode a native (uncompressed) little-endian Part 10 file in another native little-endian
 * transfer syntax: Explicit VR Little Endian <-> Implicit VR Little Endian (DICOM PS3.5 A.1, A.2).
 * Values are unchanged; only element headers differ. Returns `bytes` itself when already in `to`.
 * @throws RangeError when the file or `to` is not one of those two transfer syntaxes.
 */
export function transcodePart10(bytes: Buffer, to: string): Buffer {
  if (!NATIVE_LITTLE_ENDIAN.has(to)) throw new RangeError(`cannot encode in transfer syntax ${to}`);
  const dict = dcmjsData().DicomMessage.readFile(arrayBufferOf(bytes));
  const ts = dict.meta['00020010'];
  const from = ts?.Value?.[0];
  if (typeof from !== 'string' || !NATIVE_LITTLE_ENDIAN.has(from))
    throw new RangeError(`cannot re-encode a file in transfer syntax ${String(from)}`);
  if (from === to) return bytes;
  ts!.Value = [to];
  return Buffer.from(dict.write());
}

/** An ArrayBuffer holding exactly `b`'s bytes (a Buffer may be a view on a larger pool). */
function arrayBufferOf(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
