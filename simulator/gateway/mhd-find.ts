/**
 * A simulated MHD community's ITI-67 Find Document References over its registry (ITI TF-2 3.67):
 * the search's stored query evaluated as the community's ITI-38 evaluates it
 * (cross-gateway-query.ts `findEntries`), each DocumentEntry as an MHD Comprehensive
 * DocumentReference (mhd/document-reference.ts) whose attachment.url is this community's ITI-68
 * (shared/fhir-endpoints.ts), and the searchset Bundle (fhir/bundle.ts). Pure: the HTTP layer
 * (mhd-responder.ts) gives the base URL and applies faults between the two steps.
 */
import { randomUUID } from 'node:crypto';
import type { DocumentReference, FhirResource, Bundle } from 'fhir/r4.js';
import { searchsetBundle } from '../fhir/bundle.js';
import { issue, operationOutcome } from '../fhir/operation-outcome.js';
import { HOME_COMMUNITY_ID_EXTENSION, toDocumentReference } from '../mhd/document-reference.js';
import { registryErrorToIssue } from '../mhd/registry-errors.js';
import type { SearchProblem } from '../mhd/search-parameters.js';
import { FhirPath } from '../shared/fhir-endpoints.js';
import { ErrorCode, StoredQueryId } from '../xca/constants.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import { registryError } from '../xca/status.js';
import type { RegistryError } from '../xca/types.js';
import type { CommunityStore } from './community-store.js';
import { findEntries } from './cross-gateway-query.js';
import type { MhdSearch } from './mhd-search.js';

/** The entries a search matched and the RegistryErrors about it (each located at this community). */
export interface FoundDocuments {
  entries: DocumentEntry[];
  errors: RegistryError[];
}

/**
 * Evaluate `search` over the community. MHD 4.2.4 Target Communities: a target other than this
 * community cannot be served here and is an XDSUnknownCommunity Error; when this community is not
 * among the targets nothing matches. A GetDocuments (search by identifier) keeps the entries of
 * the search's patient (when it names one) with one of its statuses.
 */
export function findDocuments(search: MhdSearch, c: CommunityStore): FoundDocuments {
  const own = c.homeCommunityId;
  const errors: RegistryError[] = [];
  const targets = search.targetCommunityIds;
  for (const t of targets ?? [])
    if (t !== own)
      errors.push(
        registryError(
          ErrorCode.XDSUnknownCommunity,
          `this MHD Document Responder serves ${own}, not ${t}`,
          own,
        ),
      );
  if (search.request === undefined || (targets !== undefined && !targets.includes(own)))
    return { entries: [], errors };
  const found = findEntries(search.request, c);
  if (!found.ok) return { entries: [], errors: [...errors, ...found.errors] };
  let entries = found.entries;
  if (search.request.queryId === StoredQueryId.GetDocuments) {
    const nhs = search.patient?.nhsNumber;
    entries = entries.filter(
      (e) => search.status.includes(e.availabilityStatus) && (nhs === undefined || nhsOf(e) === nhs),
    );
  }
  return { entries, errors };
}

function nhsOf(e: DocumentEntry): string | undefined {
  const r = nhsNumberFromPatientId(e.patientId);
  return r.ok ? r.nhsNumber : undefined;
}

/**
 * The ITI-68 URL of an entry at `base` (`http(s)://host:port`): `{base}/fhir/document?
 * homeCommunityId=..&repositoryUniqueId=..&uniqueId=..` (shared/fhir-endpoints.ts `FhirPath.iti68`).
 */
export function documentUrl(base: string, entry: DocumentEntry, repositoryUniqueId: string): string {
  const q = new URLSearchParams({
    homeCommunityId: entry.homeCommunityId,
    repositoryUniqueId,
    uniqueId: entry.uniqueId,
  });
  return `${base}${FhirPath.iti68}?${q.toString()}`;
}

/** An entry as the DocumentReference this community serves (attachment.url = its own ITI-68). */
export function documentReferenceOf(
  entry: DocumentEntry,
  base: string,
  repositoryUniqueId: string,
): DocumentReference {
  return toDocumentReference(entry, { attachmentUrl: (e) => documentUrl(base, e, repositoryUniqueId) }).value;
}

/**
 * Remove (`home` undefined) or replace the `ihe-HomeCommunityId` extension of a DocumentReference
 * (the MHD form of the `missing-home` / `wrong-home` faults). Returns a new resource.
 */
export function withHomeExtension(d: DocumentReference, home: string | undefined): DocumentReference {
  const others = (d.extension ?? []).filter((x) => x.url !== HOME_COMMUNITY_ID_EXTENSION);
  const extension =
    home === undefined ? others : [...others, { url: HOME_COMMUNITY_ID_EXTENSION, valueOid: home }];
  const { extension: _old, ...rest } = d;
  return extension.length > 0 ? { ...rest, extension } : rest;
}

/** What the searchset is built from. */
export interface SearchsetInput {
  /** `{base}/fhir/DocumentReference?<search>`: the `self` link. */
  self: string;
  base: string;
  matches: readonly DocumentReference[];
  errors: readonly RegistryError[];
  warnings: readonly SearchProblem[];
  /** Bundle.timestamp (FHIR instant). */
  timestamp: string;
}

/**
 * The ITI-67 answer (ITI TF-2 3.67.4.2): a searchset Bundle of the matches, with one
 * OperationOutcome (`search.mode = outcome`) holding each RegistryError (mhd/registry-errors.ts)
 * and each search warning, when there are any.
 */
export function findDocumentsBundle(i: SearchsetInput): Bundle<FhirResource> {
  const issues = [...i.warnings.map((w) => issue(w)), ...i.errors.map((e) => registryErrorToIssue(e))];
  return searchsetBundle({
    self: i.self,
    matches: i.matches.map((d) => ({
      fullUrl: `${i.base}${FhirPath.documentReference}/${d.id}`,
      resource: d,
    })),
    ...(issues.length > 0
      ? { outcome: { fullUrl: `urn:uuid:${randomUUID()}`, resource: operationOutcome(issues) } }
      : {}),
    timestamp: i.timestamp,
  });
}
