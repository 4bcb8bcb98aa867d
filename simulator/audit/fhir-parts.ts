/**
 * The parts of a FHIR R4 AuditEvent (http://hl7.org/fhir/R4/auditevent.html) that NIR's events
 * share: the requester's agents as PARS slices them (organisation, user, userRole, device; NHS
 * England `England-AuditEvent-PARS`), the audit source (NIR as observer), and the entities
 * (patient, transaction, endpoint, query, document, study) with IHE BALP / DICOM PS3.15 A.5 codes.
 */
import type {
  AuditEventAgent,
  AuditEventEntity,
  AuditEventSource,
  CodeableConcept,
  Coding,
} from 'fhir/r4.js';
import type { BrokerTransaction } from '../events/transaction-events.js';
import type {
  RequesterIdentity,
  CodedValue,
  ReturnedDocument,
  ReturnedObjectRef,
  RequestedStudy,
} from '../events/transaction-events.js';
import {
  AuditEntityType,
  AuditSystem,
  DicomObjectIdType,
  DicomRoleId,
  EntityDetailType,
  IheEventType,
  InteractionFor,
  NetworkType,
  ObjectRole,
  SecuritySourceType,
  UserAgentType,
  type AuditCode,
} from './codes.js';
import { boundQuery, TRUNCATED_DETAIL } from './bounds.js';

/** Who records the events (AuditEvent.source). */
export interface AuditObserver {
  /** Accredited-system id of the audit creator (PARS source.observer.identifier). */
  id: string;
  display: string;
}

/** A Coding in `system`. */
export function coding(system: string, c: AuditCode): Coding {
  return { system, code: c.code, display: c.display };
}

const KNOWN_OIDS: Record<string, string> = { '2.16.840.1.113883.6.96': 'http://snomed.info/sct' };

/** An XUA CE as a CodeableConcept (codeSystem OIDs become `urn:oid:`, SNOMED CT its URI). */
function concept(c: CodedValue): CodeableConcept {
  const system =
    c.codeSystem === undefined ? undefined : (KNOWN_OIDS[c.codeSystem] ?? `urn:oid:${c.codeSystem}`);
  return {
    coding: [
      { ...(system ? { system } : {}), code: c.code, ...(c.displayName ? { display: c.displayName } : {}) },
    ],
  };
}

/** ODS codes are 3 to 6 upper-case letters and digits (NHS ODS); anything else is kept as given. */
function organisationIdentifier(id: string): { system?: string; value: string } {
  if (/^[A-Z0-9]{3,6}$/.test(id)) return { system: AuditSystem.odsOrganisationCode, value: id };
  if (/^urn:/i.test(id)) return { system: AuditSystem.uri, value: id };
  return { value: id };
}

function assuranceExtension(assurance: RequesterIdentity['assurance']): AuditEventAgent['extension'] {
  return [{ url: AuditSystem.identityAssurance, valueCode: assurance }];
}

/**
 * What carried the requester's identity: an XUA SAML assertion (XCA, IHE ITI-40) or an IUA OAuth
 * access token (MHD and WADO-RS, IHE ITI-72); BALP types the user agent UserSamlAgent or
 * UserOauthAgent accordingly.
 */
export type RequesterCredential = 'xua' | 'iua';

/**
 * The requester's agents, PARS-style: organisation (always, requestor), user and userRole (when
 * the assertion names them), device (the calling system, DICOM Source Role ID, with the network
 * address). Each carries how far the identity was checked (`identity-assurance`: unverified until
 * the security layer validates XUA); an absent identity is written as such, never invented.
 */
