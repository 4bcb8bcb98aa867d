/**
 * The parts of the AuditEvents of the broker's FHIR requests (IHE MHD 4.2.x ITI-67 Find Document
 * References, ITI-68 Retrieve Document; IHE WIA / DICOM PS3.18 10.4 WADO-RS Retrieve Study) that
 * XCA's events do not have:
 * - the server agent (IHE BALP and MHD ITI TF-2 3.67.5 / 3.68.5: the Document Responder as DICOM
 *   `110152` Destination Role ID, with its URL as a URI network address; the client is the
 *   requester's `110153` Source Role ID agent, as for XCA);
 * - the ITI-67 query entity as BALP `IHE.BasicAudit.PatientQuery` writes it: the raw request base64
 *   in `query`, the search parameters understood in `description`;
 * - one entity per community leg of the grouped Initiating Gateway (MHD 1:33.6.2 "XDS on FHIR"):
 *   the community (homeCommunityId), what the leg spoke and sent, how it ended;
 * - the FHIR interaction as the endpoint entity's interactionIdentifier (no wsa:Action in REST).
 */
import type { AuditEventAgent, AuditEventEntity } from 'fhir/r4.js';
import type { BrokerTransaction, LegEvent, TransactionEvent } from '../events/transaction-events.js';
import { FhirPath, MhdTransaction } from '../shared/fhir-endpoints.js';
import {
  AuditEntityType,
  AuditSystem,
  DicomRoleId,
  EntityDetailType,
  InteractionFor,
  NetworkType,
  ObjectRole,
} from './codes.js';
import { boundQuery, TRUNCATED_DETAIL } from './bounds.js';
import { coding } from './fhir-parts.js';

const FHIR_TRANSACTIONS: ReadonlySet<string> = new Set(Object.values(MhdTransaction));

/** Whether `t` is one of the broker's FHIR / DICOMweb requests (ITI-67, ITI-68, WADO-RS). */
export function isFhirRequest(t: BrokerTransaction): t is MhdTransaction {
  return FHIR_TRANSACTIONS.has(t);
}

/**
 * The service base the consumer called, from the endpoint URL: the FHIR base (`{origin}/fhir`) for
 * ITI-67 and ITI-68, the DICOMweb service root (`{origin}/wado-rs`) for WADO-RS; undefined when the
 * endpoint is unknown or no URL.
 */
function serviceBase(t: MhdTransaction, endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  try {
    const origin = new URL(endpoint).origin;
    return origin + (t === 'WADO-RS' ? FhirPath.wadoRs : FhirPath.fhirBase);
  } catch {
    return undefined;
  }
}

/**
 * The server agent (BALP agent[server]; MHD agent[documentResponder]): DICOM `110152` Destination
 * Role ID, the broker's FHIR base (or DICOMweb root) as `who` and as a URI network address
 * (FHIR R4 AuditEventAgentNetworkType `5`), not the requestor. `who.type` is Endpoint, the kind
 * PARS's closed agent slicing allows for a system.
 */
export function responderAgent(t: MhdTransaction, endpoint: string | undefined): AuditEventAgent {
  const base = serviceBase(t, endpoint);
  return {
    type: { coding: [coding(AuditSystem.dicom, DicomRoleId.Destination)] },
    who: {
      type: 'Endpoint',
      ...(base !== undefined ? { identifier: { system: AuditSystem.uri, value: base } } : {}),
      display:
        base ?? (t === 'WADO-RS' ? 'NIR broker DICOMweb service' : 'NIR broker MHD Document Responder'),
    },
    requestor: false,
    ...(base !== undefined ? { network: { address: base, type: NetworkType.Uri } } : {}),
  };
}

/**
 * The interactionIdentifier of a FHIR request's endpoint entity: the HTTP interaction as MHD / DICOM
 * PS3.18 define it, `POST [base]/DocumentReference/_search` when ITI-67 came as a POST search.
 */
export function fhirInteraction(t: MhdTransaction, requestLine: string | undefined): string {
  if (t === 'ITI-67' && requestLine?.startsWith('POST ')) return 'POST [base]/DocumentReference/_search';
  return InteractionFor[t];
}

/**
 * The ITI-67 query entity (BALP entity[query]; DICOM PS3.15 A.5.3 Query): type 2 System Object,
 * role 24 Query; `query` the request as received, base64 (TransactionEvent `requestLine`: `METHOD
 * URL`, a POST `_search` with its form body after a newline; rebuilt as `GET endpoint?parameters`
 * when the broker recorded only the parameters), its first MAX_AUDIT_QUERY characters with a
 * `truncated` detail (full length, SHA-256) when longer; `description` the search parameters as
 * received, `name=value` joined by `&` (BALP: the search in clear for efficient processing).
 */
export function searchQueryEntity(
  tx: Pick<TransactionEvent, 'requestLine' | 'searchParameters' | 'endpoint'>,
): AuditEventEntity | undefined {
  const params = tx.searchParameters ?? [];
  const raw =
    tx.requestLine ??
    (params.length > 0
      ? `GET ${tx.endpoint ?? '[base]/DocumentReference'}?${new URLSearchParams(params).toString()}`
      : undefined);
  if (raw === undefined) return undefined;
  const kept = boundQuery(raw);
  return {
    type: coding(AuditSystem.auditEntityType, AuditEntityType.SystemObject),
    role: coding(AuditSystem.objectRole, ObjectRole.Query),
    ...(params.length > 0 ? { description: params.map(([k, v]) => `${k}=${v}`).join('&') } : {}),
    query: Buffer.from(kept.xml, 'utf8').toString('base64'),
    ...(kept.marker !== undefined ? { detail: [{ type: TRUNCATED_DETAIL, valueString: kept.marker }] } : {}),
  };
}

/**
 * One community leg of a FHIR request (the grouped Initiating Gateway's request to a community):
 * type 2 System Object, role 17 Data Repository, the community's homeCommunityId (a URI), its name,
 * a description saying what the leg sent, over what, and how it ended (`ITI-38 over xca: answered,
 * HTTP 200, 12 ms`; `ITI-67 over mhd: failed (timeout: no answer within 3000 ms), 3001 ms`), and
 * details: homeCommunityId, protocol, transaction, each errorCode returned.
 */
export function legEntity(leg: LegEvent, request: BrokerTransaction): AuditEventEntity {
  const protocol = leg.protocol ?? 'xca';
  const sent = leg.transaction ?? request;
  const how =
    leg.outcome === 'answered'
      ? `answered${leg.httpStatus !== undefined ? `, HTTP ${leg.httpStatus}` : ''}`
      : `failed${leg.failure !== undefined ? ` (${leg.failure.reason}: ${leg.failure.detail})` : ''}${leg.httpStatus !== undefined ? `, HTTP ${leg.httpStatus}` : ''}`;
  return {
    what: { identifier: { system: AuditSystem.uri, value: leg.homeCommunityId } },
    type: coding(AuditSystem.auditEntityType, AuditEntityType.SystemObject),
    role: coding(AuditSystem.objectRole, ObjectRole.DataRepository),
    name: leg.community,
    description: `${sent} over ${protocol}: ${how}, ${leg.durationMs} ms`,
    detail: [
      { type: EntityDetailType.homeCommunityId, valueString: leg.homeCommunityId },
      { type: EntityDetailType.protocol, valueString: protocol },
      { type: EntityDetailType.transaction, valueString: sent },
      ...leg.errorCodes.map((c) => ({ type: EntityDetailType.errorCode, valueString: c })),
    ],
  };
}
