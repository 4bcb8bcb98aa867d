/**
 * Building the broker's records of one consumer request (events/transaction-events.ts) from what
 * the endpoint already holds: the TransactionEvent from the decoded request and the consolidated
 * answer, the FaultEvent from the fault and the envelope read, the requester from the request's
 * header blocks, the returned DocumentEntries from the ids read when the answers were decoded.
 */
import { createHash, randomUUID } from 'node:crypto';
import type {
  AttachmentRef,
  BrokerTransaction,
  CodedValue,
  FaultEvent,
  LegEvent,
  RequesterIdentity,
  ReturnedDocument,
  ReturnedObjectRef,
  TransactionEvent,
} from '../events/transaction-events.js';
import { SamlNs, XuaAttribute } from '../security/saml.js';
import type { Clock } from '../shared/clock.js';
import type { SoapEnvelope } from '../soap/envelope.js';
import { faultSubcodeText, type SoapFaultError } from '../soap/fault.js';
import { WSSE_NS } from '../soap/namespaces.js';
import { attr, childElements, firstChild, textOf, type Element } from '../soap/xml.js';
import { ReferenceIdType } from '../xca/constants.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import type { DocumentEntryIds, RegistryError } from '../xca/types.js';
import type { RequestContext } from './context.js';
import type { FederatedObject } from './federated-object.js';

/** MTOM parts by reference for the transaction log: Content-ID, Content-Type, size, SHA-256. */
export function attachmentRefs(
  parts: readonly { contentId: string; contentType: string; body: Buffer }[],
): AttachmentRef[] {
  return parts.map((p) => ({
    contentId: p.contentId,
    contentType: p.contentType,
    bytes: p.body.length,
    sha256: createHash('sha256').update(p.body).digest('hex'),
  }));
}

/** What a broker transaction came to, for {@link transactionEvent}. Times in epoch ms. */
export interface TransactionOutcome {
  transaction: BrokerTransaction;
  /** The consolidated answer's status URN and RegistryErrors. */
  response: { status: string; errors: readonly RegistryError[] };
  /** Documents (ITI-39, RAD-75) or registry objects (ITI-38) returned. */
  resultCount: number;
  legs: LegEvent[];
  /** When the broker started on the request (its clock). */
  startedAt: number;
  /** What the request was about: the patient (ITI-38), the documents and studies asked for. */
  about?: Pick<TransactionEvent, 'patient' | 'patientId' | 'documents' | 'studies'>;
}

/**
 * The TransactionEvent of one consumer request, ending now: the outcome, and what the SOAP layer
 * and admission told of the request (`rc`: wsa:MessageID, consumer, requester, endpoint, address,
 * request envelope). The caller adds what only the encoded answer knows (`responseXml`, returned
 * entries) before recording it.
 */
export function transactionEvent(o: TransactionOutcome, rc: RequestContext, clock: Clock): TransactionEvent {
  return {
    id: randomUUID(),
    transaction: o.transaction,
    ...(rc.messageId !== undefined ? { messageId: rc.messageId } : {}),
    ...(rc.consumerId !== undefined ? { consumerId: rc.consumerId } : {}),
    ...o.about,
    startedAt: o.startedAt,
    durationMs: clock.now() - o.startedAt,
    status: o.response.status,
    errors: [...o.response.errors],
    resultCount: o.resultCount,
    legs: o.legs,
    ...(rc.requestXml !== undefined ? { requestXml: rc.requestXml } : {}),
    ...(rc.requester !== undefined ? { requester: rc.requester } : {}),
    ...(rc.endpoint !== undefined ? { endpoint: rc.endpoint } : {}),
    ...(rc.remoteAddress !== undefined ? { remoteAddress: rc.remoteAddress } : {}),
  };
}

/** What the HTTP exchange tells of a request, whatever became of its body. */
export interface HttpFacts {
  /** The `X-NIR-Consumer` header, when non-empty. */
  consumerId?: string;
  /** The broker URL called, e.g. `http://127.0.0.1:8080/xca/iti38`. */
  endpoint?: string;
  remoteAddress?: string;
}

/**
 * The FaultEvent of a request answered with a SOAP Fault (SOAP 1.2 Part 1 §5.4), ending now: the
 * fault as sent (code, first subcode as written, reason; HTTP status) and whatever had been read of
 * the request (`envelope`: its wsa:MessageID and the requester; absent when it could not be read,
 * and then the fault's own `requestMessageId` if any; `rawXml`: the envelope text, kept as
 * `requestXml` so that a refused request can still be judged, e.g. by the conformance kit).
 */
