/**
 * XDSDocumentEntry <-> rim:ExtrinsicObject (ITI TF-3 4.2.3.2 attribute table, 4.2.5 scheme UUIDs;
 * ebRS 3.0 rim.xsd for element order), and the rim:ObjectRef an ObjectRef query returns
 * (ITI TF-2 3.18.4.1.2.1; `@home` required in XCA, ITI TF-2 3.38.4.1.2.1).
 */
import { deterministicUrnUuid } from '../shared/ids.js';
import { esc } from '../soap/xml.js';
import { ClassificationScheme, IdentificationScheme, XcaNs } from './constants.js';
import type { Author, Coded, DocumentEntry } from './document-entry-model.js';
import { REFERENCE_ID_LIST_SLOT, RimObjectType, localizedXml, slotXml } from './rim-xml.js';
import type { RegistryObjectXml } from './types.js';

export { decodeExtrinsicObject } from './document-entry-decode.js';

/**
 * A DocumentEntry as a registry object of an AdhocQueryResponse.
 *
 * `LeafClass`: a complete `<rim:ExtrinsicObject>` declaring `xmlns:rim` itself, with `@id`, `@lid`,
 * `@objectType`, `@mimeType`, `@status`, `@home`; Slots creationTime, serviceStartTime,
 * serviceStopTime, hash, size, languageCode, repositoryUniqueId, sourcePatientId, sourcePatientInfo,
 * urn:ihe:iti:xds:2013:referenceIdList (a Slot is left out when its value is '' / undefined / []);
 * Name = title; Description = comments (when defined); VersionInfo = version (when not '');
 * Classifications author (nodeRepresentation "", authorPerson/Institution/Role/Specialty Slots),
 * classCode, confidentialityCode, eventCodeList, formatCode, healthcareFacilityTypeCode,
 * practiceSettingCode, typeCode (nodeRepresentation = code, Slot codingScheme, Name = displayName);
 * ExternalIdentifiers patientId and uniqueId. Child order follows rim.xsd (Slot*, Name?,
 * Description?, VersionInfo?, Classification*, ExternalIdentifier*). Classification and
 * ExternalIdentifier ids are deterministic (derived from entryUUID, scheme and index), so the same
 * entry always encodes to the same bytes.
 *
 * `ObjectRef`: `<rim:ObjectRef id home/>`.
 *
 * `home` is `entry.homeCommunityId`, or absent (attribute omitted) when that is ''.
 */
export function encodeDocumentEntry(
  entry: DocumentEntry,
  returnType: 'LeafClass' | 'ObjectRef',
): RegistryObjectXml {
  const home = entry.homeCommunityId === '' ? undefined : entry.homeCommunityId;
  const homeAttr = home === undefined ? '' : ` home="${esc(home)}"`;
  const id = entry.entryUUID;
  const obj = (kind: string, xml: string): RegistryObjectXml =>
    home === undefined ? { kind, id, xml } : { kind, id, home, xml };
  if (returnType === 'ObjectRef') {
    return obj('ObjectRef', `<rim:ObjectRef xmlns:rim="${XcaNs.rim}" id="${esc(id)}"${homeAttr}/>`);
  }
  const xml =
    `<rim:ExtrinsicObject xmlns:rim="${XcaNs.rim}" id="${esc(id)}" lid="${esc(entry.logicalID)}" ` +
    `objectType="${esc(entry.objectType)}" mimeType="${esc(entry.mimeType)}" status="${esc(entry.availabilityStatus)}"${homeAttr}>` +
    entrySlots(entry) +
    localizedXml('Name', entry.title) +
    (entry.comments === undefined ? '' : localizedXml('Description', entry.comments)) +
    (entry.version === '' ? '' : `<rim:VersionInfo versionName="${esc(entry.version)}"/>`) +
    entryClassifications(entry) +
    externalIdentifierXml(id, IdentificationScheme.patientId, 'XDSDocumentEntry.patientId', entry.patientId) +
    externalIdentifierXml(id, IdentificationScheme.uniqueId, 'XDSDocumentEntry.uniqueId', entry.uniqueId) +
    '</rim:ExtrinsicObject>';
  return obj('ExtrinsicObject', xml);
}

