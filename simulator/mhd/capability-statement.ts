/**
 * The CapabilityStatement of an MHD Document Responder (FHIR R4 CapabilityStatement; IHE MHD 4.2.x
 * Document Responder), what `GET {fhirBase}/metadata` answers (FHIR R4 "HTTP" 3.1.0.13
 * capabilities): the broker's (grouped with the XCA Initiating Gateway, MHD 1:33.6.2) or a
 * simulated MHD community's (over its own documents). The search parameters come from the one
 * table the ITI-67 parser reads (`search-parameters.ts`).
 */
import type {
  CapabilityStatement,
  CapabilityStatementRest,
  CapabilityStatementRestResourceSearchParam,
} from 'fhir/r4.js';
import { MHD_DOCUMENT_RESPONDER_CAPABILITY, SEARCH_PARAMETERS } from './search-parameters.js';

/** The MHD Comprehensive DocumentReference profile the search answers with (MHD 4.2.x). */
export const MHD_COMPREHENSIVE_DOCUMENT_REFERENCE =
  'https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Comprehensive.DocumentReference';

/** What the CapabilityStatement says about this instance. */
export interface DocumentResponderCapabilityOptions {
  /** The FHIR base URL of this endpoint (`implementation.url`), e.g. `https://127.0.0.1:8443/fhir`. */
  fhirBase: string;
  /** When the statement was made (FHIR dateTime, e.g. the broker's start time from its clock). */
  date: string;
  /** nir-sim's version (`software.version`). */
  version: string;
  /**
   * The integration port: mutual TLS and an IHE IUA access token (signed JWT bearer) are
   * required, and `rest.security` says so. The sandbox port has open access.
   */
  integration: boolean;
  /**
   * The statement of a simulated MHD community rather than the broker's: its display name and
   * homeCommunityId. Its interactions then say that they answer from the community's own
   * registry and repository, and the broker's fan-out and WADO-RS are not mentioned.
   */
  community?: { displayName: string; homeCommunityId: string };
}

const ITI67_DOC =
  'ITI-67 Find Document References (ITI TF-2 3.67): GET [base]/DocumentReference?[parameters] or ' +
  'POST [base]/DocumentReference/_search with an application/x-www-form-urlencoded body; served by an ' +
  'ITI-38 Cross Gateway Query to every community (or the targetCommunityIdList), under the same ' +
  'per-community deadlines, consumer profiles and consolidation as XCA. patient (or ' +
  'patient.identifier) and status are required. Unknown parameters are refused (strict handling) ' +
  'unless the request has Prefer: handling=lenient. A partial answer is HTTP 200 with every ' +
  'DocumentReference that arrived and one OperationOutcome (search.mode = outcome) naming each ' +
  'community that failed.';

const ITI68_DOC =
  'ITI-68 Retrieve Document (ITI TF-2 3.68): GET the DocumentReference.content.attachment.url, a ' +
  'Binary read on this server, answers the document bytes with its mimeType (a KOS manifest as ' +
  'application/dicom), served by ITI-39 to the community of its homeCommunityId: 404 unknown, ' +
  '410 deprecated, 406 unacceptable Accept.';

const WADO_DOC =
  'Images: a WADO-RS study retrieve (DICOM PS3.18 10.4; IHE WIA), GET [base]/studies/{StudyInstanceUID} ' +
  'with Accept: multipart/related; type="application/dicom", is served by RAD-75 Cross Gateway ' +
  'Retrieve Imaging Document Set to the community that holds the study, streamed.';