export function faultEvent(
  report: { fault: SoapFaultError; httpStatus: number; envelope?: SoapEnvelope; rawXml?: string },
  http: HttpFacts,
  transaction: BrokerTransaction,
  startedAt: number,
  clock: Clock,
): FaultEvent {
  const { fault, envelope } = report;
  const messageId = envelope ? envelope.addressing.messageId : fault.requestMessageId;
  const reason = fault.reason.trim();
  return {
    id: randomUUID(),
    transaction,
    ...(messageId !== undefined ? { messageId } : {}),
    ...(http.consumerId !== undefined ? { consumerId: http.consumerId } : {}),
    requester: requesterFromRequest(http.consumerId, envelope?.headerBlocks ?? []),
    ...(http.endpoint !== undefined ? { endpoint: http.endpoint } : {}),
    ...(http.remoteAddress !== undefined ? { remoteAddress: http.remoteAddress } : {}),
    ...(envelope && report.rawXml !== undefined ? { requestXml: report.rawXml } : {}),
    startedAt,
    durationMs: clock.now() - startedAt,
    httpStatus: report.httpStatus,
    code: fault.code,
    ...(fault.subcode ? { subcode: faultSubcodeText(fault.subcode) } : {}),
    ...(reason !== '' ? { reason } : {}),
  };
}

/** SAML 2.0 assertion namespace (OASIS SAML 2.0 Core). */
const SAML2_NS = SamlNs.saml2;

/**
 * The requester as the request tells it, NOT validated: the `X-NIR-Consumer` header as the
 * calling system, and the XUA assertion in wsse:Security (if any) read for display only (user,
 * organisation, role, purpose of use, homeCommunityId, resource-id). `assurance` is `unverified`
 * when anything was read, else `unknown`. The security layer (XUA, IHE ITI-40) replaces this with
 * a validated identity (`assurance: 'validated'`) once it checks signatures.
 */
export function requesterFromRequest(
  consumerId: string | undefined,
  headerBlocks: readonly Element[],
): RequesterIdentity {
  const assertion = headerBlocks
    .filter((b) => b.namespaceURI === WSSE_NS && b.localName === 'Security')
    .flatMap((b) => childElements(b, SAML2_NS, 'Assertion'))[0];
  const out: RequesterIdentity = {
    assurance: consumerId !== undefined || assertion !== undefined ? 'unverified' : 'unknown',
    ...(consumerId !== undefined
      ? { callingSystem: { id: consumerId, source: 'x-nir-consumer-header' } }
      : {}),
  };
  return assertion ? { ...out, ...readAssertion(assertion) } : out;
}

function readAssertion(a: Element): Partial<RequesterIdentity> {
  const values = new Map<string, Element>();
  for (const st of childElements(a, SAML2_NS, 'AttributeStatement'))
    for (const at of childElements(st, SAML2_NS, 'Attribute')) {
      const v = firstChild(at, SAML2_NS, 'AttributeValue');
      const name = attr(at, 'Name');
      if (v && name !== undefined && !values.has(name)) values.set(name, v);
    }
  const text = (name: string): string | undefined => {
    const v = values.get(name);
    const t = v ? textOf(v) : '';
    return t === '' ? undefined : t;
  };
  const subject = firstChild(a, SAML2_NS, 'Subject');
  const nameId = subject && firstChild(subject, SAML2_NS, 'NameID');
  const issuer = firstChild(a, SAML2_NS, 'Issuer');
  const userId = text(XuaAttribute.subjectId) ?? (nameId ? textOf(nameId) : undefined);
  const orgId = text(XuaAttribute.organizationId);
  const orgName = text(XuaAttribute.organization);
  const role = coded(values.get(XuaAttribute.role));
  const pou = coded(values.get(XuaAttribute.purposeOfUse));
  const hcid = text(XuaAttribute.homeCommunityId) ?? text(XuaAttribute.homeCommunityIdNhin);
  const resourceId = text(XuaAttribute.resourceId);
  const id = attr(a, 'ID');
  return {
    ...(userId ? { user: { id: userId, ...(issuer ? { issuer: textOf(issuer) } : {}) } } : {}),
    ...(orgId || orgName
      ? { organisation: { ...(orgId ? { id: orgId } : {}), ...(orgName ? { display: orgName } : {}) } }
      : {}),
    ...(role ? { role } : {}),
    ...(pou ? { purposeOfUse: pou } : {}),
    ...(hcid ? { homeCommunityId: hcid } : {}),
    ...(resourceId ? { patientId: resourceId } : {}),
    ...(id ? { assertionId: id } : {}),
  };
}