export function requesterAgents(
  requester: RequesterIdentity | undefined,
  consumerId: string | undefined,
  remoteAddress: string | undefined,
  credential: RequesterCredential = 'xua',
): AuditEventAgent[] {
  const r: RequesterIdentity = requester ?? {
    assurance: consumerId !== undefined ? 'unverified' : 'unknown',
    ...(consumerId !== undefined
      ? { callingSystem: { id: consumerId, source: 'x-nir-consumer-header' } }
      : {}),
  };
  const ext = assuranceExtension(r.assurance);
  const org = r.organisation;
  const agents: AuditEventAgent[] = [
    {
      extension: ext,
      type: { coding: [{ system: AuditSystem.roleClass, code: 'PROV', display: 'healthcare provider' }] },
      who: {
        type: 'Organization',
        ...(org?.id !== undefined ? { identifier: organisationIdentifier(org.id) } : {}),
        display:
          org?.display ??
          (org?.id !== undefined
            ? org.id
            : `unknown organisation (no ${credential === 'iua' ? 'IUA access token' : 'XUA assertion'})`),
      },
      requestor: true,
    },
  ];
  if (r.user) {
    agents.push({
      extension: ext,
      type: {
        coding: [
          coding(AuditSystem.balpAgentType, credential === 'iua' ? UserAgentType.Oauth : UserAgentType.Saml),
        ],
      },
      who: {
        type: 'Practitioner',
        identifier: { ...(r.user.issuer ? { system: r.user.issuer } : {}), value: r.user.id },
        display: r.user.display ?? r.user.id,
      },
      requestor: true,
      ...(r.role ? { role: [concept(r.role)] } : {}),
      ...(r.purposeOfUse ? { purposeOfUse: [concept(r.purposeOfUse)] } : {}),
      ...(r.assertionId ? { policy: [r.assertionId] } : {}),
    });
  }
  if (r.role) {
    agents.push({
      extension: ext,
      who: {
        type: 'PractitionerRole',
        identifier: { value: r.role.code },
        display: r.role.displayName ?? r.role.code,
      },
      requestor: false,
    });
  }
  const system = r.callingSystem;
  agents.push({
    extension: ext,
    type: { coding: [coding(AuditSystem.dicom, DicomRoleId.Source)] },
    who: {
      type: 'Endpoint',
      ...(system ? { identifier: { system: AuditSystem.nirConsumer, value: system.id } } : {}),
      display: system ? system.id : 'unknown calling system (no X-NIR-Consumer header)',
    },
    requestor: false,
    ...(remoteAddress !== undefined
      ? { network: { address: remoteAddress, type: NetworkType.IpAddress } }
      : {}),
  });
  return agents;
}

/** AuditEvent.source: NIR as the audit creator; `site` is the broker's base URL. */
export function auditSource(observer: AuditObserver, site: string | undefined): AuditEventSource {
  return {
    ...(site !== undefined ? { site } : {}),
    observer: {
      type: 'Device',
      identifier: { system: AuditSystem.accreditedSystem, value: observer.id },
      display: observer.display,
    },
    type: [coding(AuditSystem.securitySourceType, SecuritySourceType.ApplicationServer)],
  };
}

/**
 * The patient entity: an NHS number (PARS entity[patient]), or, when the id sent is not one, the
 * id as sent: its CX ID component (HL7 v2 CX.1, what a search by patient finds), or the value of
 * a FHIR token `system|value` (an ITI-67 `patient.identifier`), as the identifier value and the
 * whole id as sent (with its assigning authority or system) as `what.display`.
 */
export function patientEntity(patient: { nhsNumber: string } | { rawId: string }): AuditEventEntity {
  const base = {
    type: coding(AuditSystem.auditEntityType, AuditEntityType.Person),
    role: coding(AuditSystem.objectRole, ObjectRole.Patient),
  };
  if ('nhsNumber' in patient)
    return { what: { identifier: { system: AuditSystem.nhsNumber, value: patient.nhsNumber } }, ...base };
  const raw = patient.rawId;
  const id = (raw.includes('^') ? raw.split('^')[0]! : raw.slice(raw.lastIndexOf('|') + 1)).trim();
  return {
    what: {
      identifier: { value: id === '' ? patient.rawId : id },
      ...(id !== patient.rawId ? { display: patient.rawId } : {}),
    },
    ...base,
    description: 'the patient id sent is not a valid NHS number',
  };
}

/** The transaction entity: the wsa:MessageID (PARS entity[transaction]; BALP XrequestId). */
export function transactionEntity(messageId: string): AuditEventEntity {
  return {
    what: { identifier: { system: AuditSystem.transaction, value: messageId } },
    type: { system: AuditSystem.balpEntityType, code: 'XrequestId', display: 'XrequestId' },
  };
}

/**
 * The endpoint entity (PARS entity[endpoint]): the broker URL called, the interaction (the SOAP
 * wsa:Action; a FHIR request's HTTP interaction), the product.
 */
export function endpointEntity(
  tx: BrokerTransaction,
  url: string | undefined,
  productId: string,
  interaction: string = InteractionFor[tx],
): AuditEventEntity {
  return {
    ...(url !== undefined ? { what: { identifier: { value: url } } } : {}),
    type: { system: AuditSystem.resourceTypes, code: 'Endpoint', display: 'Endpoint' },
    role: coding(AuditSystem.objectRole, ObjectRole.DataRepository),
    name: `${tx} ${IheEventType[tx].display}`,
    detail: [
      { type: EntityDetailType.interactionIdentifier, valueString: interaction },
      { type: EntityDetailType.productIdentifier, valueString: productId },
    ],
  };
}

