/**
 * DocumentEntry <-> DocumentReference (IHE MHD 4.2.x, ITI TF-3 4.5.4 / MHD "DocumentEntry
 * mapping", Comprehensive Metadata; FHIR R4 DocumentReference). docs/mhd.md has the table.
 *
 * Subject: a logical reference, `subject.identifier` (FHIR R4 Reference.identifier) with UK
 * Core's NHS number system; the broker serves no Patient endpoint, and MHD Comprehensive allows a
 * Reference(Patient) that resolves by identifier. The source patient (sourcePatientId,
 * sourcePatientInfo) is a contained Patient at context.sourcePatientInfo, as MHD maps it. Authors
 * are contained (document-reference-contained.ts). Whatever cannot be carried either way is in
 * the result's `unmapped`, never dropped silently.
 */
import type { Attachment, CodeableConcept, DocumentReference, Extension, Patient } from 'fhir/r4.js';
import { DocumentEntryType, EntryStatus } from '../xca/constants.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import {
  authorsFromContained,
  authorsToContained,
  cxToIdentifier,
  fromSourcePatient,
  identifierToCx,
  sourcePatient,
} from './document-reference-contained.js';
import {
  base64ToHex,
  dateTimeToDtm,
  dtmToDateTime,
  fromCoding,
  hexToBase64,
  toCoding,
  type Unmapped,
} from './document-reference-values.js';

import {
  identifierToReferenceId,
  referenceIdToIdentifier,
  relatesToToRelations,
  relationsToRelatesTo,
  URI_SYSTEM,
  type DocumentRelation,
} from './document-reference-related.js';

export type { DocumentRelation } from './document-reference-related.js';
export type { Unmapped } from './document-reference-values.js';

/** MHD 4.2.x's homeCommunityId extension (valueOid), StructureDefinition ihe-HomeCommunityId. */
export const HOME_COMMUNITY_ID_EXTENSION =
  'https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-HomeCommunityId';
/** The lower-case spelling some MHD implementations send; read, never written. */
const HOME_COMMUNITY_ID_VARIANTS = [
  HOME_COMMUNITY_ID_EXTENSION,
  'https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-homeCommunityId',
];

/** What {@link toDocumentReference} needs besides the entry. */
export interface ToDocumentReferenceOptions {
  /** The URL ITI-68 serves the document at (the broker decides), for content.attachment.url. */
  attachmentUrl: (entry: DocumentEntry) => string;
  /** Associations of the entry (RPLC, XFRM, APND, signs) -> relatesTo. */
  relations?: readonly DocumentRelation[];
}

/** A mapping's result: the value and what could not be carried. */
export interface Mapped<T> {
  value: T;
  unmapped: Unmapped[];
}

const STATUS_TO_FHIR: Record<string, DocumentReference['status']> = {
  [EntryStatus.Approved]: 'current',
  [EntryStatus.Deprecated]: 'superseded',
};

