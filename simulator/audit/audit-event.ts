/**
 * FHIR R4 AuditEvents for NIR's transactions, shaped like NHS England's PARS profile with IHE BALP
 * and DICOM codes (research notes nhs-nir.md 4.4). One event per patient (BALP: "when results span
 * several patients, write one AuditEvent per patient"); the request is audited, response bodies
 * never are.
 * - ITI-38: type DCM 110112 Query, subtype ITI-38, entities patient, transaction, endpoint, query.
 * - ITI-39: type DCM 110106 Export, subtype ITI-39, one document entity per DocumentUniqueId with
 *   its repositoryUniqueId and homeCommunityId.
 * - RAD-75: type DCM 110103 DICOM Instances Accessed ("Study Used"), subtype RAD-75, one study
 *   entity per Study Instance UID with its Series Instance UIDs and document/repository ids; once
 *   the DICOM parts have been relayed, one more event per patient their Patient ID (0010,0020)
 *   named that the first events did not ({@link relayedPatientAuditEvents}).
 * - A SOAP Fault: the endpoint's transaction, outcome 8 or 12, no patient (none could be read).
 * - The FHIR requests (fhir-request-parts.ts), as IHE MHD 4.2.x's Document Responder grouped with an
 *   XCA Initiating Gateway: ITI-67 as ITI TF-2 3.67.5 / BALP PatientQuery (DCM 110112 Query,
 *   subtypes ITI-67 and restful-interaction `search`, the raw search base64 in the query entity),
 *   ITI-68 as 3.68.5 (DCM 110106 Export, one document entity per document), WADO-RS as RAD-75's
 *   "Study Used" (DCM 110103, subtype RAD-107); each with the broker as BALP server agent (DCM
 *   110152), the user agent typed UserOauthAgent (IUA), and one entity per community leg, whatever
 *   the leg spoke. A refused FHIR request: outcome 8 (4xx) or 12 (5xx), in HTTP and
 *   OperationOutcome terms.
 * Every event fits PARS's 2 MiB: values from the request are bounded as bounds.ts describes.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEvent, AuditEventEntity } from 'fhir/r4.js';
import { NHS_NUMBER_OID } from '../xca/constants.js';
import { isValidNhsNumber } from '../xca/nhs-number.js';
import type { ActionCodeMap } from './action-codes.js';
import type {
  FaultEvent,
  RelayedPatient,
  RequestedStudy,
  TransactionEvent,
} from '../events/transaction-events.js';
import { AuditSystem, EventIdFor, IheEventType, ObjectRole, RestfulInteractionFor } from './codes.js';
import { boundStrings, withinEventBound } from './bounds.js';
import {
  auditSource,
  coding,
  documentEntity,
  endpointEntity,
  objectRefEntity,
  patientEntity,
  queryEntity,
  requesterAgents,
  studyEntity,
  transactionEntity,
  type AuditObserver,
} from './fhir-parts.js';
import {
  fhirInteraction,
  isFhirRequest,
  legEntity,
  responderAgent,
  searchQueryEntity,
} from './fhir-request-parts.js';
import { faultOutcome, refusalOutcome, transactionOutcome, type Outcome } from './outcome.js';

/** How events are written. */
export interface AuditEventConfig {
  /** AuditEvent.action per transaction (default: NIR's, see action-codes.ts). */
  actions: ActionCodeMap;
  /** The audit creator (NIR). */
  observer: AuditObserver;
  /** PARS productIdentifier of the endpoint entity, e.g. `nir-sim`. */
  productId: string;
  /** Event ids; a random UUID each by default (tests inject a sequence). */
  newId?: () => string;
}

/** Which patient a document belongs to, when the caller knows (e.g. from earlier ITI-38 answers). */
type PatientOfDocument = (documentOrStudyUid: string) => string | undefined;

/**
 * The AuditEvents of one answered transaction: one per patient it touched (one without a patient
 * entity when none is known). ITI-39 and RAD-75 group documents / studies by patient, asking
 * `patientOf` for those the request does not place.
 */
export function transactionAuditEvents(
  tx: TransactionEvent,
  cfg: AuditEventConfig,
  patientOf: PatientOfDocument = () => undefined,
): AuditEvent[] {
  const outcome = transactionOutcome(tx);
  const fallback = validNhs(tx.requester?.patientId);
  const events = (p: PatientRef, fixed: AuditEventEntity[], spread: AuditEventEntity[]): AuditEvent[] =>
    withinEventBound(
      boundStrings([...patientEntities(p), ...fixed, ...legs(tx)]),
      boundStrings(spread),
      (entity) => boundStrings(baseEvent(tx, cfg, outcome, entity)),
    );
  switch (tx.transaction) {
    case 'ITI-38':
    case 'ITI-67': {
      const query =
        tx.transaction === 'ITI-67'
          ? searchQueryEntity(tx)
          : tx.queryXml !== undefined
            ? queryEntity(tx.queryXml, tx.storedQuery)
            : undefined;
      const fixed = [...common(tx, cfg), ...(query !== undefined ? [query] : [])];
      if (tx.patient !== undefined || tx.patientId !== undefined)
        return queryPatients(tx).flatMap((p) => events(p, fixed, []));
      return returnedByPatient(tx, patientOf, fallback).flatMap(([p, entities]) =>
        events(p, fixed, entities),
      );
    }
    case 'ITI-39':
    case 'ITI-68':
      return byPatient(
        tx.documents ?? [],
        (d) => d.patient ?? patientOf(d.documentUniqueId) ?? fallback,
      ).flatMap(([p, docs]) => events(p, common(tx, cfg), docs.map(documentEntity)));
    case 'RAD-75':
    case 'WADO-RS':
      return byPatient(tx.studies ?? [], (s) => s.patient ?? firstKnown(s, patientOf) ?? fallback).flatMap(
        ([p, studies]) => events(p, common(tx, cfg), studies.map(studyEntity)),
      );
  }
}