/** An HL7 v3 CE inside an AttributeValue (Role, PurposeOfUse or PurposeForUse), or its text. */
function coded(v: Element | undefined): CodedValue | undefined {
  if (!v) return undefined;
  const ce = childElements(v)[0];
  if (!ce) {
    const t = textOf(v);
    return t === '' ? undefined : { code: t };
  }
  const code = attr(ce, 'code');
  if (code === undefined || code === '') return undefined;
  const system = attr(ce, 'codeSystem');
  const display = attr(ce, 'displayName');
  return { code, ...(system ? { codeSystem: system } : {}), ...(display ? { displayName: display } : {}) };
}

/**
 * The DocumentEntries among a federated query's answer (ids only: uniqueId, entryUUID,
 * repositoryUniqueId, home, the patient's NHS number, the Study Instance UIDs of its
 * referenceIdList), from the ids read when each object was decoded: an `ebrim` ExtrinsicObject's
 * `entryIds`, an `fhir` DocumentReference's `entryIds`. An entry without a uniqueId is left out.
 * `returnType` is what the consumer was sent: with `ObjectRef` (ITI-38 returnType ObjectRef) an
 * `fhir` object went out as an ObjectRef ({@link returnedObjectRefs}), not as an entry.
 */
export function returnedDocuments(
  objects: readonly FederatedObject[],
  returnType: 'LeafClass' | 'ObjectRef' = 'LeafClass',
): ReturnedDocument[] {
  const out: ReturnedDocument[] = [];
  // An answer's entries nearly always name one patient: its id is read once, not once per entry.
  const nhsOf = new Map<string, ReturnType<typeof nhsNumberFromPatientId>>();
  const nhsNumber = (patientId: string): ReturnType<typeof nhsNumberFromPatientId> => {
    let r = nhsOf.get(patientId);
    if (r === undefined) nhsOf.set(patientId, (r = nhsNumberFromPatientId(patientId)));
    return r;
  };
  for (const f of objects) {
    const o = entryOf(f, returnType);
    const ids = o?.ids;
    if (o === undefined || ids?.uniqueId === undefined) continue;
    const nhs = ids.patientId === undefined ? undefined : nhsNumber(ids.patientId);
    const studyInstanceUids = studyUidsOf(ids.referenceIdList);
    out.push({
      documentUniqueId: ids.uniqueId,
      ...(o.id !== '' ? { entryUuid: o.id } : {}),
      ...(o.home !== undefined ? { homeCommunityId: o.home } : {}),
      ...(ids.repositoryUniqueId !== undefined ? { repositoryUniqueId: ids.repositoryUniqueId } : {}),
      ...(nhs?.ok ? { patient: nhs.nhsNumber } : {}),
      ...(studyInstanceUids.length > 0 ? { studyInstanceUids } : {}),
    });
  }
  return out;
}

/**
 * The ObjectRefs among a federated query's answer (ITI-38 returnType ObjectRef): entryUUID and
 * home of each `ebrim` ObjectRef, and, when `returnType` is `ObjectRef`, of each `fhir` object
 * (the XCA face sent it as an ObjectRef, ebrim-objects.ts).
 */
export function returnedObjectRefs(
  objects: readonly FederatedObject[],
  returnType: 'LeafClass' | 'ObjectRef' = 'LeafClass',
): ReturnedObjectRef[] {
  const out: ReturnedObjectRef[] = [];
  for (const f of objects) {
    const asRef = f.form === 'ebrim' ? f.object.kind === 'ObjectRef' : returnType === 'ObjectRef';
    const id = f.form === 'ebrim' ? f.object.id : f.id;
    const home = f.form === 'ebrim' ? f.object.home : f.home;
    if (asRef && id !== '')
      out.push({ entryUuid: id, ...(home !== undefined ? { homeCommunityId: home } : {}) });
  }
  return out;
}

/** An object's entry ids, id and home when it went to the consumer as a DocumentEntry. */
function entryOf(
  f: FederatedObject,
  returnType: 'LeafClass' | 'ObjectRef',
): { id: string; home: string | undefined; ids: DocumentEntryIds | undefined } | undefined {
  if (f.form === 'fhir')
    return returnType === 'LeafClass' ? { id: f.id, home: f.home, ids: f.entryIds } : undefined;
  const o = f.object;
  return o.kind === 'ExtrinsicObject' ? { id: o.id, home: o.home, ids: o.entryIds } : undefined;
}

/**
 * Study Instance UIDs among an entry's referenceIdList values (CXi typed
 * `urn:ihe:iti:xds:2016:studyInstanceUID`, ITI TF-3 4.2.3.2.28), so a later RAD-75 for the study
 * is audited against the patient whose manifest named it.
 */
function studyUidsOf(referenceIds: readonly string[]): string[] {
  const suffix = `^${ReferenceIdType.studyInstanceUid}`;
  return referenceIds.filter((v) => v.endsWith(suffix)).map((v) => v.split('^')[0]!);
}
