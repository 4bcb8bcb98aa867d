/**
 * Building the TransactionEvent of one consumer request, and the facts the audit trail needs from
 * the request (requester identity, returned DocumentEntry ids).
 */
import { createHash, randomUUID } from 'node:crypto';
import type {
  AttachmentRef,
  CodedValue,
  FaultEvent,
  LegEvent,
  RequesterIdentity,
  ReturnedDocument,
  ReturnedObjectRef,
  TransactionEvent,
} from '../control/events.js';
import { SamlNs, XuaAttribute } from '../security/saml.js';
import type { Clock } from '../shared/clock.js';
import type { SoapEnvelope } from '../soap/envelope.js';
import { parseSoapFault } from '../soap/fault.js';
import { readSoapMessage } from '../soap/message-body.js';
import { SoapNs, WSSE_NS } from '../soap/namespaces.js';
import { attr, childElements, firstChild, parseXml, textOf, type Element } from '../soap/xml.js';
import { IdentificationScheme, ReferenceIdType, type Transaction } from '../xca/constants.js';
import { REFERENCE_ID_LIST_SLOT } from '../xca/rim-xml.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import type { RegistryError, RegistryObjectXml } from '../xca/types.js';
import type { RequestContext } from './context.js';

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

/** A TransactionEvent ending now; the caller adds `responseXml` once the answer is encoded. */
export function transactionEvent(
  transaction: Transaction,
  response: { status: string; errors: readonly RegistryError[] },
  resultCount: number,
  legs: LegEvent[],
  rc: RequestContext,
  startedAt: number,
  clock: Clock,
  about: Pick<TransactionEvent, 'patient' | 'documents'> = {},
): TransactionEvent {
  return {
    id: randomUUID(),
    transaction,
    ...(rc.messageId !== undefined ? { messageId: rc.messageId } : {}),
    ...(rc.consumerId !== undefined ? { consumerId: rc.consumerId } : {}),
    ...about,
    startedAt,
    durationMs: clock.now() - startedAt,
    status: response.status,
    errors: [...response.errors],
    resultCount,
    legs,
    ...(rc.requestXml !== undefined ? { requestXml: rc.requestXml } : {}),
  };
}

/** What {@link faultEvent} reads of a request answered with a SOAP Fault. */
export interface FaultSource {
  /** The request body as received, when it was read (absent e.g. over the size cap). */
  body?: Buffer;
  /**
   * The envelope the SOAP endpoint already read (soap/server.ts requestEnvelopeOf): `null` when its
   * XML could not be read; absent when unknown, and then `body` is read again.
   */
  envelope?: SoapEnvelope | null;
  contentType?: string;
  consumerId?: string;
  endpoint?: string;
  remoteAddress?: string;
}

/**
 * The FaultEvent of a request answered with a SOAP Fault: whatever can still be read of the
 * request (wsa:MessageID, the requester) and of the fault (`chunk`, the fault envelope being
 * written: code, subcode, reason). Never throws for unreadable input: those parts stay absent.
 */
export function faultEvent(
  src: FaultSource,
  httpStatus: number,
  chunk: unknown,
  transaction: Transaction,
  startedAt: number,
  clock: Clock,
): FaultEvent {
  const envelope =
    src.envelope !== undefined
      ? (src.envelope ?? undefined)
      : src.body
        ? readEnvelope(src.body, src.contentType)
        : undefined;
  const messageId = envelope?.addressing.messageId;
  return {
    id: randomUUID(),
    transaction,
    ...(messageId !== undefined ? { messageId } : {}),
    ...(src.consumerId !== undefined ? { consumerId: src.consumerId } : {}),
    requester: requesterFromRequest(src.consumerId, envelope?.headerBlocks ?? []),
    ...(src.endpoint !== undefined ? { endpoint: src.endpoint } : {}),
    ...(src.remoteAddress !== undefined ? { remoteAddress: src.remoteAddress } : {}),
    startedAt,
    durationMs: clock.now() - startedAt,
    httpStatus,
    ...readFault(chunk),
  };
}

function readEnvelope(body: Buffer, contentType: string | undefined): SoapEnvelope | undefined {
  try {
    return readSoapMessage(body, contentType, [], { enforceMustUnderstand: false }).envelope;
  } catch {
    return undefined;
  }
}

