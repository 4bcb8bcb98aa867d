/**
 * One synthetic image as a DICOM Part 10 file: a Secondary Capture Image (DICOM PS3.3 A.8.1) or,
 * with more than one frame, a Multi-frame Grayscale Word Secondary Capture Image (A.8.4), with the
 * Patient, General Study, General Series, SC Equipment, General Image, Image Pixel and SOP Common
 * modules. Secondary Capture keeps the mandatory attributes few whatever the modality (a CT or MR
 * Image IOD would need acquisition geometry the simulator does not have).
 */
import type { NaturalizedDataset } from 'dcmjs';
import type { CommunityManifest } from '../pack-format.js';
import type { Study } from '../studies.js';
import { SopClass } from './dicom-uids.js';
import { writePart10 } from './part10.js';
import { syntheticPixels, type ImageSize } from './pixels.js';
import { dicomDateTime, studyAttributes } from './study-attributes.js';

/** Where one image sits in its study. */
interface ImagePosition {
  /** Series Instance UID (0020,000E). */
  seriesInstanceUid: string;
  /** Series Number (0020,0011), 1-based. */
  seriesNumber: number;
  /** SOP Instance UID (0008,0018). */
  sopInstanceUid: string;
  /** Instance Number (0020,0013) within the series, 1-based. */
  instanceNumber: number;
  /** 1-based counter across the study; varies the pixel pattern. */
  imageNumber: number;
}

/**
 * Body Part Examined (0018,0015) defined terms of paired structures (DICOM PS3.16 Annex L, column
 * "Paired"), among those the generator uses (codes.ts EXAMS).
 */
const PAIRED_BODY_PARTS: ReadonlySet<string> = new Set(['BREAST']);

/**
 * Laterality (0020,0060) of the General Series module (DICOM PS3.3 C.7.3.1): Type 2C, required for
 * a paired body part when Image Laterality (0020,0062) is absent, which it always is in Secondary
 * Capture; enumerated values R and L, and empty only when actually unknown (dciodvfy warns
 * otherwise). The simulator images each side of a paired part in its own series: odd series
 * numbers are the right side, even the left, so a study of two or more series covers both.
 */
function lateralityAttribute(bodyPartExamined: string, seriesNumber: number): NaturalizedDataset {
  if (!PAIRED_BODY_PARTS.has(bodyPartExamined)) return {};
  return { Laterality: seriesNumber % 2 === 1 ? 'R' : 'L' };
}

/** The SOP Class of an image with `frames` frames. */
export function imageSopClass(frames: number): string {
  return frames > 1 ? SopClass.MultiFrameGrayscaleWordSecondaryCaptureImage : SopClass.SecondaryCaptureImage;
}

/**
 * The Multi-frame Grayscale Word SC Image IOD's own attributes: Multi-frame (PS3.3 C.7.6.6) and
 * Cine (C.7.6.5) timing, and the SC Multi-frame Image module (C.8.6.3), whose Burned In Annotation is
 * Type 1 and, for MONOCHROME2 pixels, Presentation LUT Shape and the rescale triple Type 1C: the
 * stored values are the presented values (IDENTITY, slope 1, intercept 0, unspecified units "US").
 */
function multiFrameAttributes(frames: number): NaturalizedDataset {
  return {
    NumberOfFrames: String(frames),
    FrameIncrementPointer: 0x00181063,
    FrameTime: '100',
    BurnedInAnnotation: 'NO',
    PresentationLUTShape: 'IDENTITY',
    RescaleIntercept: '0',
    RescaleSlope: '1',
    RescaleType: 'US',
  };
}

/** The modules below the study level: series, equipment, image and pixel description. */
function imageAttributes(study: Study, at: ImagePosition, size: ImageSize): NaturalizedDataset {
  const { date, time } = dicomDateTime(study.startMs + (at.seriesNumber - 1) * 60_000);
  const multiFrame = size.frames > 1;
  return {
    SOPClassUID: imageSopClass(size.frames),
    SOPInstanceUID: at.sopInstanceUid,
    Modality: study.modality,
    SeriesInstanceUID: at.seriesInstanceUid,
    SeriesNumber: String(at.seriesNumber),
    SeriesDate: date,
    SeriesTime: time,
    SeriesDescription: `${study.exam.bodyPartLabel} series ${at.seriesNumber}`,
    ...lateralityAttribute(study.exam.bodyPartExamined, at.seriesNumber),
    BodyPartExamined: study.exam.bodyPartExamined,
    ConversionType: 'WSD',
    InstanceNumber: String(at.instanceNumber),
    ContentDate: date,
    ContentTime: time,
    ImageType: ['DERIVED', 'SECONDARY'],
    PatientOrientation: '',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: size.rows,
    Columns: size.columns,
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    ...(multiFrame ? multiFrameAttributes(size.frames) : {}),
  };
}

/**
 * The Part 10 bytes (Explicit VR Little Endian) of image `at` of `study`: 16 bits allocated,
 * 12 stored, MONOCHROME2, synthetic pixels (pixels.ts). Deterministic.
 * @returns about `rows * columns * frames * 2` bytes plus 1 KB of attributes.
 */
export function imageInstance(
  study: Study,
  community: CommunityManifest,
  at: ImagePosition,
  size: ImageSize,
): Buffer {
  const pixels = syntheticPixels(size, at.imageNumber);
  const dataset: NaturalizedDataset = {
    ...studyAttributes(study, community),
    ...imageAttributes(study, at, size),
    _vrMap: { PixelData: 'OW' },
    PixelData: [pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength)],
  };
  return writePart10(dataset);
}
