/**
 * DICOM UIDs nir-sim uses (DICOM PS3.6 Annex A, Registry of DICOM Unique Identifiers), as
 * `as const` objects with same-named types.
 */

/** Transfer syntaxes (DICOM PS3.5 Section 10, PS3.6 Table A-1). */
export const TransferSyntax = {
  /** Implicit VR Little Endian, the DICOM default transfer syntax. */
  ImplicitVrLittleEndian: '1.2.840.10008.1.2',
  /** Explicit VR Little Endian: how the data packs store every file. */
  ExplicitVrLittleEndian: '1.2.840.10008.1.2.1',
  /** JPEG Baseline (Process 1), named in the NIST RAD-75 tests. */
  JpegBaseline: '1.2.840.10008.1.2.4.50',
  /** JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 SV1). */
  JpegLossless: '1.2.840.10008.1.2.4.70',
} as const;
export type TransferSyntax = (typeof TransferSyntax)[keyof typeof TransferSyntax];

/** Human names of the transfer syntaxes a gateway can serve, for RegistryError texts. */
export const SERVED_TRANSFER_SYNTAXES: ReadonlyMap<string, string> = new Map([
  [TransferSyntax.ExplicitVrLittleEndian, 'Explicit VR Little Endian'],
  [TransferSyntax.ImplicitVrLittleEndian, 'Implicit VR Little Endian'],
]);

/** Storage SOP Classes (DICOM PS3.4 Table B.5-1). */
export const SopClass = {
  /** Secondary Capture Image Storage (single frame; DICOM PS3.3 A.8.1). */
  SecondaryCaptureImage: '1.2.840.10008.5.1.4.1.1.7',
  /** Multi-frame Grayscale Word Secondary Capture Image Storage (DICOM PS3.3 A.8.4). */
  MultiFrameGrayscaleWordSecondaryCaptureImage: '1.2.840.10008.5.1.4.1.1.7.3',
  /** Key Object Selection Document Storage: the XDS-I.b imaging manifest (DICOM PS3.3 A.35.4). */
  KeyObjectSelectionDocument: '1.2.840.10008.5.1.4.1.1.88.59',
} as const;
export type SopClass = (typeof SopClass)[keyof typeof SopClass];

/** Coding scheme of DICOM UIDs used as codes, e.g. a SOP Class UID as a formatCode (DICOM PS3.6 A). */
export const DICOM_UID_REGISTRY_SCHEME = '1.2.840.10008.2.6.1';
