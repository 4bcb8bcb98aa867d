/**
 * Pure consolidation of settled community legs into one consumer response (docs/architecture.md
 * "Request flow: one ITI-38 query"; ITI TF-2 3.38.4.1.3 and 3.39.4.1.3; NIST test 15814). The
 * status is derived from what came back, never from a community's own `@status` (ihe-xca.md section
 * 5).
 *
 * Rules (docs/concepts.md's error-consolidation table is the user-facing form), the same for an
 * XCA community's `ebrim` objects and an MHD community's `fhir` DocumentReferences
 * (federated-object.ts):
 * - objects/documents from every answered leg are merged in community order, each keeping `home`;
 * - a community's own RegistryErrors are forwarded with `location` = its homeCommunityId, an
 *   XDSUnknownPatientId Error as a Warning (the community simply has nothing for the patient);
 * - a failed leg adds one error (see leg-errors.ts);
 * - an object without `home` gets the answering community's id and a Warning (an `ebrim` object in
 *   its @home, an `fhir` one in `home`, its DocumentEntry's homeCommunityId and its
 *   ihe-HomeCommunityId extension); an object whose `home` names another community is dropped
 *   with an Error (it could never be retrieved);
 * - status: no Error → Success; some Error and something useful → PartialSuccess; else Failure.
 */
import { HOME_COMMUNITY_ID_EXTENSION } from '../mhd/document-reference.js';
import { withRootAttribute } from '../soap/xml-fragment.js';
import { ErrorCode, ErrorSeverity } from '../xca/constants.js';
import { deriveStatus, registryError, registryWarning } from '../xca/status.js';
import type { DocumentResponse, RegistryError, RetrieveDocumentSetResponse } from '../xca/types.js';
import type {
  EbrimObject,
  FederatedObject,
  FederatedQueryResponse,
  FhirDocument,
} from './federated-object.js';
import type { CommunityRef, QueryLeg, RetrieveLeg } from './leg.js';
import { describeCommunity, forwardedError, legFailureError } from './leg-errors.js';

/**
 * Consolidate stored-query legs (ITI-38 for an XCA consumer, ITI-67 for an MHD one, whatever each
 * community spoke). `brokerErrors` are the broker's own (e.g. an excluded community).
 * "Something useful" is any object, or any community that answered without an Error.
 */
export function consolidateQuery(
  legs: readonly QueryLeg[],
  brokerErrors: readonly RegistryError[] = [],
): FederatedQueryResponse {
  const errors: RegistryError[] = [...brokerErrors];
  const objects: FederatedObject[] = [];
  let cleanAnswer = false;
  for (const leg of legs) {
    if (leg.outcome === 'failed') {
      errors.push(legFailureError(leg.community, leg.failure, ErrorCode.XDSRegistryError));
      continue;
    }
    const own = leg.response.errors.map((e) => unknownPatientAsWarning(forwardedError(leg.community, e)));
    errors.push(...own);
    if (!own.some(isError)) cleanAnswer = true;
    for (const o of leg.response.objects) {
      const checked = checkHome(leg.community, o);
      if (checked.error) errors.push(checked.error);
      if (checked.object) objects.push(checked.object);
    }
  }
  return { status: deriveStatus(errors, objects.length > 0 || cleanAnswer), errors, objects };
}

/** Consolidate ITI-39 legs. "Something useful" is any document. */
export function consolidateRetrieve(
  legs: readonly RetrieveLeg[],
  brokerErrors: readonly RegistryError[] = [],
): RetrieveDocumentSetResponse {
  const errors: RegistryError[] = [...brokerErrors];
  const documents: DocumentResponse[] = [];
  for (const leg of legs) {
    if (leg.outcome === 'failed') {
      const ids = `for document(s) ${leg.requestedDocumentIds.join(', ')}`;
      errors.push(legFailureError(leg.community, leg.failure, ErrorCode.XDSRepositoryError, ids));
      continue;
    }
    errors.push(...leg.response.errors.map((e) => forwardedError(leg.community, e)));
    for (const d of leg.response.documents) {
      const hcid = d.homeCommunityId.trim();
      if (hcid === '' || hcid === leg.community.homeCommunityId) {
        documents.push({ ...d, homeCommunityId: leg.community.homeCommunityId });
      } else {
        errors.push(foreignHome(leg.community, 'DocumentResponse', d.documentUniqueId, hcid));
      }
    }
  }
  return { status: deriveStatus(errors, documents.length > 0), errors, documents };
}

