/**
 * Typed XCA messages. Codecs in this folder turn them to and from XML; handlers in gateway/ and
 * broker/ only ever see these types (docs/architecture.md "Principles").
 */
import type { DocumentUniqueId, HomeCommunityId, RepositoryUniqueId } from '../shared/ids.js';
import type { ErrorSeverity, ResponseStatus } from './constants.js';

/** rs:RegistryError (ebRS 3.0 rs.xsd; ITI TF-3 4.2.4.1). */
export interface RegistryError {
  errorCode: string;
  /** Human-readable detail a tester can act on. */
  codeContext: string;
  severity: ErrorSeverity;
  /** For XCA: the homeCommunityId of the community the error is about (ITI39-012). */
  location?: string;
}

/** One rim:Slot of an AdhocQuery: the name and the raw text of each rim:Value, in order. */
export interface QuerySlot {
  name: string;
  values: string[];
}

/** query:AdhocQueryRequest (ebRS 3.0 query.xsd; ITI TF-2 3.38.4.1.2). */
export interface AdhocQueryRequest {
  returnType: 'LeafClass' | 'ObjectRef';
  returnComposedObjects: boolean;
  /** rim:AdhocQuery/@id, the stored-query UUID. */
  queryId: string;
  /** rim:AdhocQuery/@home, when given. */
  home?: string;
  /** Slots in document order; a name may repeat (AND of ORs for code lists). */
  slots: QuerySlot[];
}

/**
 * One object of a rim:RegistryObjectList, kept as its serialised XML so the broker forwards
 * whatever metadata a community sends without loss.
 */
export interface RegistryObjectXml {
  /** Local name: ExtrinsicObject, ObjectRef, RegistryPackage, Association, ... */
  kind: string;
  /** The object's @id (entryUUID). */
  id: string;
  /** The object's @home, or undefined when absent or empty. */
  home?: string;
  /** The element serialised as a standalone XML fragment with its namespace declarations. */
  xml: string;
  /** For an ExtrinsicObject (a DocumentEntry): its ids, read when it was decoded. */
  entryIds?: DocumentEntryIds;
}

/**
 * The identifiers of a DocumentEntry (ITI TF-3 4.2.3.2) as its ExtrinsicObject carries them: the
 * uniqueId and patientId ExternalIdentifiers (`@value`), the repositoryUniqueId Slot's first value
 * and the referenceIdList Slot's values (ITI TF-3 4.2.3.2.28; CXi, e.g. a Study Instance UID).
 */
export interface DocumentEntryIds {
  uniqueId?: string;
  patientId?: string;
  repositoryUniqueId?: string;
  referenceIdList: string[];
}

/** query:AdhocQueryResponse. `objects` are in response order. */
export interface AdhocQueryResponse {
  status: ResponseStatus;
  errors: RegistryError[];
  objects: RegistryObjectXml[];
}

/** One xdsb:DocumentRequest of ITI-39 (ITI TF-2 3.39.4.1.2). */
export interface DocumentRequest {
  homeCommunityId?: HomeCommunityId | string;
  repositoryUniqueId: RepositoryUniqueId | string;
  documentUniqueId: DocumentUniqueId | string;
}

/** xdsb:RetrieveDocumentSetRequest. */
export interface RetrieveDocumentSetRequest {
  documents: DocumentRequest[];
}

/** One xdsb:DocumentResponse; `content` is the document's bytes (sent as an MTOM part). */
export interface DocumentResponse {
  homeCommunityId: string;
  repositoryUniqueId: string;
  documentUniqueId: string;
  mimeType: string;
  content: Buffer;
}

/** xdsb:RetrieveDocumentSetResponse. */
export interface RetrieveDocumentSetResponse {
  status: ResponseStatus;
  errors: RegistryError[];
  documents: DocumentResponse[];
}
