/**
 * The MHD (FHIR R4) endpoint table: the paths of the broker's FHIR face and of a simulated MHD
 * community, beside xca-endpoints.ts. IHE MHD 4.2.x: ITI-67 Find Document References (GET
 * `[base]/DocumentReference?...` and POST `[base]/DocumentReference/_search`), ITI-68 Retrieve
 * Document (GET of a DocumentReference's `content.attachment.url`); IHE WIA / DICOM PS3.18 10.4:
 * WADO-RS Retrieve Study. In shared/ because the runtime, the CLI and the container roles wire
 * URLs without importing the protocol code.
 */

/** The MHD and DICOMweb transactions nir-sim speaks (IHE transaction names, as audit records them). */
export const MhdTransaction = { Iti67: 'ITI-67', Iti68: 'ITI-68', WadoRs: 'WADO-RS' } as const;
export type MhdTransaction = (typeof MhdTransaction)[keyof typeof MhdTransaction];

/**
 * Paths under a base URL `http(s)://host:port`.
 * - `fhirBase`: the FHIR base of the broker and of every simulated MHD community
 *   (`GET {fhirBase}/metadata`, ITI-67 at `{fhirBase}/DocumentReference`).
 * - `iti68`: ITI-68 on the broker and on a simulated MHD community: `GET {iti68}?homeCommunityId=
 *   urn:oid:...&repositoryUniqueId=...&uniqueId=...` (the document's own identifiers, so any
 *   consumer can build it and no state is kept); every DocumentReference's attachment.url is one.
 * - `wadoRs`: the broker's DICOMweb service root per community: `GET {wadoRs}/{homeCommunityId}/
 *   studies/{studyInstanceUid}` (DICOM PS3.18 10.4.1 Retrieve Study), served by RAD-75 legs.
 */
export const FhirPath = {
  fhirBase: '/fhir',
  metadata: '/fhir/metadata',
  documentReference: '/fhir/DocumentReference',
  search: '/fhir/DocumentReference/_search',
  iti68: '/fhir/document',
  wadoRs: '/wado-rs',
} as const;

/** Endpoint URL per MHD transaction name, plus the FHIR base. */
export interface MhdEndpoints {
  fhirBase: string;
  'ITI-67': string;
  'ITI-68': string;
}

/** The MHD endpoint URLs under a base URL (`http(s)://host:port`, no trailing slash). */
export function mhdEndpoints(url: string): MhdEndpoints {
  return {
    fhirBase: url + FhirPath.fhirBase,
    'ITI-67': url + FhirPath.documentReference,
    'ITI-68': url + FhirPath.iti68,
  };
}
