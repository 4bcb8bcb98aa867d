/**
 * The responding gateway's ITI-38 Cross Gateway Query over one community's registry
 * (ITI TF-2 3.38.4.1.3; ITI38-008 unknown-patient policy; `home` on every object).
 */
import { knowsPatient, evaluateStoredQuery } from '../data-pack/stored-query.js';
import { ErrorCode } from '../xca/constants.js';
import { encodeDocumentEntry } from '../xca/document-entry.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { deriveStatus, registryError } from '../xca/status.js';
import { parseStoredQuery } from '../xca/stored-query.js';
import type { AdhocQueryRequest, AdhocQueryResponse, RegistryError } from '../xca/types.js';
import type { CommunityStore } from './community-store.js';
import type { EncodeEntry } from './encoded-entries.js';

/** The entries a query matches, or the RegistryErrors that refuse it (each located at the community). */
export type FoundEntries = { ok: true; entries: DocumentEntry[] } | { ok: false; errors: RegistryError[] };

/**
 * Evaluate `req` over the community's registry: the checks of ITI TF-2 3.38.4.1.3 (`home`, the
 * stored query's parameters, GetDocuments' `home`, the unknown-patient policy), then the stored
 * query. Shared by ITI-38 (`respondToQuery`) and the MHD community's ITI-67 (mhd-find.ts).
 */
export function findEntries(req: AdhocQueryRequest, c: CommunityStore): FoundEntries {
  const own = c.homeCommunityId;
  const fail = (e: RegistryError): FoundEntries => ({ ok: false, errors: [{ ...e, location: own }] });
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
      return { ok: true, entries: [] };
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
  return { ok: true, entries: evaluateStoredQuery(q, c.entries) };
}

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
  const found = findEntries(req, c);
  if (!found.ok) return { status: deriveStatus(found.errors, false), errors: found.errors, objects: [] };
  const objects = found.entries.map((e) => encode(e, req.returnType));
  return { status: deriveStatus([], objects.length > 0), errors: [], objects };
}
