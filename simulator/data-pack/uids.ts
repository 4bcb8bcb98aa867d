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
const Branch = { community: 1, repository: 2, organisation: 3, document: 4, study: 5 } as const;

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
