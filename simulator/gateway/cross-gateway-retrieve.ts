/**
 * The responding gateway's ITI-39 Cross Gateway Retrieve over one community's repository
 * (ITI TF-2 3.39.4.1.3; ITI39-012: every RegistryError located at this community).
 */
import { ErrorCode } from '../xca/constants.js';
import { deriveStatus, registryError } from '../xca/status.js';
import type {
  DocumentResponse,
  RegistryError,
  RetrieveDocumentSetRequest,
  RetrieveDocumentSetResponse,
} from '../xca/types.js';
import type { CommunityStore } from './community-store.js';

/** Answer a retrieve: each DocumentRequest yields a DocumentResponse or one RegistryError. */
export async function respondToRetrieve(
  req: RetrieveDocumentSetRequest,
  c: CommunityStore,
): Promise<RetrieveDocumentSetResponse> {
  const own = c.homeCommunityId;
  const errors: RegistryError[] = [];
  const documents: DocumentResponse[] = [];
  const mimeTypes = new Map(c.entries.map((e) => [e.uniqueId, e.mimeType]));
  for (const d of req.documents) {
    const problem = checkRequest(d, c);
    if (problem) {
      errors.push({ ...problem, location: own });
      continue;
    }
    const content = await c.readDocument(d.documentUniqueId);
    const mimeType = mimeTypes.get(d.documentUniqueId);
    if (content === undefined || mimeType === undefined) {
      errors.push(
        registryError(
          ErrorCode.XDSDocumentUniqueIdError,
          `document ${d.documentUniqueId} is not in repository ${c.repositoryUniqueId}`,
          own,
        ),
      );
      continue;
    }
    documents.push({
      homeCommunityId: own,
      repositoryUniqueId: c.repositoryUniqueId,
      documentUniqueId: d.documentUniqueId,
      mimeType,
      content,
    });
  }
  return { status: deriveStatus(errors, documents.length > 0), errors, documents };
}

function checkRequest(
  d: RetrieveDocumentSetRequest['documents'][number],
  c: CommunityStore,
): RegistryError | undefined {
  const hcid = d.homeCommunityId?.trim() ?? '';
  if (hcid === '') {
    return registryError(
      ErrorCode.XDSMissingHomeCommunityId,
      `DocumentRequest for ${d.documentUniqueId} has no HomeCommunityId`,
    );
  }
  if (hcid !== c.homeCommunityId) {
    return registryError(
      ErrorCode.XDSUnknownCommunity,
      `this responding gateway serves ${c.homeCommunityId}, not ${hcid}`,
    );
  }
  if (d.repositoryUniqueId !== c.repositoryUniqueId) {
    return registryError(
      ErrorCode.XDSUnknownRepositoryId,
      `repository ${d.repositoryUniqueId} is not in ${c.homeCommunityId}; this community's repository is ${c.repositoryUniqueId}`,
    );
  }
  return undefined;
}
