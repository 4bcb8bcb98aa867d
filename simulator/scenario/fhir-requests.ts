/**
 * The requests of the MHD steps, as a supplier's MHD Document Consumer sends them to the broker's
 * FHIR face (IHE MHD 4.2.x; paths in shared/fhir-endpoints.ts): the ITI-67 Find Document References
 * search (ITI TF-2 3.67.4.1.2, parameters as docs/mhd.md "ITI-67 search parameters" lists them)
 * as a GET query string or a POST `_search` form body (FHIR R4 HTTP 3.1.0.1.8), and the ITI-68
 * Retrieve Document URL of a document known by its ids.
 */
import { FhirPath } from '../shared/fhir-endpoints.js';
import type { EnvironmentCommunity } from './environment.js';
import type { FoundDocument } from './picks.js';
import { homeCommunityIdOf } from './requests.js';
import type { FindDocumentReferencesStepSpec } from './scenario-spec.js';

/** UK Core's NHS number system (the NHS draft imaging specification searches by it). */
const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

/** What an ITI-67 step resolved before sending: the patient. */
export interface SearchInputs {
  /** Ten digits, sent as an NHS number token. */
  nhsNumber?: string;
  /** A raw `patient.identifier` value, sent as written. */
  patientIdentifier?: string;
}

/** The search parameters of an ITI-67 step, in order, as name/value pairs (values unescaped). */
export function searchParameters(
  step: FindDocumentReferencesStepSpec,
  inputs: SearchInputs,
  communities: readonly EnvironmentCommunity[],
): [string, string][] {
  const out: [string, string][] = [];
  if (inputs.nhsNumber !== undefined)
    out.push(['patient.identifier', `${NHS_NUMBER_SYSTEM}|${inputs.nhsNumber}`]);
  else if (inputs.patientIdentifier !== undefined) out.push(['patient.identifier', inputs.patientIdentifier]);
  out.push(['status', step.status.join(',')]);
  if (step.creation?.ge !== undefined) out.push(['creation', `ge${step.creation.ge}`]);
  if (step.creation?.lt !== undefined) out.push(['creation', `lt${step.creation.lt}`]);
  if (step.category) out.push(['category', step.category.join(',')]);
  if (step.type) out.push(['type', step.type.join(',')]);
  if (step.related) out.push(['related', step.related.join(',')]);
  if (step.targetCommunities)
    out.push([
      'targetCommunityIdList',
      step.targetCommunities.map((c) => homeCommunityIdOf(c, communities)).join(','),
    ]);
  for (const p of step.parameters ?? []) out.push([p.name, p.value]);
  return out;
}

/** A URL under the FHIR base for one of FhirPath's paths (which are absolute from the origin). */
function underBase(fhirBase: string, path: string): string {
  return fhirBase + path.slice(FhirPath.fhirBase.length);
}

/** The ITI-67 request: method, URL and (POST) the form body. */
export function searchRequest(
  fhirBase: string,
  method: 'GET' | 'POST',
  params: readonly [string, string][],
): { method: 'GET' | 'POST'; url: string; body?: string } {
  const query = new URLSearchParams(params as [string, string][]).toString();
  if (method === 'POST') return { method, url: underBase(fhirBase, FhirPath.search), body: query };
  return { method, url: `${underBase(fhirBase, FhirPath.documentReference)}?${query}` };
}

/**
 * The broker's ITI-68 URL of a document known by its ids (shared/fhir-endpoints.ts `iti68`:
 * homeCommunityId, repositoryUniqueId, uniqueId); `home` empty leaves homeCommunityId out.
 */
export function retrieveDocumentUrl(
  fhirBase: string,
  d: Pick<FoundDocument, 'home' | 'repositoryUniqueId' | 'uniqueId'>,
): string {
  const q = new URLSearchParams();
  if (d.home !== '') q.set('homeCommunityId', d.home);
  q.set('repositoryUniqueId', d.repositoryUniqueId);
  q.set('uniqueId', d.uniqueId);
  return `${underBase(fhirBase, FhirPath.iti68)}?${q.toString()}`;
}
