/**
 * Every OID and DICOM UID a generated pack uses, derived from one root and counters, so the same
 * inputs always give the same ids (ISO/IEC 8824 OIDs; DICOM PS3.5 9.1 UID rules: digits and dots,
 * no leading zeros, at most 64 characters).
 *
 * Layout under the root R (all counters start at 1):
 *   R.1.<c>        homeCommunityId of community c (as `urn:oid:R.1.<c>`)
 *   R.2.<c>        repositoryUniqueId of community c
 *   R.3.<c>        organisation OID of community c (assigning authority of its accession numbers)
 *   R.4.<c>.<n>    uniqueId of the n-th report document of community c
 *   R.5.<c>.<n>    Study Instance UID of the n-th study of community c
 *   R.6.<c>.<n>.<s>  Series Instance UID of series s of that study (imaging packs)
 *   R.7.<c>.<n>.<k>  SOP Instance UID of the k-th image of that study, counted across its series
 *   R.8.<c>.<n>    SOP Instance UID of the study's KOS manifest, also its DocumentEntry uniqueId
 *   R.9.<c>.<n>    Series Instance UID of the KOS manifest's series
 *
 * Images are counted across the study (not per series) so the longest UID stays short: with the
 * 44-character default root, 200 communities, 400 000 studies and 99 999 images per study it is 63
 * characters. The generator refuses options whose longest UID would exceed 64.
 */
import {
  homeCommunityIdFromOid,
  isOid,
  type DocumentUniqueId,
  type HomeCommunityId,
  type RepositoryUniqueId,
} from '../shared/ids.js';

/**
 * nir-sim's UID root: a UUID-derived OID under the joint-iso-itu-t arc 2.25 (ITU-T X.667 /
 * ISO/IEC 9834-8; DICOM PS3.5 B.2), which anyone may use without registration because the UUID
 * makes it unique. Fixed (UUID 6c1f0b8e-4a3d-4f7e-9b2a-5d8c1e3f7a90) so packs are stable and every
 * generated id is recognisably nir-sim's. It is 44 characters, which leaves room for the arcs below
 * within the 64-character limits of OIDs and DICOM UIDs. pack.json records the root a pack used
 * (`uidRoot`) and `generateDataPack` accepts another one.
 */
export const NIR_SIM_UID_ROOT = '2.25.143717819127266221728204988935439350416';

/** Branch numbers under the root. */
const Branch = {
  community: 1,
  repository: 2,
  organisation: 3,
  document: 4,
  study: 5,
  series: 6,
  instance: 7,
  manifest: 8,
  manifestSeries: 9,
} as const;

/**
 * The DICOM Implementation Class UID (0002,0012) nir-sim writes into every Part 10 file
 * (DICOM PS3.10 7.1): fixed under nir-sim's own root, whatever root a pack uses.
 */
export const NIR_SIM_IMPLEMENTATION_CLASS_UID = `${NIR_SIM_UID_ROOT}.10.1`;

/** Join arcs and check the result is a valid OID within 64 characters. */
function oid(root: string, ...arcs: number[]): string {
  for (const a of arcs) {
    if (!Number.isSafeInteger(a) || a < 1)
      throw new RangeError(`OID arc must be a positive integer, got ${a}`);
  }
  const value = [root, ...arcs].join('.');
  if (!isOid(value)) throw new RangeError(`not a valid OID of at most 64 characters: ${value}`);
  return value;
}

/**
 * The OIDs of community `c` (1-based).
 * @throws RangeError when `c` is not a positive integer or the result would exceed 64 characters.
 */
export function communityOids(
  root: string,
  c: number,
): { homeCommunityId: HomeCommunityId; repositoryUniqueId: RepositoryUniqueId; organisationOid: string } {
  return {
    homeCommunityId: homeCommunityIdFromOid(oid(root, Branch.community, c)),
    repositoryUniqueId: oid(root, Branch.repository, c) as RepositoryUniqueId,
    organisationOid: oid(root, Branch.organisation, c),
  };
}

/**
 * The uniqueId (OID) of the `n`-th document (1-based) of community `c` (ITI TF-3 4.2.3.2.26).
 * @throws RangeError as {@link communityOids}.
 */
export function documentUniqueId(root: string, c: number, n: number): DocumentUniqueId {
  return oid(root, Branch.document, c, n) as DocumentUniqueId;
}

/**
 * The Study Instance UID (0020,000D) of the `n`-th study (1-based) of community c (DICOM PS3.3 C.7.2.1).
 * @throws RangeError as {@link communityOids}.
 */
export function studyInstanceUid(root: string, c: number, n: number): string {
  return oid(root, Branch.study, c, n);
}

/**
 * The Series Instance UID (0020,000E) of series `s` (1-based) of study `n` of community `c`
 * (DICOM PS3.3 C.7.3.1).
 * @throws RangeError as {@link communityOids}.
 */
export function seriesInstanceUid(root: string, c: number, n: number, s: number): string {
  return oid(root, Branch.series, c, n, s);
}

/**
 * The SOP Instance UID (0008,0018) of image `k` (1-based, counted across the study's series) of
 * study `n` of community `c` (DICOM PS3.3 C.12.1). It is the DocumentUniqueId of a RAD-75 request.
 * @throws RangeError as {@link communityOids}.
 */
export function sopInstanceUid(root: string, c: number, n: number, k: number): string {
  return oid(root, Branch.instance, c, n, k);
}

/**
 * The SOP Instance UID of the KOS manifest of study `n` of community `c`; it is also the
 * manifest DocumentEntry's uniqueId (IHE RAD TF-3 4.68.4.1.2.3: uniqueId = KOS SOP Instance UID).
 * @throws RangeError as {@link communityOids}.
 */
export function manifestUid(root: string, c: number, n: number): DocumentUniqueId {
  return oid(root, Branch.manifest, c, n) as DocumentUniqueId;
}

/**
 * The Series Instance UID of the KOS manifest's own series (Modality KO) of study `n` of community `c`.
 * @throws RangeError as {@link communityOids}.
 */
export function manifestSeriesUid(root: string, c: number, n: number): string {
  return oid(root, Branch.manifestSeries, c, n);
}