/**
 * The query entity of ITI-38 (DICOM PS3.15 A.5.3 Query; BALP query: type 2, role 24, the request
 * base64-encoded): the AdhocQueryRequest as received (its first MAX_AUDIT_QUERY characters, with a
 * `truncated` detail giving the full length and SHA-256 when longer), identified by its stored-query
 * id, with its home (TransactionEvent `storedQuery`, as the broker decoded it).
 */
export function queryEntity(
  queryXml: string,
  storedQuery: { id: string; home?: string } | undefined,
): AuditEventEntity {
  const kept = boundQuery(queryXml);
  const queryId = storedQuery?.id;
  const home = storedQuery?.home;
  return {
    ...(queryId !== undefined ? { what: { identifier: { value: queryId } } } : {}),
    type: coding(AuditSystem.auditEntityType, AuditEntityType.SystemObject),
    role: coding(AuditSystem.objectRole, ObjectRole.Query),
    query: Buffer.from(kept.xml, 'utf8').toString('base64'),
    detail: [
      { type: EntityDetailType.queryEncoding, valueString: 'UTF-8' },
      ...(home !== undefined ? [{ type: EntityDetailType.homeCommunityId, valueString: home }] : []),
      ...(kept.marker !== undefined ? [{ type: TRUNCATED_DETAIL, valueString: kept.marker }] : []),
    ],
  };
}

/** A document entity (ITI-39: DICOM Export object; type 2, role 3 Report) with its repository and home. */
export function documentEntity(d: ReturnedDocument): AuditEventEntity {
  return {
    what: { identifier: { value: d.documentUniqueId } },
    type: coding(AuditSystem.auditEntityType, AuditEntityType.SystemObject),
    role: coding(AuditSystem.objectRole, ObjectRole.Report),
    detail: [
      ...(d.repositoryUniqueId !== undefined
        ? [{ type: EntityDetailType.repositoryUniqueId, valueString: d.repositoryUniqueId }]
        : []),
      ...(d.homeCommunityId !== undefined
        ? [{ type: EntityDetailType.homeCommunityId, valueString: d.homeCommunityId }]
        : []),
    ],
  };
}

/**
 * An ObjectRef entity (ITI-38 returnType ObjectRef, ITI TF-2 3.38.4.1.2.3): a registry object the
 * answer named only by its entryUUID (identifier system `urn:ietf:rfc:3986`) and home; type 2,
 * role 3 Report, like a document.
 */
export function objectRefEntity(r: ReturnedObjectRef): AuditEventEntity {
  return {
    what: { identifier: { system: AuditSystem.uri, value: r.entryUuid } },
    type: coding(AuditSystem.auditEntityType, AuditEntityType.SystemObject),
    role: coding(AuditSystem.objectRole, ObjectRole.Report),
    description: 'registry object returned as an ObjectRef (entryUUID)',
    ...(r.homeCommunityId !== undefined
      ? { detail: [{ type: EntityDetailType.homeCommunityId, valueString: r.homeCommunityId }] }
      : {}),
  };
}

/**
 * A study entity (RAD-75: DICOM PS3.15 A.5.3.6, id type 110180 Study Instance UID; type 2, role 3)
 * with its Series Instance UIDs, SOP Instance UIDs (DocumentUniqueIds), repository and home.
 */
export function studyEntity(s: RequestedStudy): AuditEventEntity {
  return {
    what: {
      identifier: {
        type: { coding: [coding(AuditSystem.dicom, DicomObjectIdType.StudyInstanceUid)] },
        value: s.studyInstanceUid,
      },
    },
    type: coding(AuditSystem.auditEntityType, AuditEntityType.SystemObject),
    role: coding(AuditSystem.objectRole, ObjectRole.Report),
    detail: [
      ...s.seriesInstanceUids.map((u) => ({ type: EntityDetailType.seriesInstanceUid, valueString: u })),
      ...s.documentUniqueIds.map((u) => ({ type: EntityDetailType.documentUniqueId, valueString: u })),
      ...(s.repositoryUniqueId !== undefined
        ? [{ type: EntityDetailType.repositoryUniqueId, valueString: s.repositoryUniqueId }]
        : []),
      ...(s.homeCommunityId !== undefined
        ? [{ type: EntityDetailType.homeCommunityId, valueString: s.homeCommunityId }]
        : []),
    ],
  };
}