/** A DocumentEntry as an MHD Comprehensive DocumentReference. */
export function toDocumentReference(
  e: DocumentEntry,
  o: ToDocumentReferenceOptions,
): Mapped<DocumentReference> {
  const unmapped: Unmapped[] = [];
  const status = STATUS_TO_FHIR[e.availabilityStatus];
  if (!status)
    unmapped.push({
      element: 'DocumentEntry.availabilityStatus',
      reason: `${e.availabilityStatus} has no DocumentReference status: sent as current`,
    });
  if (e.objectType !== DocumentEntryType.Stable)
    unmapped.push({
      element: 'DocumentEntry.objectType',
      reason: `${e.objectType} is not Stable: MHD carries stable entries`,
    });
  if (e.logicalID !== e.entryUUID)
    unmapped.push({
      element: 'DocumentEntry.logicalID',
      reason: 'differs from entryUUID: no DocumentReference element',
    });
  const patient = sourcePatient(e.sourcePatientId, e.sourcePatientInfo, unmapped);
  const authors = authorsToContained(e.author, unmapped);
  const hash = hexToBase64(e.hash);
  if (hash === undefined)
    unmapped.push({
      element: 'DocumentEntry.hash',
      reason: `${JSON.stringify(e.hash)} is not a SHA-1 in hex`,
    });
  const creation = dtmToDateTime(e.creationTime, 'DocumentEntry.creationTime', unmapped);
  const start =
    e.serviceStartTime !== undefined
      ? dtmToDateTime(e.serviceStartTime, 'DocumentEntry.serviceStartTime', unmapped)
      : undefined;
  const stop =
    e.serviceStopTime !== undefined
      ? dtmToDateTime(e.serviceStopTime, 'DocumentEntry.serviceStopTime', unmapped)
      : undefined;
  const attachment: Attachment = {
    contentType: e.mimeType,
    language: e.languageCode,
    url: o.attachmentUrl(e),
    size: e.size,
    ...(hash !== undefined ? { hash } : {}),
    title: e.title,
    ...(creation !== undefined ? { creation } : {}),
  };
  const relatesTo = relationsToRelatesTo(o.relations ?? [], unmapped);

  const doc: DocumentReference = {
    resourceType: 'DocumentReference',
    id: e.entryUUID.replace(/^urn:uuid:/, ''),
    meta: { versionId: e.version },
    contained: [patient, ...authors.contained],
    extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: e.homeCommunityId }],
    masterIdentifier: { system: URI_SYSTEM, value: `urn:oid:${e.uniqueId}` },
    identifier: [{ use: 'official', system: URI_SYSTEM, value: e.entryUUID }],
    status: status ?? 'current',
    type: concept(toCoding(e.typeCode, 'DocumentEntry.typeCode', unmapped)),
    category: [concept(toCoding(e.classCode, 'DocumentEntry.classCode', unmapped))],
    subject: { identifier: cxToIdentifier(e.patientId) },
    ...(authors.references.length > 0 ? { author: authors.references } : {}),
    ...(relatesTo.length > 0 ? { relatesTo } : {}),
    ...(e.comments !== undefined ? { description: e.comments } : {}),
    securityLabel: e.confidentialityCode.map((c, k) =>
      concept(toCoding(c, `DocumentEntry.confidentialityCode[${k}]`, unmapped)),
    ),
    content: [{ attachment, format: toCoding(e.formatCode, 'DocumentEntry.formatCode', unmapped) }],
    context: {
      ...(e.eventCodeList.length > 0
        ? {
            event: e.eventCodeList.map((c, k) =>
              concept(toCoding(c, `DocumentEntry.eventCodeList[${k}]`, unmapped)),
            ),
          }
        : {}),
      ...(start !== undefined || stop !== undefined
        ? {
            period: {
              ...(start !== undefined ? { start } : {}),
              ...(stop !== undefined ? { end: stop } : {}),
            },
          }
        : {}),
      facilityType: concept(
        toCoding(e.healthcareFacilityTypeCode, 'DocumentEntry.healthcareFacilityTypeCode', unmapped),
      ),
      practiceSetting: concept(
        toCoding(e.practiceSettingCode, 'DocumentEntry.practiceSettingCode', unmapped),
      ),
      sourcePatientInfo: { reference: `#${patient.id}` },
      ...(e.referenceIdList.length > 0
        ? { related: e.referenceIdList.map((r) => ({ identifier: referenceIdToIdentifier(r) })) }
        : {}),
    },
  };
  return { value: doc, unmapped };
}

const concept = (
  c: CodeableConcept['coding'] extends (infer C)[] | undefined ? C : never,
): CodeableConcept => ({ coding: [c] });

/** What {@link fromDocumentReference} needs besides the resource. */
export interface FromDocumentReferenceOptions {
  /** The repository the broker will retrieve from (XDS repositoryUniqueId has no FHIR element). */
  repositoryUniqueId: string;
  /** The community the resource came from; used when the extension is absent, reported when it differs. */
  homeCommunityId: string;
}

/** A DocumentEntry and its associations, read from a DocumentReference. */
export interface FromDocumentReference {
  /** Undefined when an element DocumentEntry requires is missing (then `unmapped` says which). */
  entry: DocumentEntry | undefined;
  relations: DocumentRelation[];
}

/**
 * An MHD DocumentReference (e.g. from an MHD community's ITI-67 answer) as a DocumentEntry.
 * Expects a resource that passed the FHIR R4 schema (fhir/bundle.ts `readSearchsetBundle` or
 * fhir/schema-validator.ts): element types are trusted, missing elements are reported.
 */