/** The ITI-67 and ITI-68 texts of a simulated MHD community `c`. */
function communityDocs(c: { displayName: string; homeCommunityId: string }): {
  iti67: string;
  iti68: string;
} {
  const who = `${c.displayName} (${c.homeCommunityId})`;
  return {
    iti67:
      'ITI-67 Find Document References (ITI TF-2 3.67): GET [base]/DocumentReference?[parameters] or ' +
      'POST [base]/DocumentReference/_search with an application/x-www-form-urlencoded body; answered ' +
      `from the registry of ${who} alone, as a searchset Bundle of its DocumentReferences (each with ` +
      'its ihe-HomeCommunityId), warnings and errors as one OperationOutcome (search.mode = outcome). ' +
      'patient (or patient.identifier) and status are required; identifier (or _id) is also accepted ' +
      'without patient, beyond what MHD asks of a consumer. targetCommunityIdList (MHD 4.2.4) naming ' +
      'another community is an error issue for it. Unknown parameters are refused (strict handling) ' +
      'unless the request has Prefer: handling=lenient.',
    iti68:
      'ITI-68 Retrieve Document (ITI TF-2 3.68): GET the DocumentReference.content.attachment.url ' +
      `answers the document bytes from the repository of ${who} with its mimeType (a KOS manifest as ` +
      'application/dicom): 404 unknown, 410 deprecated, 406 unacceptable Accept.',
  };
}

/**
 * The CapabilityStatement (FHIR R4, kind `instance`, fhirVersion 4.0.1, JSON) of the MHD Document
 * Responder at `options.fhirBase`: `instantiates` the MHD Document Responder CapabilityStatement;
 * DocumentReference with the `search-type` interaction and every served search parameter (name,
 * definition, type, documentation giving its XDS mapping); Binary `read` for ITI-68. The WADO-RS
 * retrieve is not a FHIR interaction: `implementation.description` and `rest.documentation` say
 * where it is. With `options.community`, the statement of that simulated community (see
 * DocumentResponderCapabilityOptions).
 */
export function documentResponderCapabilityStatement(
  options: DocumentResponderCapabilityOptions,
): CapabilityStatement {
  const c = options.community;
  const docs = c ? communityDocs(c) : { iti67: ITI67_DOC, iti68: ITI68_DOC };
  const rest: CapabilityStatementRest = {
    mode: 'server',
    documentation: c
      ? `MHD Document Responder of ${c.displayName} (${c.homeCommunityId}), a simulated community over its data pack.`
      : `MHD Document Responder grouped with the NIR XCA Initiating Gateway (MHD 1:33.6.2). ${WADO_DOC}`,
    resource: [
      {
        type: 'DocumentReference',
        profile: MHD_COMPREHENSIVE_DOCUMENT_REFERENCE,
        interaction: [{ code: 'search-type', documentation: docs.iti67 }],
        searchParam: SEARCH_PARAMETERS.map((p): CapabilityStatementRestResourceSearchParam => ({
          name: p.name,
          definition: p.definition,
          type: p.type,
          documentation: `${p.documentation} XDS: ${p.xds}.`,
        })),
      },
      {
        type: 'Binary',
        interaction: [{ code: 'read', documentation: docs.iti68 }],
      },
    ],
  };
  if (options.integration) {
    rest.security = {
      cors: false,
      service: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
              code: 'Certificates',
            },
            { system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth' },
          ],
        },
      ],
      description:
        "Mutual TLS with a certificate of the NIR PKI, and an IHE IUA access token (a signed JWT bearer, RFC 7519) carrying subject, organisation, role, purpose of use, patient, audience and expiry, validated against the supplier's pinned signing certificate.",
    };
  }
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    publisher: 'nir-sim',
    kind: 'instance',
    instantiates: [MHD_DOCUMENT_RESPONDER_CAPABILITY],
    software: {
      name: c ? 'nir-sim simulated MHD community' : 'nir-sim NIR broker',
      version: options.version,
    },
    implementation: {
      description: c
        ? `${c.displayName} (${c.homeCommunityId}): a simulated MHD Document Responder over its data pack.`
        : `NIR broker MHD Document Responder (XDS on FHIR over the federated XCA network). ${ITI68_DOC} ${WADO_DOC}`,
      url: options.fhirBase,
    },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [rest],
  };
}
