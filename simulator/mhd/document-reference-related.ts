/**
 * The related items of the MHD DocumentEntry mapping (IHE MHD 4.2.x "DocumentEntry mapping"):
 * referenceIdList (ITI TF-3 4.2.3.2.28, CXi) <-> context.related identifiers with a type, and
 * associations (ITI TF-3 4.2.2) <-> relatesTo (FHIR R4 DocumentRelationshipType).
 */
import type { DocumentReferenceRelatesTo, Identifier } from 'fhir/r4.js';
import { ReferenceIdType } from '../xca/constants.js';
import { components, type Unmapped } from './document-reference-values.js';

/** RFC 3986 URI identifier system (FHIR R4 identifier registry) for urn:uuid: and urn:oid: values. */
export const URI_SYSTEM = 'urn:ietf:rfc:3986';
/** HL7 v2 table 0203 (identifier type), for ACSN (accession number). */
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
/** DICOM "urn:dicom:uid" identifier system for UIDs (FHIR R4 ImagingStudy.identifier). */
const DICOM_UID_SYSTEM = 'urn:dicom:uid';

/** XDS association types (ITI TF-3 4.2.2) <-> FHIR R4 DocumentRelationshipType. */
const RELATIONSHIPS = [
  ['urn:ihe:iti:2007:AssociationType:RPLC', 'replaces'],
  ['urn:ihe:iti:2007:AssociationType:XFRM', 'transforms'],
  ['urn:ihe:iti:2007:AssociationType:APND', 'appends'],
  ['urn:ihe:iti:2007:AssociationType:signs', 'signs'],
] as const;

/** One association of the entry to an earlier document (ITI TF-3 4.2.2), by its entryUUID. */
export interface DocumentRelation {
  associationType: string;
  targetEntryUUID: string;
}

/**
 * A referenceIdList CXi (`id^^^&oid&ISO^type`, ITI TF-3 4.2.3.2.28) as an Identifier with a type:
 * accession number -> v2-0203 ACSN, system urn:oid:<assigning authority>; Study Instance UID ->
 * DCM 110180, system urn:dicom:uid, value urn:oid:<uid>; any other type -> its URN as a
 * urn:ietf:rfc:3986 coding.
 */
export function referenceIdToIdentifier(cxi: string): Identifier {
  const c = components(cxi);
  const value = c[0]?.[0] ?? '';
  const oid = c[3]?.[1];
  const type = c[4]?.[0] ?? '';
  if (type === ReferenceIdType.studyInstanceUid)
    return {
      type: { coding: [{ system: DCM, code: '110180', display: 'Study Instance UID' }] },
      system: DICOM_UID_SYSTEM,
      value: `urn:oid:${value}`,
    };
  const coding =
    type === ReferenceIdType.accession
      ? { system: V2_0203, code: 'ACSN', display: 'Accession ID' }
      : { system: URI_SYSTEM, code: type };
  return { type: { coding: [coding] }, ...(oid ? { system: `urn:oid:${oid}` } : {}), value };
}

export function identifierToReferenceId(
  id: Identifier | undefined,
  element: string,
  unmapped: Unmapped[],
): string | undefined {
  const coding = id?.type?.coding?.[0];
  if (!id?.value || !coding?.code) {
    unmapped.push({ element, reason: 'a related item without an identifier value and type' });
    return undefined;
  }
  if (coding.system === DCM && coding.code === '110180')
    return `${id.value.replace(/^urn:oid:/, '')}^^^^${ReferenceIdType.studyInstanceUid}`;
  const type = coding.system === V2_0203 && coding.code === 'ACSN' ? ReferenceIdType.accession : coding.code;
  const authority = id.system?.startsWith('urn:oid:') ? `&${id.system.slice(8)}&ISO` : '';
  if (id.system !== undefined && authority === '')
    unmapped.push({
      element,
      reason: `identifier system ${id.system} is not an OID: no assigning authority`,
    });
  return `${id.value}^^^${authority}^${type}`;
}

/** Associations as relatesTo; association types with no DocumentRelationshipType are reported. */
export function relationsToRelatesTo(
  relations: readonly DocumentRelation[],
  unmapped: Unmapped[],
): DocumentReferenceRelatesTo[] {
  const relatesTo: DocumentReferenceRelatesTo[] = [];
  for (const r of relations) {
    const code = RELATIONSHIPS.find(([t]) => t === r.associationType)?.[1];
    if (code)
      relatesTo.push({ code, target: { identifier: { system: URI_SYSTEM, value: r.targetEntryUUID } } });
    else
      unmapped.push({
        element: 'Association.associationType',
        reason: `${r.associationType} has no DocumentRelationshipType`,
      });
  }
  return relatesTo;
}

/** relatesTo as associations; a relation whose target is not identified by entryUUID is reported. */
export function relatesToToRelations(
  relatesTo: readonly DocumentReferenceRelatesTo[],
  unmapped: Unmapped[],
): DocumentRelation[] {
  const relations: DocumentRelation[] = [];
  for (const r of relatesTo) {
    const t = RELATIONSHIPS.find(([, c]) => c === r.code)?.[0];
    const target = r.target.identifier?.value;
    if (t && target) relations.push({ associationType: t, targetEntryUUID: target });
    else
      unmapped.push({
        element: 'DocumentReference.relatesTo',
        reason: 'a relation whose target is not identified by entryUUID',
      });
  }
  return relations;
}
