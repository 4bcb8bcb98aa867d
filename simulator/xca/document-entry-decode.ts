/**
 * rim:ExtrinsicObject -> XDSDocumentEntry (ITI TF-3 4.2.3.2; scheme UUIDs ITI TF-3 4.2.5), for
 * round-trip tests and tools that read real responses. Lenient about absent attributes, strict
 * about what identifies the document and about broken structure.
 */
import { attr, childElements, firstChild, type Element } from '../soap/xml.js';
import { ClassificationScheme, IdentificationScheme, XcaNs } from './constants.js';
import { XcaDecodeError } from './decode-error.js';
import type { Author, Coded, DocumentEntry } from './document-entry-model.js';
import { REFERENCE_ID_LIST_SLOT, expectElement, localizedValue, readSlots, requireAttr } from './rim-xml.js';

const EO = 'rim:ExtrinsicObject';

/**
 * Decode a rim:ExtrinsicObject into a DocumentEntry.
 *
 * Absent values decode as: `lid` -> `@id`; other string attributes and single-valued Slots -> '';
 * `size` -> 0; list Slots (sourcePatientInfo, referenceIdList, authorInstitution) -> [];
 * serviceStart/StopTime, comments, authorPerson/Role/Specialty -> undefined; missing rim:Name -> '';
 * missing VersionInfo -> '' (present without `@versionName` -> '1.1', the rim.xsd default);
 * a coded Classification without rim:Name -> displayName ''. `homeCommunityId` is `@home` or ''.
 * @throws XcaDecodeError when `el` is not rim:ExtrinsicObject; `@id` is missing; the patientId or
 *   uniqueId ExternalIdentifier is missing, repeated, or has no `@value`; classCode, typeCode,
 *   formatCode, healthcareFacilityTypeCode or practiceSettingCode is missing or repeated (each is
 *   required and single-valued, ITI TF-3 Table 4.2.3.2-1); a coded Classification lacks
 *   `@nodeRepresentation` or its codingScheme Slot; the size Slot is not a non-negative integer.
 */
export function decodeExtrinsicObject(el: Element): DocumentEntry {
  expectElement(el, XcaNs.rim, 'ExtrinsicObject', EO);
  const id = requireAttr(el, 'id', EO).trim();
  const slots = readSlots(el);
  const one = (name: string): string => slots.get(name)?.[0] ?? '';
  const optional = (name: string): string | undefined => slots.get(name)?.[0];
  const cls = classificationsByScheme(el);
  const S = ClassificationScheme;
  const version = firstChild(el, XcaNs.rim, 'VersionInfo');
  return {
    entryUUID: id,
    uniqueId: externalIdentifier(el, IdentificationScheme.uniqueId, 'uniqueId'),
    logicalID: attr(el, 'lid') ?? id,
    objectType: attr(el, 'objectType') ?? '',
    availabilityStatus: attr(el, 'status') ?? '',
    patientId: externalIdentifier(el, IdentificationScheme.patientId, 'patientId'),
    sourcePatientId: one('sourcePatientId'),
    sourcePatientInfo: slots.get('sourcePatientInfo') ?? [],
    title: localizedValue(el, 'Name') ?? '',
    ...defined('comments', localizedValue(el, 'Description')),
    classCode: singleCode(cls, S.classCode, 'classCode'),
    typeCode: singleCode(cls, S.typeCode, 'typeCode'),
    formatCode: singleCode(cls, S.formatCode, 'formatCode'),
    practiceSettingCode: singleCode(cls, S.practiceSettingCode, 'practiceSettingCode'),
    healthcareFacilityTypeCode: singleCode(cls, S.healthcareFacilityTypeCode, 'healthcareFacilityTypeCode'),
    confidentialityCode: (cls.get(S.confidentialityCode) ?? []).map((c) =>
      decodeCoded(c, 'confidentialityCode'),
    ),
    eventCodeList: (cls.get(S.eventCodeList) ?? []).map((c) => decodeCoded(c, 'eventCodeList')),
    author: (cls.get(S.author) ?? []).map(decodeAuthor),
    creationTime: one('creationTime'),
    ...defined('serviceStartTime', optional('serviceStartTime')),
    ...defined('serviceStopTime', optional('serviceStopTime')),
    languageCode: one('languageCode'),
    mimeType: attr(el, 'mimeType') ?? '',
    size: decodeSize(optional('size')),
    hash: one('hash'),
    repositoryUniqueId: one('repositoryUniqueId'),
    homeCommunityId: attr(el, 'home') ?? '',
    referenceIdList: slots.get(REFERENCE_ID_LIST_SLOT) ?? [],
    version: version ? (attr(version, 'versionName') ?? '1.1') : '',
  };
}

function classificationsByScheme(el: Element): Map<string, Element[]> {
  const out = new Map<string, Element[]>();
  for (const c of childElements(el, XcaNs.rim, 'Classification')) {
    const scheme = attr(c, 'classificationScheme') ?? '';
    out.set(scheme, [...(out.get(scheme) ?? []), c]);
  }
  return out;
}

function singleCode(cls: Map<string, Element[]>, scheme: string, label: string): Coded {
  const found = cls.get(scheme) ?? [];
  if (found.length !== 1) {
    const problem = found.length === 0 ? 'is missing' : `appears ${found.length} times; it is single-valued`;
    throw new XcaDecodeError(
      `${EO}: the ${label} Classification (classificationScheme ${scheme}) ${problem}`,
    );
  }
  return decodeCoded(found[0]!, label);
}

function decodeCoded(c: Element, label: string): Coded {
  const where = `${EO}/rim:Classification (${label})`;
  const code = attr(c, 'nodeRepresentation');
  if (code === undefined || code === '')
    throw new XcaDecodeError(`${where}/@nodeRepresentation is missing or empty`);
  const codingScheme = readSlots(c).get('codingScheme')?.[0];
  if (codingScheme === undefined || codingScheme === '') {
    throw new XcaDecodeError(`${where} has no codingScheme Slot value`);
  }
  return { code, codingScheme, displayName: localizedValue(c, 'Name') ?? '' };
}

function decodeAuthor(c: Element): Author {
  const slots = readSlots(c);
  return {
    ...defined('authorPerson', slots.get('authorPerson')?.[0]),
    authorInstitution: slots.get('authorInstitution') ?? [],
    ...defined('authorRole', slots.get('authorRole')),
    ...defined('authorSpecialty', slots.get('authorSpecialty')),
  };
}

/** `{ [key]: value }` when the value is there, else `{}`: optional properties stay absent, not undefined. */
function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

function externalIdentifier(el: Element, scheme: string, label: string): string {
  const found = childElements(el, XcaNs.rim, 'ExternalIdentifier').filter(
    (x) => attr(x, 'identificationScheme') === scheme,
  );
  if (found.length !== 1) {
    const problem = found.length === 0 ? 'is missing' : `appears ${found.length} times`;
    throw new XcaDecodeError(
      `${EO}: the ${label} ExternalIdentifier (identificationScheme ${scheme}) ${problem}`,
    );
  }
  return requireAttr(found[0]!, 'value', `${EO}/rim:ExternalIdentifier (${label})`);
}

function decodeSize(v: string | undefined): number {
  if (v === undefined) return 0;
  if (!/^\d+$/.test(v))
    throw new XcaDecodeError(`${EO}: size Slot value "${v}" is not a non-negative integer`);
  return Number(v);
}
