/**
 * The DocumentEntry of a study's KOS manifest, registered beside the study's report (XDS-I.b:
 * IHE RAD TF-3 4.68.4.1.2.3; example ../shared/reference/examples/imaging-manifest-KOS/; ihe-xca.md
 * section 9): mimeType application/dicom, formatCode = the KOS SOP Class UID in the DICOM UID
 * registry scheme, uniqueId = the KOS SOP Instance UID, eventCodeList = the modality,
 * referenceIdList = accession number and Study Instance UID.
 */
import type { Coded, DocumentEntry } from '../../xca/document-entry-model.js';
import { CodingScheme } from '../codes.js';
import { toDtm } from '../dtm.js';
import type { CommunityManifest } from '../pack-format.js';
import type { Study } from '../studies.js';
import { authorInstitution, baseDocumentEntry } from '../study-entry.js';
import { DICOM_UID_REGISTRY_SCHEME, SopClass } from './dicom-uids.js';

/** formatCode of a KOS manifest: its SOP Class UID, scheme 1.2.840.10008.2.6.1 (IHE RAD TF-3 Table 4.68.4.1.2.3-1). */
const KOS_MANIFEST_FORMAT: Coded = {
  code: SopClass.KeyObjectSelectionDocument,
  codingScheme: DICOM_UID_REGISTRY_SCHEME,
  displayName: 'Key Object Selection Document',
};

/**
 * classCode of a manifest: SNOMED CT 721981007 "Diagnostic studies report", the NIR
 * implementation guide's category code for imaging studies beside 4201000179104 "Imaging report"
 * (nhs-nir.md section 2.4), so a consumer can tell manifests from reports by class as well as format.
 */
const IMAGING_STUDY_CLASS: Coded = {
  code: '721981007',
  codingScheme: CodingScheme.snomedCt,
  displayName: 'Diagnostic studies report',
};

/** `CT Head images`. */
function manifestTitle(study: Study): string {
  return `${study.modality} ${study.exam.bodyPartLabel} images`;
}

/**
 * The DocumentEntry describing `kos`, the manifest of `study` held by `community`, with `images`
 * images in `series` series. entryUUID is derived from the homeCommunityId and uniqueId; size is
 * in bytes and hash the SHA-1 of `kos`, lower-case hex; creationTime is the study's end (when the
 * manifest was made), serviceStart/StopTime the study's start and end; author the institution.
 */
export function manifestEntry(
  study: Study,
  community: CommunityManifest,
  uniqueId: string,
  kos: Buffer,
  counts: { series: number; images: number },
): DocumentEntry {
  return baseDocumentEntry(study, community, uniqueId, kos, {
    title: manifestTitle(study),
    comments: `Imaging manifest (DICOM KOS) of ${study.exam.procedure.displayName}: ${counts.series} series, ${counts.images} images`,
    classCode: IMAGING_STUDY_CLASS,
    formatCode: KOS_MANIFEST_FORMAT,
    author: [{ authorInstitution: [authorInstitution(community)] }],
    creationTime: toDtm(study.stopMs),
    mimeType: 'application/dicom',
  });
}