export function fromDocumentReference(
  d: DocumentReference,
  o: FromDocumentReferenceOptions,
): Mapped<FromDocumentReference> {
  const unmapped: Unmapped[] = [];
  const missing = (element: string): undefined => {
    unmapped.push({ element, reason: 'missing: DocumentEntry requires it' });
    return undefined;
  };
  const contained = (d.contained ?? []) as { resourceType: string; id?: string }[];
  const entryUUID =
    d.identifier?.find((i) => i.value?.startsWith('urn:uuid:'))?.value ??
    missing('DocumentReference.identifier (urn:uuid: entryUUID)');
  const uniqueId =
    d.masterIdentifier?.value?.replace(/^urn:oid:/, '') ?? missing('DocumentReference.masterIdentifier');
  const status = Object.entries(STATUS_TO_FHIR).find(([, v]) => v === d.status)?.[0];
  if (!status)
    unmapped.push({
      element: 'DocumentReference.status',
      reason: `${d.status} has no XDS availabilityStatus`,
    });
  const patientId = d.subject?.identifier
    ? identifierToCx(d.subject.identifier, 'DocumentReference.subject.identifier', unmapped)
    : missing('DocumentReference.subject.identifier');
  const spRef = d.context?.sourcePatientInfo?.reference;
  const sp = contained.find((r) => `#${r.id ?? ''}` === spRef && r.resourceType === 'Patient') as
    Patient | undefined;
  const source = sp ? fromSourcePatient(sp, unmapped) : { sourcePatientInfo: [] };
  // R4 requires content (1..*), but a resource from elsewhere may lack it: reported below, not a crash.
  const contents = (d.content as DocumentReference['content'] | undefined) ?? [];
  const content = contents[0];
  if (contents.length > 1)
    unmapped.push({
      element: 'DocumentReference.content',
      reason: 'more than one content: only the first is a DocumentEntry',
    });
  const a = content?.attachment;
  const hash = a?.hash !== undefined ? base64ToHex(a.hash) : undefined;
  if (a?.hash !== undefined && hash === undefined)
    unmapped.push({
      element: 'DocumentReference.content.attachment.hash',
      reason: 'not a base64 SHA-1 (20 bytes)',
    });
  const home = d.extension?.find((x: Extension) => HOME_COMMUNITY_ID_VARIANTS.includes(x.url))?.valueOid;
  if (home !== undefined && home !== o.homeCommunityId)
    unmapped.push({
      element: 'DocumentReference.extension:ihe-HomeCommunityId',
      reason: `${home} is not the community it came from (${o.homeCommunityId})`,
    });
  const classCode = fromCoding(d.category?.[0]?.coding?.[0], 'DocumentReference.category', unmapped);
  const typeCode = fromCoding(d.type?.coding?.[0], 'DocumentReference.type', unmapped);
  const formatCode = fromCoding(content?.format, 'DocumentReference.content.format', unmapped);
  const practiceSettingCode = fromCoding(
    d.context?.practiceSetting?.coding?.[0],
    'DocumentReference.context.practiceSetting',
    unmapped,
  );
  const healthcareFacilityTypeCode = fromCoding(
    d.context?.facilityType?.coding?.[0],
    'DocumentReference.context.facilityType',
    unmapped,
  );
  const creationTime =
    a?.creation !== undefined
      ? dateTimeToDtm(a.creation, 'DocumentReference.content.attachment.creation', unmapped)
      : missing('DocumentReference.content.attachment.creation');
  const start =
    d.context?.period?.start !== undefined
      ? dateTimeToDtm(d.context.period.start, 'DocumentReference.context.period.start', unmapped)
      : undefined;
  const stop =
    d.context?.period?.end !== undefined
      ? dateTimeToDtm(d.context.period.end, 'DocumentReference.context.period.end', unmapped)
      : undefined;
  const codes = (list: CodeableConcept[] | undefined, element: string) =>
    (list ?? []).flatMap((c, k) => fromCoding(c.coding?.[0], `${element}[${k}]`, unmapped) ?? []);
  const relations = relatesToToRelations(d.relatesTo ?? [], unmapped);

  for (const [element, present] of [
    ['DocumentReference.date', d.date],
    ['DocumentReference.docStatus', d.docStatus],
    ['DocumentReference.authenticator', d.authenticator],
    ['DocumentReference.context.encounter', d.context?.encounter],
  ] as const)
    if (present !== undefined)
      unmapped.push({ element, reason: 'no DocumentEntry attribute (MHD maps it to none)' });
  if (
    !entryUUID ||
    !uniqueId ||
    !patientId ||
    !classCode ||
    !typeCode ||
    !formatCode ||
    !practiceSettingCode ||
    !healthcareFacilityTypeCode ||
    !creationTime ||
    !a?.contentType ||
    hash === undefined ||
    a.size === undefined
  ) {
    if (!a?.contentType) missing('DocumentReference.content.attachment.contentType');
    if (a?.size === undefined) missing('DocumentReference.content.attachment.size');
    if (a?.hash === undefined) missing('DocumentReference.content.attachment.hash');
    return { value: { entry: undefined, relations }, unmapped };
  }
  const entry: DocumentEntry = {
    entryUUID,
    uniqueId,
    logicalID: entryUUID,
    objectType: DocumentEntryType.Stable,
    availabilityStatus: status ?? EntryStatus.Approved,
    patientId,
    sourcePatientId: source.sourcePatientId ?? patientId,
    sourcePatientInfo: source.sourcePatientInfo,
    title: a.title ?? '',
    ...(d.description !== undefined ? { comments: d.description } : {}),
    classCode,
    typeCode,
    formatCode,
    practiceSettingCode,
    healthcareFacilityTypeCode,
    confidentialityCode: codes(d.securityLabel, 'DocumentReference.securityLabel'),
    eventCodeList: codes(d.context?.event, 'DocumentReference.context.event'),
    author: authorsFromContained(d.author ?? [], contained, unmapped),
    creationTime,
    ...(start !== undefined ? { serviceStartTime: start } : {}),
    ...(stop !== undefined ? { serviceStopTime: stop } : {}),
    languageCode: a.language ?? '',
    mimeType: a.contentType,
    size: a.size,
    hash,
    repositoryUniqueId: o.repositoryUniqueId,
    homeCommunityId: home ?? o.homeCommunityId,
    referenceIdList: (d.context?.related ?? []).flatMap(
      (r, k) =>
        identifierToReferenceId(r.identifier, `DocumentReference.context.related[${k}]`, unmapped) ?? [],
    ),
    version: d.meta?.versionId ?? '1',
  };
  return { value: { entry, relations }, unmapped };
}
