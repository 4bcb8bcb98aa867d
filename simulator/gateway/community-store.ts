/**
 * What a simulated responding gateway serves: one community's registry and repository, read-only.
 * The gateway needs exactly these members; a loaded data pack community
 * (data-pack/pack-format.ts CommunityData) has them, and so may any other source (a test's
 * fixture, a benchmark's delayed store).
 */
import type { ImageLocation, ImagingStudy, UnknownPatientPolicy } from '../data-pack/pack-format.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';

/** One community's metadata, DocumentEntries, documents (read on demand) and images. */
export interface CommunityStore {
  /** Kebab-case community name; fault targets (`gateway`) and log fields use it. */
  readonly name: string;
  /** Human name, e.g. `North East Imaging Network` (shown on the gateway's index page). */
  readonly displayName: string;
  /** `urn:oid:<oid>` (ITI TF-2 3.38.4.1.2.1), set as `home` on everything returned. */
  readonly homeCommunityId: string;
  /** The community repository's OID (ITI TF-3 4.2.3.2.18), matched against RepositoryUniqueId. */
  readonly repositoryUniqueId: string;
  /** The ITI-38 answer for a patient the community does not know. */
  readonly unknownPatientPolicy: UnknownPatientPolicy;
  /** Every DocumentEntry of the registry (ITI TF-3 4.2.3.2). */
  readonly entries: readonly DocumentEntry[];
  /** The document's bytes read now, or undefined when unknown or missing. */
  readDocument(uniqueId: string): Promise<Buffer | undefined>;
  /** The community's imaging studies (empty without imaging). */
  readonly imaging: readonly ImagingStudy[];
  /** Where an image is, or undefined when the community has no such image (all three UIDs must match). */
  findImage(
    studyInstanceUid: string,
    seriesInstanceUid: string,
    sopInstanceUid: string,
  ): ImageLocation | undefined;
}
