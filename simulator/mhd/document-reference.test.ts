/**
 * DocumentEntry <-> DocumentReference over every DocumentEntry of the default pack: the
 * DocumentReference validates against the FHIR R4 schema and MHD Comprehensive's required
 * elements, nothing is reported unmapped, and mapped back it is the same DocumentEntry. Then
 * each conversion's edge: precision, hashes, codes, and what cannot be mapped.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DocumentReference } from 'fhir/r4.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack } from '../data-pack/loader.js';
import type { DataPack } from '../data-pack/pack-format.js';
import { validateFhirResource } from '../fhir/schema-validator.js';
import { DocumentEntryType, EntryStatus } from '../xca/constants.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import {
  fromDocumentReference,
  HOME_COMMUNITY_ID_EXTENSION,
  toDocumentReference,
} from './document-reference.js';
import { checkComprehensiveDocumentReference } from './mhd-profile-check.js';

const packDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data-packs/default');
const url = (e: DocumentEntry): string => `https://nir.example/fhir/Binary/${encodeURIComponent(e.uniqueId)}`;
let pack: DataPack;
beforeAll(async () => {
  pack = await loadDataPack(packDir);
});

function roundTrip(e: DocumentEntry) {
  const to = toDocumentReference(e, { attachmentUrl: url });
  const back = fromDocumentReference(JSON.parse(JSON.stringify(to.value)) as DocumentReference, {
    repositoryUniqueId: e.repositoryUniqueId,
    homeCommunityId: e.homeCommunityId,
  });
  return { doc: to.value, toUnmapped: to.unmapped, entry: back.value.entry, backUnmapped: back.unmapped };
}

describe('DocumentEntry <-> DocumentReference over the default pack', () => {
  it('every entry maps to a valid MHD Comprehensive DocumentReference and back to itself', async () => {
    const entries = pack.communities.flatMap((c) => c.entries);
    expect(entries.length).toBeGreaterThan(200);
    for (const e of entries) {
      const r = roundTrip(e);
      expect(validateFhirResource('DocumentReference', r.doc), e.entryUUID).toEqual({ ok: true });
      expect(checkComprehensiveDocumentReference(r.doc), e.entryUUID).toEqual([]);
      expect([r.toUnmapped, r.backUnmapped], e.entryUUID).toEqual([[], []]);
      expect(r.entry, e.entryUUID).toEqual(e);
    }
    // The hash travels as base64 and still names the document's bytes.
    const c = pack.communities[0]!;
    const e = c.entries[0]!;
    const bytes = await c.readDocument(e.uniqueId);
    expect(toDocumentReference(e, { attachmentUrl: url }).value.content[0]!.attachment.hash).toBe(
      createHash('sha1').update(bytes!).digest('base64'),
    );
  });

  it('maps a report entry element by element as docs/mhd.md says', () => {
    const e = pack.communities[0]!.entries.find((x) => x.mimeType === 'application/pdf')!;
    const d = toDocumentReference(e, { attachmentUrl: url }).value;
    const nhs = e.patientId.split('^')[0];
    expect(d.masterIdentifier).toEqual({ system: 'urn:ietf:rfc:3986', value: `urn:oid:${e.uniqueId}` });
    expect(d.identifier).toEqual([{ use: 'official', system: 'urn:ietf:rfc:3986', value: e.entryUUID }]);
    expect(d.subject).toEqual({ identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhs } });
    expect(d.extension).toEqual([{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: e.homeCommunityId }]);
    expect(d.category).toEqual([
      {
        coding: [
          { system: 'http://snomed.info/sct', code: e.classCode.code, display: e.classCode.displayName },
        ],
      },
    ]);
    expect(d.content[0]!.attachment).toEqual({
      contentType: 'application/pdf',
      language: 'en-GB',
      url: url(e),
      size: e.size,
      hash: Buffer.from(e.hash, 'hex').toString('base64'),
      title: e.title,
      creation: `${e.creationTime.slice(0, 4)}-${e.creationTime.slice(4, 6)}-${e.creationTime.slice(6, 8)}T${e.creationTime.slice(8, 10)}:${e.creationTime.slice(10, 12)}:${e.creationTime.slice(12, 14)}Z`,
    });
    const [accession, study] = e.referenceIdList.map((r) => r.split('^'));
    expect(d.context!.related).toEqual([
      {
        identifier: {
          type: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/v2-0203',
                code: 'ACSN',
                display: 'Accession ID',
              },
            ],
          },
          system: `urn:oid:${accession![3]!.split('&')[1]}`,
          value: accession![0],
        },
      },
      {
        identifier: {
          type: {
            coding: [
              {
                system: 'http://dicom.nema.org/resources/ontology/DCM',
                code: '110180',
                display: 'Study Instance UID',
              },
            ],
          },
          system: 'urn:dicom:uid',
          value: `urn:oid:${study![0]}`,
        },
      },
    ]);
  });
});

describe('what does not map is reported', () => {
  const base = (): DocumentEntry => structuredClone(pack.communities[0]!.entries[0]!);

  it('DTM precision is kept; to the minute it is zero-filled and reported', () => {
    const e = {
      ...base(),
      creationTime: '2020',
      serviceStartTime: '202001',
      serviceStopTime: '202001231324',
    };
    const r = toDocumentReference(e, { attachmentUrl: url });
    expect([r.value.content[0]!.attachment.creation, r.value.context!.period]).toEqual([
      '2020',
      { start: '2020-01', end: '2020-01-23T13:24:00Z' },
    ]);
    expect(r.unmapped).toEqual([
      {
        element: 'DocumentEntry.serviceStopTime',
        reason: 'DTM 202001231324 is precise to the minute: seconds zero-filled',
      },
    ]);
  });

  it('an On-Demand, deprecated entry with a bad hash and a non-OID scheme', () => {
    const e = {
      ...base(),
      objectType: DocumentEntryType.OnDemand,
      availabilityStatus: EntryStatus.Deprecated,
      hash: 'not-hex',
      typeCode: { code: 'X', codingScheme: 'local codes', displayName: 'X' },
    };
    const r = toDocumentReference(e, { attachmentUrl: url });
    expect(r.value.status).toBe('superseded');
    expect(r.unmapped).toEqual([
      {
        element: 'DocumentEntry.objectType',
        reason: `${DocumentEntryType.OnDemand} is not Stable: MHD carries stable entries`,
      },
      { element: 'DocumentEntry.hash', reason: '"not-hex" is not a SHA-1 in hex' },
      {
        element: 'DocumentEntry.typeCode',
        reason: 'coding scheme "local codes" is not an OID: no FHIR system',
      },
    ]);
  });

  it('from an MHD community: offsets to UTC, fractions, a wrong home, extra elements, and a missing hash', () => {
    const e = base();
    const d = structuredClone(toDocumentReference(e, { attachmentUrl: url }).value);
    d.content[0]!.attachment.creation = '2020-01-24T08:47:56.250+01:00';
    d.extension = [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: 'urn:oid:1.2.3' }];
    d.date = '2020-01-24T08:00:00Z';
    const r = fromDocumentReference(d, { repositoryUniqueId: '1.9', homeCommunityId: e.homeCommunityId });
    expect(r.value.entry).toMatchObject({
      creationTime: '20200124074756',
      homeCommunityId: 'urn:oid:1.2.3',
      repositoryUniqueId: '1.9',
    });
    expect(r.unmapped).toEqual([
      {
        element: 'DocumentReference.extension:ihe-HomeCommunityId',
        reason: `urn:oid:1.2.3 is not the community it came from (${e.homeCommunityId})`,
      },
      {
        element: 'DocumentReference.content.attachment.creation',
        reason: 'fraction of a second .250 dropped (DTM stops at seconds)',
      },
      { element: 'DocumentReference.date', reason: 'no DocumentEntry attribute (MHD maps it to none)' },
    ]);
    delete d.content[0]!.attachment.hash;
    delete d.masterIdentifier;
    const bad = fromDocumentReference(d, { repositoryUniqueId: '1.9', homeCommunityId: e.homeCommunityId });
    expect(bad.value.entry).toBeUndefined();
    expect(bad.unmapped).toContainEqual({
      element: 'DocumentReference.masterIdentifier',
      reason: 'missing: DocumentEntry requires it',
    });
    expect(bad.unmapped).toContainEqual({
      element: 'DocumentReference.content.attachment.hash',
      reason: 'missing: DocumentEntry requires it',
    });
    expect(checkComprehensiveDocumentReference(d)).toEqual([
      { expression: 'DocumentReference.masterIdentifier', message: 'required by MHD Comprehensive (min 1)' },
    ]);
  });

  it('relatesTo carries RPLC, XFRM, APND and signs both ways; XFRM_RPLC is reported', () => {
    const relations = [
      {
        associationType: 'urn:ihe:iti:2007:AssociationType:RPLC',
        targetEntryUUID: 'urn:uuid:00000000-0000-4000-8000-000000000001',
      },
      {
        associationType: 'urn:ihe:iti:2007:AssociationType:XFRM_RPLC',
        targetEntryUUID: 'urn:uuid:00000000-0000-4000-8000-000000000002',
      },
    ];
    const e = base();
    const r = toDocumentReference(e, { attachmentUrl: url, relations });
    expect(r.value.relatesTo).toEqual([
      {
        code: 'replaces',
        target: {
          identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:00000000-0000-4000-8000-000000000001' },
        },
      },
    ]);
    expect(r.unmapped).toEqual([
      {
        element: 'Association.associationType',
        reason: 'urn:ihe:iti:2007:AssociationType:XFRM_RPLC has no DocumentRelationshipType',
      },
    ]);
    const back = fromDocumentReference(r.value, {
      repositoryUniqueId: e.repositoryUniqueId,
      homeCommunityId: e.homeCommunityId,
    });
    expect(back.value.relations).toEqual([relations[0]]);
  });

  it('a DocumentReference with almost nothing in it gives no entry and lists every missing element', () => {
    const bare = { resourceType: 'DocumentReference', status: 'current' } as DocumentReference;
    const r = fromDocumentReference(bare, { repositoryUniqueId: '1.9', homeCommunityId: 'urn:oid:1.2' });
    expect(r.value).toEqual({ entry: undefined, relations: [] });
    expect(r.unmapped.map((u) => u.element)).toEqual([
      'DocumentReference.identifier (urn:uuid: entryUUID)',
      'DocumentReference.masterIdentifier',
      'DocumentReference.subject.identifier',
      'DocumentReference.category',
      'DocumentReference.type',
      'DocumentReference.content.format',
      'DocumentReference.context.practiceSetting',
      'DocumentReference.context.facilityType',
      'DocumentReference.content.attachment.creation',
      'DocumentReference.content.attachment.contentType',
      'DocumentReference.content.attachment.size',
      'DocumentReference.content.attachment.hash',
    ]);
    expect(checkComprehensiveDocumentReference(bare).map((p) => p.expression)).toEqual([
      'DocumentReference.masterIdentifier',
      'DocumentReference.identifier',
      'DocumentReference.type',
      'DocumentReference.category',
      'DocumentReference.subject',
      'DocumentReference.securityLabel',
      'DocumentReference.content.attachment.contentType',
      'DocumentReference.content.attachment.language',
      'DocumentReference.content.attachment.creation',
      'DocumentReference.content.format',
      'DocumentReference.context.facilityType',
      'DocumentReference.context.practiceSetting',
      'DocumentReference.context.sourcePatientInfo',
    ]);
  });
});
