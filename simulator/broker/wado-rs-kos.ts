/**
 * Reading an XDS-I.b imaging manifest, a DICOM Key Object Selection Document (DICOM PS3.3 A.35.4;
 * IHE RAD TF-3 4.68.4.1.2.3), for the images of one study: its Current Requested Procedure
 * Evidence Sequence (0040,A375) -> per study (Study Instance UID 0020,000D) the Referenced Series
 * Sequence (0008,1115) -> per series (Series Instance UID 0020,000E) the Retrieve Location UID
 * (0040,E011, the RAD-75 RepositoryUniqueId), the XDS Retrieval Sequence's (0040,E024) Home
 * Community ID (0040,E031) and Repository Unique ID (0040,E030) when present, and the
 * Referenced SOP Sequence (0008,1199) -> Referenced SOP Class / Instance UIDs (0008,1150 / 1155).
 * Parsed with dicom-parser, bounded in bytes, series and images: the manifest comes from a
 * community the broker does not control.
 */
import dicomParser from 'dicom-parser';
import { isOid } from '../shared/ids.js';
import { MAX_IMAGING_DOCUMENT_REQUESTS, MAX_IMAGING_SERIES } from '../xca/retrieve-imaging-document-set.js';

/** SOP Class UID of Key Object Selection Document Storage (DICOM PS3.4 B.5). */
export const KOS_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.88.59';

/** Largest manifest read, bytes (a KOS of MAX_IMAGING_DOCUMENT_REQUESTS images is about 4 MiB). */
export const MAX_KOS_BYTES = 16 * 1024 * 1024;

/** One series of the study, as the manifest references it. */
export interface KosSeries {
  seriesInstanceUid: string;
  /** Where to retrieve it: Repository Unique ID (0040,E030), else Retrieve Location UID (0040,E011). */
  repositoryUniqueId: string;
  /** Home Community ID (0040,E031) as `urn:oid:...`, when the manifest carries one. */
  homeCommunityId?: string;
  /** Referenced SOP Instance UIDs, in manifest order. */
  sopInstanceUids: string[];
}

/** A manifest the broker cannot use (not a KOS, too large, malformed): the community's fault. */
export class KosManifestError extends Error {
  override readonly name = 'KosManifestError';
}

/**
 * The series and images the manifest `bytes` references for `studyInstanceUid` (other studies of
 * the manifest are left out; a series referenced twice is merged).
 * @param limits most series and images read (default the RAD-75 request bounds,
 *   MAX_IMAGING_SERIES and MAX_IMAGING_DOCUMENT_REQUESTS: the images become one RAD-75 request).
 * @throws KosManifestError when the bytes are over MAX_KOS_BYTES, not DICOM Part 10, not a KOS
 *   (SOP Class UID 0008,0016), or reference more series or images than `limits`, or a series
 *   without a valid Series Instance UID or retrieve location.
 */
export function readKosManifest(
  bytes: Buffer,
  studyInstanceUid: string,
  limits: { maxSeries: number; maxImages: number } = {
    maxSeries: MAX_IMAGING_SERIES,
    maxImages: MAX_IMAGING_DOCUMENT_REQUESTS,
  },
): KosSeries[] {
  if (bytes.length > MAX_KOS_BYTES)
    throw new KosManifestError(`the manifest is ${bytes.length} bytes, more than the ${MAX_KOS_BYTES} read`);
  let ds: dicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    const why = err instanceof Error ? err.message : typeof err === 'string' ? err : 'unreadable';
    throw new KosManifestError(`the manifest is not DICOM Part 10: ${why}`);
  }
  const sopClass = ds.string('x00080016');
  if (sopClass !== KOS_SOP_CLASS)
    throw new KosManifestError(
      `the manifest's SOP Class UID is ${sopClass ?? 'absent'}, not ${KOS_SOP_CLASS} (Key Object Selection)`,
    );
  const bySeries = new Map<string, KosSeries>();
  let images = 0;
  for (const study of ds.elements['x0040a375']?.items ?? []) {
    const st = study.dataSet;
    if (!st || st.string('x0020000d') !== studyInstanceUid) continue;
    for (const series of st.elements['x00081115']?.items ?? []) {
      const se = series.dataSet;
      if (!se) continue;
      const seriesUid = se.string('x0020000e') ?? '';
      const xds = se.elements['x0040e024']?.items?.[0]?.dataSet;
      const repository = xds?.string('x0040e030') ?? se.string('x0040e011') ?? '';
      const home = xds?.string('x0040e031');
      if (!isOid(seriesUid) || !isOid(repository))
        throw new KosManifestError(
          `a Referenced Series of study ${studyInstanceUid} has no valid Series Instance UID or Retrieve Location UID`,
        );
      let s = bySeries.get(seriesUid);
      if (!s) {
        if (bySeries.size >= limits.maxSeries)
          throw new KosManifestError(`the manifest references more than ${limits.maxSeries} series`);
        s = {
          seriesInstanceUid: seriesUid,
          repositoryUniqueId: repository,
          ...(home !== undefined && isOid(home) ? { homeCommunityId: `urn:oid:${home}` } : {}),
          sopInstanceUids: [],
        };
        bySeries.set(seriesUid, s);
      }
      for (const sop of se.elements['x00081199']?.items ?? []) {
        const uid = sop.dataSet?.string('x00081155');
        if (uid === undefined || !isOid(uid)) continue;
        if (++images > limits.maxImages)
          throw new KosManifestError(`the manifest references more than ${limits.maxImages} images`);
        s.sopInstanceUids.push(uid);
      }
    }
  }
  return [...bySeries.values()].filter((s) => s.sopInstanceUids.length > 0);
}
