/**
 * The federation core's document model: one registry object of a community's answer, kept in the
 * form the community sent it, so each consumer-facing codec forwards it with the least conversion
 * (docs/architecture.md "Federation core"):
 * - `ebrim`: an XCA community's rim element, verbatim (ITI TF-2 3.38.4.1.2; xca/types.ts
 *   RegistryObjectXml): ExtrinsicObject, ObjectRef, RegistryPackage, Association...
 * - `fhir`: an MHD community's DocumentReference as received (IHE MHD 4.2.x, FHIR R4), with the
 *   DocumentEntry it maps to (MHD "DocumentEntry mapping", mhd/document-reference.ts) and the ids
 *   the core needs (entryUUID, home, DocumentEntryIds) read once at the leg.
 * The XCA face writes every object as ebRIM (an `fhir` object through its DocumentEntry); the MHD
 * face writes every DocumentEntry as a DocumentReference (an `ebrim` ExtrinsicObject decoded).
 */
import type { DocumentReference } from 'fhir/r4.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import type { DocumentEntryIds, RegistryError, RegistryObjectXml } from '../xca/types.js';
import type { ResponseStatus } from '../xca/constants.js';

/** An XCA community's registry object, as it sent it. */
export interface EbrimObject {
  form: 'ebrim';
  object: RegistryObjectXml;
  /**
   * For an ExtrinsicObject, when the face asked for DocumentEntries (community-codec.ts
   * QueryNeeds): the DocumentEntry decoded from the leg's own parse
   * (xca/document-entry-decode.ts), or the error that decode threw. Absent: decode `object.xml`.
   */
  decoded?: { entry: DocumentEntry } | { error: Error };
}

/** An MHD community's DocumentReference, as it sent it, and what it maps to. */
export interface FhirDocument {
  form: 'fhir';
  /** The DocumentEntry's entryUUID (`urn:uuid:...`, DocumentReference.identifier). */
  id: string;
  /** The `ihe-HomeCommunityId` extension's value, or undefined when absent. */
  home?: string;
  resource: DocumentReference;
  entry: DocumentEntry;
  entryIds: DocumentEntryIds;
}

export type FederatedObject = EbrimObject | FhirDocument;

/** What one community answered to a query: its objects and its own RegistryErrors. */
export interface CommunityQueryAnswer {
  errors: RegistryError[];
  objects: FederatedObject[];
}

/**
 * The consolidated answer of a federated query (ITI TF-2 3.38.4.1.3): status derived from what
 * came back, every community's errors located at its homeCommunityId, objects in community order.
 */
export interface FederatedQueryResponse {
  status: ResponseStatus;
  errors: RegistryError[];
  objects: FederatedObject[];
}