/**
 * The further AuditEvents of a RAD-75 once its DICOM parts were relayed (the transaction's own
 * events were written before the answer left, when the parts had not been read): one per patient
 * the parts named whose {@link patientKey} is not in `alreadyNamed` (the patients of those first
 * events), with the same type, outcome, agents, transaction and endpoint entities, and the study
 * entities of the studies whose parts named that patient. A Patient ID that is a valid NHS number
 * (with no Issuer of Patient ID, or the NHS number OID) is named as one; any other is recorded as
 * sent, as the CX `<Patient ID>^^^<Issuer of Patient ID>` (the patient entity of an invalid id).
 */
export function relayedPatientAuditEvents(
  tx: TransactionEvent,
  patients: readonly RelayedPatient[],
  alreadyNamed: ReadonlySet<string>,
  cfg: AuditEventConfig,
): AuditEvent[] {
  const outcome = transactionOutcome(tx);
  return patients.flatMap((rp) => {
    const p = relayedPatientRef(rp);
    const patient = patientEntity(p);
    if (alreadyNamed.has(patientKey(patient))) return [];
    const studies = (tx.studies ?? []).filter((s) => rp.studyInstanceUids.includes(s.studyInstanceUid));
    return withinEventBound(
      boundStrings([patient, ...common(tx, cfg), ...legs(tx)]),
      boundStrings(studies.map(studyEntity)),
      (entity) => boundStrings(baseEvent(tx, cfg, outcome, entity)),
    );
  });
}

/** The NHS number a relayed Patient ID is, when it is one (see {@link relayedPatientAuditEvents}). */
export function relayedNhsNumber(p: RelayedPatient): string | undefined {
  const issuer = p.issuerOfPatientId?.trim();
  if (issuer !== undefined && issuer !== NHS_NUMBER_OID) return undefined;
  return validNhs(p.patientId);
}

function relayedPatientRef(p: RelayedPatient): { nhsNumber: string } | { rawId: string } {
  const nhs = relayedNhsNumber(p);
  if (nhs !== undefined) return { nhsNumber: nhs };
  return {
    rawId: p.issuerOfPatientId !== undefined ? `${p.patientId}^^^${p.issuerOfPatientId}` : p.patientId,
  };
}

/** A patient entity's identity, `<system>|<value>` (system empty for an id that is no NHS number). */
function patientKey(entity: AuditEventEntity): string {
  return `${entity.what?.identifier?.system ?? ''}|${entity.what?.identifier?.value ?? ''}`;
}

/** The {@link patientKey}s of the patient entities of `events`. */
export function namedPatients(events: readonly AuditEvent[]): Set<string> {
  return new Set(
    events.flatMap((e) =>
      (e.entity ?? []).filter((x) => x.role?.code === ObjectRole.Patient.code).map(patientKey),
    ),
  );
}

/**
 * The AuditEvent of a request the broker refused: a SOAP Fault (outcome 8, or 12 for env:Receiver)
 * or, for a FHIR request (ITI-67, ITI-68, WADO-RS), an HTTP error with an OperationOutcome
 * (outcome 8, or 12 for a 5xx; `code` is the issue code, `reason` its diagnostics).
 */
export function faultAuditEvent(f: FaultEvent, cfg: AuditEventConfig): AuditEvent {
  const t = f.transaction;
  const fhir = isFhirRequest(t);
  return boundStrings(
    baseEvent(f, cfg, fhir ? refusalOutcome(f) : faultOutcome(f), [
      ...(f.messageId !== undefined ? [transactionEntity(f.messageId)] : []),
      isFhirRequest(t)
        ? endpointEntity(t, f.endpoint, cfg.productId, fhirInteraction(t, undefined))
        : endpointEntity(t, f.endpoint, cfg.productId),
    ]),
  );
}

/** A patient as the events name it: an NHS number, an id that is not one, or nobody. */
type PatientRef = { nhsNumber: string } | { rawId: string } | undefined;

function queryPatients(tx: TransactionEvent): PatientRef[] {
  if (tx.patient !== undefined) return [{ nhsNumber: tx.patient }];
  return [{ rawId: tx.patientId! }];
}

