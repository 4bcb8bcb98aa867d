/**
 * Local type declarations for the part of dcmjs 0.51 (https://github.com/dcmjs-org/dcmjs) that
 * nir-sim uses: writing and reading DICOM Part 10 files (DICOM PS3.10). dcmjs ships no types and
 * there is no `@types/dcmjs`; 0.51 is the last release that runs on Node 20
 * (../shared/research/npm-stack.md section 6).
 */
declare module 'dcmjs' {
  /** One element of a denaturalized dataset, keyed by its tag as 8 hex digits (`00100020`). */
  export interface DicomElement {
    vr: string;
    Value?: unknown[];
  }

  /** A dataset keyed by tag (`00100020`), as DicomDict holds it. */
  export type DenaturalizedDataset = Record<string, DicomElement>;

  /**
   * A dataset keyed by DICOM keyword (`PatientID`): strings, numbers, arrays for multiple values,
   * arrays of datasets for sequences, `[ArrayBuffer]` for OB/OW, `[{ Alphabetic }]` for PN.
   * `_vrMap` names the VR of elements whose VR the dictionary leaves open (`PixelData: 'OW'`).
   */
  export interface NaturalizedDataset {
    _vrMap?: Record<string, string>;
    [keyword: string]: unknown;
  }

  /** A Part 10 file: the File Meta Information (group 0002) and the dataset. */
  export class DicomDict {
    constructor(meta: DenaturalizedDataset);
    meta: DenaturalizedDataset;
    dict: DenaturalizedDataset;
    /** The whole file (preamble, `DICM`, meta, dataset) in the meta's TransferSyntaxUID. */
    write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
  }

  /** Conversions between keyword and tag keyed datasets. */
  export interface DicomMetaDictionaryStatic {
    denaturalizeDataset(dataset: NaturalizedDataset): DenaturalizedDataset;
    naturalizeDataset(dataset: DenaturalizedDataset): NaturalizedDataset;
  }

  /** Reading Part 10 files. */
  export interface DicomMessageStatic {
    /** @throws Error when the bytes are not a Part 10 file dcmjs can read. */
    readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string }): DicomDict;
  }

  const dcmjs: {
    data: {
      DicomDict: typeof DicomDict;
      DicomMetaDictionary: DicomMetaDictionaryStatic;
      DicomMessage: DicomMessageStatic;
    };
  };
  export default dcmjs;
}
