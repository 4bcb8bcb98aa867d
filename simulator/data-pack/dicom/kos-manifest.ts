/**
 * The XDS-I.b imaging manifest of a study: a DICOM Key Object Selection Document (DICOM PS3.3
 * A.35.4; SR template TID 2010 "Key Object Selection") titled (113030, DCM, "Manifest") that
 * references every image of the study (IHE RAD TF-3 4.68.4.1.2.3; ihe-xca.md section 9).
 *
 * Current Requested Procedure Evidence Sequence (0040,A375): one item for the study, one
 * Referenced Series item per series with Retrieve Location UID (0040,E011) = the community's
 * repositoryUniqueId (the RAD-75 RepositoryUniqueId), and an XDS Retrieval Sequence (0040,E024)
 * item carrying Repository Unique ID (0040,E030) and Home Community ID (0040,E031, the OID
 * without `urn:oid:`, VR UI), so a consumer can address RAD-75 from the manifest alone.
 */
import type { NaturalizedDataset } from 'dcmjs';
import type { CommunityManifest } from '../pack-format.js';
import type { Study } from '../studies.js';
import { SopClass } from './dicom-uids.js';
import { writePart10 } from './part10.js';
import { dicomDateTime, studyAttributes } from './study-attributes.js';

/** An image the manifest references. */
interface ManifestImage {
  sopClassUid: string;
  sopInstanceUid: string;
}

/** A series of referenced images. */
interface ManifestSeries {
  seriesInstanceUid: string;
  images: ManifestImage[];
}

/** The manifest's own identity. */
interface ManifestIds {
  /** SOP Instance UID of the KOS (also the DocumentEntry uniqueId). */
  sopInstanceUid: string;
  /** Series Instance UID of the KOS series (Modality KO). */
  seriesInstanceUid: string;
}

/** Code (113030, DCM, "Manifest"): the Key Object Selection title of XDS-I.b manifests. */
const MANIFEST_TITLE: NaturalizedDataset = {
  CodeValue: '113030',
  CodingSchemeDesignator: 'DCM',
  CodeMeaning: 'Manifest',
};

function referencedSop(i: ManifestImage): NaturalizedDataset {
  return { ReferencedSOPClassUID: i.sopClassUid, ReferencedSOPInstanceUID: i.sopInstanceUid };
}

/** Current Requested Procedure Evidence Sequence: study -> series (with retrieve location) -> images. */
function evidence(
  study: Study,
  community: CommunityManifest,
  series: ManifestSeries[],
): NaturalizedDataset[] {
  const home = community.homeCommunityId.replace(/^urn:oid:/, '');
  return [
    {
      StudyInstanceUID: study.studyInstanceUid,
      ReferencedSeriesSequence: series.map((s) => ({
        SeriesInstanceUID: s.seriesInstanceUid,
        RetrieveLocationUID: community.repositoryUniqueId,
        XDSRetrievalSequence: [{ RepositoryUniqueID: community.repositoryUniqueId, HomeCommunityID: home }],
        ReferencedSOPSequence: s.images.map(referencedSop),
      })),
    },
  ];
}

/**
 * The KOS manifest of `study` as Part 10 bytes (Explicit VR Little Endian): Patient and General
 * Study modules as the images have them, Key Object Document Series (Modality KO, series number
 * 999), Key Object Document (instance 1, content date/time = the study's end), SR Document Content
 * (CONTAINER titled Manifest, continuity SEPARATE, template DCMR 2010, one IMAGE item per image
 * with relationship CONTAINS) and the evidence sequence described above. Deterministic.
 */
export function kosManifest(
  study: Study,
  community: CommunityManifest,
  ids: ManifestIds,
  series: ManifestSeries[],
): Buffer {
  const { date, time } = dicomDateTime(study.stopMs);
  const dataset: NaturalizedDataset = {
    ...studyAttributes(study, community),
    SOPClassUID: SopClass.KeyObjectSelectionDocument,
    SOPInstanceUID: ids.sopInstanceUid,
    Modality: 'KO',
    SeriesInstanceUID: ids.seriesInstanceUid,
    SeriesNumber: '999',
    ReferencedPerformedProcedureStepSequence: [],
    InstanceNumber: '1',
    ContentDate: date,
    ContentTime: time,
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [MANIFEST_TITLE],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '2010' }],
    CurrentRequestedProcedureEvidenceSequence: evidence(study, community, series),
    ContentSequence: series.flatMap((s) =>
      s.images.map((i) => ({
        RelationshipType: 'CONTAINS',
        ValueType: 'IMAGE',
        ReferencedSOPSequence: [referencedSop(i)],
      })),
    ),
  };
  return writePart10(dataset);
}
