/**
 * The responding gateway's ITI-38 Cross Gateway Query over one community's registry
 * (ITI TF-2 3.38.4.1.3; ITI38-008 unknown-patient policy; `home` on every object).
 */
import { knowsPatient, evaluateStoredQuery } from '../data-pack/stored-query.js';
import { ErrorCode } from '../xca/constants.js';
import { encodeDocumentEntry } from '../xca/document-entry.js';
import { deriveStatus, registryError } from '../xca/status.js';
import { parseStoredQuery } from '../xca/stored-query.js';
import type { AdhocQueryRequest, AdhocQueryResponse, RegistryError } from '../xca/types.js';
import type { CommunityStore } from './community-store.js';
import type { EncodeEntry } from './encoded-entries.js';

/**
 * Answer a query from the community's DocumentEntries. Protocol problems are RegistryErrors.
 * `encode` turns an entry into its registry object: `encodeDocumentEntry` by default, a gateway's
 * `cachedEntryEncoder()` so that each entry is serialised once.
 */
export function respondToQuery(
  req: AdhocQueryRequest,
  c: CommunityStore,
  encode: EncodeEntry = encodeDocumentEntry,
): AdhocQueryResponse {
  const own = c.homeCommunityId;
  const fail = (e: RegistryError): AdhocQueryResponse => ({
    status: deriveStatus([e], false),
    errors: [{ ...e, location: own }],
    objects: [],
  });
  if (req.home !== undefined && req.home !== '' && req.home !== own) {
    return fail(
      registryError(ErrorCode.XDSUnknownCommunity, `this responding gateway serves ${own}, not ${req.home}`),
    );
  }
  const parsed = parseStoredQuery(req);
  if (!parsed.ok) return fail(parsed.error);
  const q = parsed.query;
  switch (q.name) {
    case 'NoDocumentEntries':
      return { status: deriveStatus([], false), errors: [], objects: [] };
    case 'GetDocuments':
      if (req.home === undefined || req.home === '') {
        return fail(
          registryError(ErrorCode.XDSMissingHomeCommunityId, 'GetDocuments requires AdhocQuery/@home'),
        );
      }
      break;
    case 'FindDocuments':
    case 'FindDocumentsByReferenceId':
      if (c.unknownPatientPolicy === 'XDSUnknownPatientId' && !knowsPatient(c.entries, q.patientId)) {
        return fail(
          registryError(
            ErrorCode.XDSUnknownPatientId,
            `patient ${q.patientId} is not known to ${c.displayName}`,
          ),
        );
      }
      break;
  }
  const objects = evaluateStoredQuery(q, c.entries).map((e) => encode(e, req.returnType));
  return { status: deriveStatus([], objects.length > 0), errors: [], objects };
}
