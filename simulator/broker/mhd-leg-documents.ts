/**
 * An MHD community's ITI-67 matches as the federation core's documents (broker/federated-object.ts
 * FhirDocument): each DocumentReference mapped once to its DocumentEntry (IHE MHD 4.2.x "DocumentEntry
 * mapping", mhd/document-reference.ts fromDocumentReference), kept as received beside it.
 *
 * - A DocumentReference that lacks an element DocumentEntry requires is not a document the broker
 *   can offer (no uniqueId to retrieve, no patient, no codes): it is left out and reported as an
 *   Error, XDSRegistryError, naming the resource and the elements, so the answer is a
 *   PartialSuccess that says what was lost.
 * - What the mapping could not carry of a kept DocumentReference (an element XDS has no attribute
 *   for, a coding without system...) is one Warning, XDSRegistryError, per resource naming every
 *   element: the document is usable, the consumer learns what its ebRIM form does not hold, and
 *   one warning per resource (not per element) keeps a large answer readable.
 * - The `ihe-HomeCommunityId` extension is reported as it came (`home`, undefined when absent):
 *   the core sets a missing one (Warning) and drops a document claiming another community (Error),
 *   the same rules as for an XCA community's @home; the mapping's own note about it is not
 *   repeated here.
 * - A match that is not a DocumentReference: left out with a Warning.
 *
 * repositoryUniqueId has no FHIR element: it is read from the attachment.url when that is an
 * ITI-68 URL of nir-sim's form (shared/fhir-endpoints.ts, `repositoryUniqueId=`), else it is the
 * community's homeCommunityId OID, so an ITI-39 DocumentRequest built from the entry routes back
 * to the community (the MHD leg retrieves by uniqueId and ignores it).
 */
import type { DocumentReference, FhirResource } from 'fhir/r4.js';
import { fromDocumentReference, HOME_COMMUNITY_ID_EXTENSION } from '../mhd/document-reference.js';
import { ErrorCode } from '../xca/constants.js';
import { registryError, registryWarning } from '../xca/status.js';
import type { RegistryError } from '../xca/types.js';
import type { FhirDocument } from './federated-object.js';

/** The ihe-HomeCommunityId note of fromDocumentReference, which the core reports its own way. */
const HOME_ELEMENT = 'DocumentReference.extension:ihe-HomeCommunityId';

const HOME_URLS: ReadonlySet<string> = new Set([
  HOME_COMMUNITY_ID_EXTENSION,
  HOME_COMMUNITY_ID_EXTENSION.replace(/ihe-HomeCommunityId$/, 'ihe-homeCommunityId'),
]);

/** Documents and the RegistryErrors about them. */
export interface MappedMatches {
  objects: FhirDocument[];
  errors: RegistryError[];
}

/** Each of `matches` (a searchset's, in order) as a FhirDocument of the community `homeCommunityId`. */
export function documentsFromMatches(
  matches: readonly FhirResource[],
  homeCommunityId: string,
): MappedMatches {
  const objects: FhirDocument[] = [];
  const errors: RegistryError[] = [];
  matches.forEach((m, k) => {
    if (m.resourceType !== 'DocumentReference') {
      errors.push(
        registryWarning(
          ErrorCode.XDSRegistryError,
          `Bundle.entry match ${k} is a ${m.resourceType}, not a DocumentReference: left out`,
          homeCommunityId,
        ),
      );
      return;
    }
    const name = nameOf(m, k);
    const mapped = fromDocumentReference(m, {
      repositoryUniqueId: repositoryUniqueIdOf(m, homeCommunityId),
      homeCommunityId,
    });
    const entry = mapped.value.entry;
    const notes = mapped.unmapped.filter((u) => u.element !== HOME_ELEMENT);
    const list = notes.map((u) => `${u.element} (${u.reason})`).join('; ');
    if (!entry) {
      errors.push(
        registryError(
          ErrorCode.XDSRegistryError,
          `${name} is not a usable DocumentEntry and was left out: ${list}`,
          homeCommunityId,
        ),
      );
      return;
    }
    if (notes.length > 0)
      errors.push(
        registryWarning(
          ErrorCode.XDSRegistryError,
          `${name}: not carried to XDS metadata: ${list}`,
          homeCommunityId,
        ),
      );
    const home = homeOf(m);
    objects.push({
      form: 'fhir',
      id: entry.entryUUID,
      ...(home !== undefined ? { home } : {}),
      resource: m,
      entry,
      entryIds: {
        uniqueId: entry.uniqueId,
        patientId: entry.patientId,
        repositoryUniqueId: entry.repositoryUniqueId,
        referenceIdList: entry.referenceIdList,
      },
    });
  });
  return { objects, errors };
}

/** The ihe-HomeCommunityId the resource carries (mhd/document-reference.ts reads the same two spellings). */
function homeOf(d: DocumentReference): string | undefined {
  return d.extension?.find((x) => HOME_URLS.has(x.url))?.valueOid;
}

/** `DocumentReference/<id> (urn:oid:<uniqueId>)`, or its position when it has neither. */
function nameOf(d: DocumentReference, k: number): string {
  const id = d.id !== undefined ? `DocumentReference/${d.id}` : `DocumentReference (match ${k})`;
  return d.masterIdentifier?.value !== undefined ? `${id} (${d.masterIdentifier.value})` : id;
}

/** repositoryUniqueId from an ITI-68 URL of nir-sim's form, else the community's OID. */
function repositoryUniqueIdOf(d: DocumentReference, homeCommunityId: string): string {
  const url = d.content?.[0]?.attachment?.url;
  if (url !== undefined) {
    try {
      const r = new URL(url, 'http://x').searchParams.get('repositoryUniqueId');
      if (r) return r;
    } catch {
      // not a URL: the fallback below
    }
  }
  return homeCommunityId.replace(/^urn:oid:/, '');
}