/**
 * A query that names no patient (GetDocuments, GetAssociations, ...): what it returned, grouped by
 * patient (the DocumentEntry's own patientId, else the patient learnt for its uniqueId or
 * entryUUID, else the XUA resource-id), as document entities (LeafClass) or ObjectRef entities
 * (entryUUID and home), so that the access is found by patient, or by document when no party
 * revealed the patient.
 */
function returnedByPatient(
  tx: TransactionEvent,
  patientOf: PatientOfDocument,
  fallback: string | undefined,
): [PatientRef, AuditEventEntity[]][] {
  type Item = { entity: AuditEventEntity; patient: string | undefined };
  const items: Item[] = [
    ...(tx.returnedDocuments ?? []).map((d) => ({
      entity: documentEntity(d),
      patient:
        d.patient ??
        patientOf(d.documentUniqueId) ??
        (d.entryUuid !== undefined ? patientOf(d.entryUuid) : undefined),
    })),
    ...(tx.returnedObjectRefs ?? []).map((r) => ({
      entity: objectRefEntity(r),
      patient: patientOf(r.entryUuid),
    })),
  ];
  return byPatient(items, (i) => i.patient ?? fallback).map(([p, list]) => [p, list.map((i) => i.entity)]);
}

function byPatient<T>(items: readonly T[], patient: (t: T) => string | undefined): [PatientRef, T[]][] {
  const groups = new Map<string | undefined, T[]>();
  for (const item of items) {
    const p = patient(item);
    const list = groups.get(p);
    if (list) list.push(item);
    else groups.set(p, [item]);
  }
  if (groups.size === 0) return [[undefined, []]];
  return [...groups].map(([p, list]) => [p === undefined ? undefined : { nhsNumber: p }, list]);
}

function firstKnown(s: RequestedStudy, patientOf: PatientOfDocument): string | undefined {
  for (const id of [s.studyInstanceUid, ...s.documentUniqueIds]) {
    const p = patientOf(id);
    if (p !== undefined) return p;
  }
  return undefined;
}

function validNhs(cx: string | undefined): string | undefined {
  const nhs = cx?.split('^')[0]?.trim();
  return nhs !== undefined && /^\d{10}$/.test(nhs) && isValidNhsNumber(nhs) ? nhs : undefined;
}

function patientEntities(p: PatientRef): AuditEventEntity[] {
  return p === undefined ? [] : [patientEntity(p)];
}

/** The entities every event of a transaction has: transaction (wsa:MessageID / X-Request-Id), endpoint. */
function common(tx: TransactionEvent, cfg: AuditEventConfig): AuditEventEntity[] {
  const t = tx.transaction;
  return [
    ...(tx.messageId !== undefined ? [transactionEntity(tx.messageId)] : []),
    isFhirRequest(t)
      ? endpointEntity(t, tx.endpoint, cfg.productId, fhirInteraction(t, tx.requestLine))
      : endpointEntity(t, tx.endpoint, cfg.productId),
  ];
}

/** A FHIR request's community legs, one entity each (fhir-request-parts.ts legEntity); none for XCA. */
function legs(tx: TransactionEvent): AuditEventEntity[] {
  const t = tx.transaction;
  return isFhirRequest(t) ? tx.legs.map((leg) => legEntity(leg, t)) : [];
}

/**
 * The fields every event has: id, type, subtype, action, period, recorded, outcome, agents, source.
 * A FHIR request also has the FHIR interaction as a second subtype (BALP), its requester known from
 * an IUA token (BALP UserOauthAgent), and the broker as server agent (BALP / MHD: Destination Role ID).
 */
function baseEvent(
  e: Pick<
    TransactionEvent,
    'transaction' | 'startedAt' | 'durationMs' | 'requester' | 'consumerId' | 'remoteAddress' | 'endpoint'
  >,
  cfg: AuditEventConfig,
  outcome: Outcome,
  entity: AuditEventEntity[],
): AuditEvent {
  const tx = e.transaction;
  const fhir = isFhirRequest(tx);
  const interaction = tx === 'ITI-67' ? RestfulInteractionFor[tx] : undefined;
  const end = new Date(e.startedAt + e.durationMs).toISOString();
  return {
    resourceType: 'AuditEvent',
    id: (cfg.newId ?? randomUUID)(),
    type: coding(AuditSystem.dicom, EventIdFor[tx]),
    subtype: [
      coding(AuditSystem.iheEventType, IheEventType[tx]),
      ...(interaction !== undefined ? [coding(AuditSystem.restfulInteraction, interaction)] : []),
    ],
    action: cfg.actions[tx],
    period: { start: new Date(e.startedAt).toISOString(), end },
    recorded: end,
    outcome: outcome.outcome,
    outcomeDesc: outcome.description,
    agent: [
      ...requesterAgents(e.requester, e.consumerId, e.remoteAddress, fhir ? 'iua' : 'xua'),
      ...(fhir ? [responderAgent(tx, e.endpoint)] : []),
    ],
    source: auditSource(cfg.observer, siteOf(e.endpoint)),
    entity,
  };
}

/** The broker's base URL from the endpoint called (PARS source.site: the API URL). */
function siteOf(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  try {
    return new URL(endpoint).origin;
  } catch {
    return undefined;
  }
}