function readFault(chunk: unknown): Pick<FaultEvent, 'code' | 'subcode' | 'reason'> {
  if (!Buffer.isBuffer(chunk) && typeof chunk !== 'string') return {};
  try {
    const el = parseXml(chunk.toString()).getElementsByTagNameNS(SoapNs.soap12, 'Fault')[0];
    if (!el) return {};
    const f = parseSoapFault(el);
    return {
      ...(f.code !== '' ? { code: f.code } : {}),
      ...(f.subcode !== undefined ? { subcode: f.subcode } : {}),
      ...(f.reason !== '' ? { reason: f.reason } : {}),
    };
  } catch {
    return {};
  }
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
 * The DocumentEntries among an ITI-38 answer's objects (ids only: uniqueId, repositoryUniqueId,
 * home, the patient's NHS number). Reads the objects' own serialisation (double-quoted attributes,
 * as the xca codecs write them) without a second XML parse, since it runs for every query.
 */
export function returnedDocuments(objects: readonly RegistryObjectXml[]): ReturnedDocument[] {
  const out: ReturnedDocument[] = [];
  for (const o of objects) {
    if (o.kind !== 'ExtrinsicObject') continue;
    const documentUniqueId = externalIdentifier(o.xml, IdentificationScheme.uniqueId);
    if (documentUniqueId === undefined) continue;
    const cx = externalIdentifier(o.xml, IdentificationScheme.patientId);
    const nhs = cx === undefined ? undefined : nhsNumberFromPatientId(cx);
    const repositoryUniqueId = slotValue(o.xml, 'repositoryUniqueId');
    const studyInstanceUids = studyUidsOf(o.xml);
    out.push({
      documentUniqueId,
      ...(o.id !== '' ? { entryUuid: o.id } : {}),
      ...(o.home !== undefined ? { homeCommunityId: o.home } : {}),
      ...(repositoryUniqueId !== undefined ? { repositoryUniqueId } : {}),
      ...(nhs?.ok ? { patient: nhs.nhsNumber } : {}),
      ...(studyInstanceUids.length > 0 ? { studyInstanceUids } : {}),
    });
  }
  return out;
}

/** The ObjectRefs among an ITI-38 answer's objects (returnType ObjectRef): entryUUID and home. */
export function returnedObjectRefs(objects: readonly RegistryObjectXml[]): ReturnedObjectRef[] {
  return objects.flatMap((o) =>
    o.kind === 'ObjectRef' && o.id !== ''
      ? [{ entryUuid: o.id, ...(o.home !== undefined ? { homeCommunityId: o.home } : {}) }]
      : [],
  );
}

function externalIdentifier(xml: string, scheme: string): string | undefined {
  const at = xml.indexOf(`identificationScheme="${scheme}"`);
  if (at < 0) return undefined;
  const tag = xml.slice(xml.lastIndexOf('<', at), xml.indexOf('>', at));
  const m = /\svalue="([^"]*)"/.exec(tag);
  return m ? unescapeXml(m[1]!) : undefined;
}

function slotValue(xml: string, name: string): string | undefined {
  const at = xml.indexOf(`name="${name}"`);
  if (at < 0) return undefined;
  const m = /<(?:[\w.-]+:)?Value>([^<]*)</.exec(xml.slice(at));
  return m ? unescapeXml(m[1]!.trim()) : undefined;
}

/**
 * Study Instance UIDs among an entry's referenceIdList values (CXi typed
 * `urn:ihe:iti:xds:2016:studyInstanceUID`, ITI TF-3 4.2.3.2.28), so a later RAD-75 for the study
 * is audited against the patient whose manifest named it.
 */
function studyUidsOf(xml: string): string[] {
  const at = xml.indexOf(`name="${REFERENCE_ID_LIST_SLOT}"`);
  if (at < 0) return [];
  const end = xml.indexOf('Slot>', at);
  const slot = xml.slice(at, end < 0 ? undefined : end);
  const out: string[] = [];
  for (const m of slot.matchAll(/<(?:[\w.-]+:)?Value>([^<]*)</g)) {
    const value = unescapeXml(m[1]!.trim());
    if (value.endsWith(`^${ReferenceIdType.studyInstanceUid}`)) out.push(value.split('^')[0]!);
  }
  return out;
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, e: string) =>
    e.startsWith('#x')
      ? String.fromCodePoint(parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(parseInt(e.slice(1), 10))
        : XML_ENTITIES[e]!,
  );
}