/**
 * A community that does not know the patient (ITI38-008 lets it answer XDSUnknownPatientId) has
 * simply nothing for them: in a federation most patients are unknown to most communities, so the
 * error is kept for the consumer but as a Warning, and does not turn the answer into a failure.
 */
function unknownPatientAsWarning(e: RegistryError): RegistryError {
  if (e.errorCode !== ErrorCode.XDSUnknownPatientId || e.severity !== ErrorSeverity.Error) return e;
  return {
    ...e,
    severity: ErrorSeverity.Warning,
    codeContext: `${e.codeContext} (community does not know the patient; nir-sim reports this as a Warning)`,
  };
}

function isError(e: RegistryError): boolean {
  return e.severity === ErrorSeverity.Error;
}

function foreignHome(c: CommunityRef, kind: string, id: string, home: string): RegistryError {
  return registryError(
    ErrorCode.XDSRegistryError,
    `${describeCommunity(c)} returned ${kind} ${id} with home ${home}; it was dropped because it names another community`,
    c.homeCommunityId,
  );
}

function checkHome(c: CommunityRef, o: FederatedObject): { object?: FederatedObject; error?: RegistryError } {
  const home = o.form === 'ebrim' ? o.object.home : o.home;
  if (home === c.homeCommunityId) return { object: o };
  const kind = o.form === 'ebrim' ? o.object.kind : 'DocumentReference';
  const id = o.form === 'ebrim' ? o.object.id : o.id;
  if (home !== undefined) return { error: foreignHome(c, kind, id, home) };
  return {
    object: o.form === 'ebrim' ? ebrimWithHome(o, c.homeCommunityId) : fhirWithHome(o, c.homeCommunityId),
    error: registryWarning(
      ErrorCode.XDSRegistryError,
      `${describeCommunity(c)} returned ${kind} ${id} without home; nir-sim set home to ${c.homeCommunityId}`,
      c.homeCommunityId,
    ),
  };
}

/**
 * An `ebrim` object with @home set on its parsed fragment and written again
 * (soap/xml-fragment.ts), never by editing the text; only objects a community sent without home
 * take this path. A DocumentEntry the leg decoded gets the same homeCommunityId (copies: the
 * community's answer is not changed).
 */
function ebrimWithHome(o: EbrimObject, home: string): EbrimObject {
  const object = { ...o.object, home, xml: withRootAttribute(o.object.xml, 'home', home) };
  const d = o.decoded;
  if (d === undefined) return { form: 'ebrim', object };
  return {
    form: 'ebrim',
    object,
    decoded: 'entry' in d ? { entry: { ...d.entry, homeCommunityId: home } } : d,
  };
}

/** The ihe-HomeCommunityId extension URL, lower case (some senders spell it ihe-homeCommunityId). */
const HOME_EXTENSION_LOWER = HOME_COMMUNITY_ID_EXTENSION.toLowerCase();

/**
 * An `fhir` object with its home set in all three places a face reads it: `home`, the
 * DocumentEntry's homeCommunityId (the XCA face's @home) and the DocumentReference's
 * ihe-HomeCommunityId extension (MHD 4.2.x; any other spelling of it replaced). Copies: the
 * community's answer is not changed.
 */
function fhirWithHome(o: FhirDocument, home: string): FhirDocument {
  const others = (o.resource.extension ?? []).filter((e) => e.url.toLowerCase() !== HOME_EXTENSION_LOWER);
  return {
    ...o,
    home,
    entry: { ...o.entry, homeCommunityId: home },
    resource: { ...o.resource, extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: home }, ...others] },
  };
}