function entrySlots(e: DocumentEntry): string {
  const slots: [string, string[]][] = [
    ['creationTime', [e.creationTime]],
    ['serviceStartTime', e.serviceStartTime === undefined ? [] : [e.serviceStartTime]],
    ['serviceStopTime', e.serviceStopTime === undefined ? [] : [e.serviceStopTime]],
    ['hash', [e.hash]],
    ['size', [String(e.size)]],
    ['languageCode', [e.languageCode]],
    ['repositoryUniqueId', [e.repositoryUniqueId]],
    ['sourcePatientId', [e.sourcePatientId]],
    ['sourcePatientInfo', e.sourcePatientInfo],
    [REFERENCE_ID_LIST_SLOT, e.referenceIdList],
  ];
  return optionalSlots(slots);
}

function optionalSlots(slots: [string, readonly string[] | undefined][]): string {
  let xml = '';
  for (const [name, values] of slots) {
    if (values === undefined || values.length === 0 || (values.length === 1 && values[0] === '')) continue;
    xml += slotXml(name, values);
  }
  return xml;
}

function entryClassifications(e: DocumentEntry): string {
  const id = e.entryUUID;
  const S = ClassificationScheme;
  let xml = e.author.map((a, i) => authorXml(id, a, i)).join('');
  xml += codedXml(id, S.classCode, e.classCode, 0);
  xml += e.confidentialityCode.map((c, i) => codedXml(id, S.confidentialityCode, c, i)).join('');
  xml += e.eventCodeList.map((c, i) => codedXml(id, S.eventCodeList, c, i)).join('');
  xml += codedXml(id, S.formatCode, e.formatCode, 0);
  xml += codedXml(id, S.healthcareFacilityTypeCode, e.healthcareFacilityTypeCode, 0);
  xml += codedXml(id, S.practiceSettingCode, e.practiceSettingCode, 0);
  xml += codedXml(id, S.typeCode, e.typeCode, 0);
  return xml;
}

function classificationOpen(
  entryId: string,
  scheme: string,
  index: number,
  nodeRepresentation: string,
): string {
  const id = deterministicUrnUuid(`${entryId}|${scheme}|${index}`);
  return (
    `<rim:Classification id="${id}" objectType="${RimObjectType.Classification}" classificationScheme="${scheme}" ` +
    `classifiedObject="${esc(entryId)}" nodeRepresentation="${esc(nodeRepresentation)}">`
  );
}

function authorXml(entryId: string, a: Author, index: number): string {
  return (
    classificationOpen(entryId, ClassificationScheme.author, index, '') +
    optionalSlots([
      ['authorPerson', a.authorPerson === undefined ? undefined : [a.authorPerson]],
      ['authorInstitution', a.authorInstitution],
      ['authorRole', a.authorRole],
      ['authorSpecialty', a.authorSpecialty],
    ]) +
    '</rim:Classification>'
  );
}

function codedXml(entryId: string, scheme: string, c: Coded, index: number): string {
  return (
    classificationOpen(entryId, scheme, index, c.code) +
    slotXml('codingScheme', [c.codingScheme]) +
    localizedXml('Name', c.displayName) +
    '</rim:Classification>'
  );
}

function externalIdentifierXml(entryId: string, scheme: string, name: string, value: string): string {
  const id = deterministicUrnUuid(`${entryId}|${scheme}`);
  return (
    `<rim:ExternalIdentifier id="${id}" objectType="${RimObjectType.ExternalIdentifier}" identificationScheme="${scheme}" ` +
    `registryObject="${esc(entryId)}" value="${esc(value)}">${localizedXml('Name', name)}</rim:ExternalIdentifier>`
  );
}
