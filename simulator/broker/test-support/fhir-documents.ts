/**
 * `fhir` FederatedObjects for the federation core's tests: what an MHD community's answer holds
 * once its leg has read it (federated-object.ts), built with the project's own DocumentEntry ->
 * DocumentReference mapping (mhd/document-reference.ts) from a full sample entry.
 */
import { toDocumentReference } from '../../mhd/document-reference.js';
import type { DocumentEntry } from '../../xca/document-entry-model.js';
import { sampleEntry } from '../../xca/test-support/xca-fixtures.js';
import type { FhirDocument } from '../federated-object.js';

/**
 * Sample entry `n` as an MHD community sends it: with the ihe-HomeCommunityId extension naming
 * `home`, or, when `home` is undefined, with no extension and an entry whose homeCommunityId is ''.
 */
export function fhirDocument(n: number, home: string | undefined): FhirDocument {
  const entry: DocumentEntry = { ...sampleEntry(n), homeCommunityId: home ?? '' };
  const resource = toDocumentReference(entry, {
    attachmentUrl: (e) => `http://127.0.0.1:9/fhir/document?uniqueId=${e.uniqueId}`,
  }).value;
  if (home === undefined) delete resource.extension;
  return {
    form: 'fhir',
    id: entry.entryUUID,
    ...(home !== undefined ? { home } : {}),
    resource,
    entry,
    entryIds: {
      uniqueId: entry.uniqueId,
      patientId: entry.patientId,
      repositoryUniqueId: entry.repositoryUniqueId,
      referenceIdList: entry.referenceIdList,
    },
  };
}
