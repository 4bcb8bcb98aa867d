/**
 * FederatedObject -> DocumentReference at the broker's MHD face: every DocumentEntry of the
 * default pack, as an XCA community sends it (ebRIM), becomes a DocumentReference that passes the
 * FHIR R4 schema and MHD Comprehensive with nothing reported, its attachment at the broker's
 * ITI-68; KOS manifests as the NHS draft imaging specification shows them; an MHD community's
 * DocumentReference forwarded with only its attachment URL changed; other objects reported.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DocumentReference } from 'fhir/r4.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataPack } from '../data-pack/loader.js';
import type { DataPack } from '../data-pack/pack-format.js';
import { validateFhirResource } from '../fhir/schema-validator.js';
import { HOME_COMMUNITY_ID_EXTENSION, toDocumentReference } from '../mhd/document-reference.js';
import { checkComprehensiveDocumentReference } from '../mhd/mhd-profile-check.js';
import { encodeDocumentEntry } from '../xca/document-entry.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import { documentReferences, iti68Url } from './document-references.js';
import type { FederatedObject } from './federated-object.js';

const packDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data-packs/default');
const ORIGIN = 'https://127.0.0.1:8443';
let pack: DataPack;
beforeAll(async () => {
  pack = await loadDataPack(packDir);
});

const ebrim = (e: DocumentEntry): FederatedObject => ({
  form: 'ebrim',
  object: encodeDocumentEntry(e, 'LeafClass'),
});

describe('documentReferences', () => {
  it('maps every default-pack DocumentEntry sent as ebRIM to a valid MHD Comprehensive DocumentReference at the broker ITI-68', () => {
    const entries = pack.communities.flatMap((c) => c.entries);
    expect(entries.length).toBeGreaterThan(200);
    const r = documentReferences(entries.map(ebrim), ORIGIN);
    expect(r.issues).toEqual([]);
    expect(r.matches.map((m) => m.entry)).toEqual(entries);
    for (const [k, m] of r.matches.entries()) {
      const e = entries[k]!;
      expect(validateFhirResource('DocumentReference', m.resource), e.entryUUID).toEqual({ ok: true });
      expect(checkComprehensiveDocumentReference(m.resource), e.entryUUID).toEqual([]);
      expect(m.fullUrl).toBe(e.entryUUID);
      const url = new URL(m.resource.content[0]!.attachment.url!);
      expect([url.origin, url.pathname, [...url.searchParams]]).toEqual([
        ORIGIN,
        '/fhir/document',
        [
          ['homeCommunityId', e.homeCommunityId],
          ['repositoryUniqueId', e.repositoryUniqueId],
          ['uniqueId', e.uniqueId],
        ],
      ]);
      // Exactly what the mapping gives for the entry itself: nothing lost on the way through ebRIM.
      expect(m.resource).toEqual(toDocumentReference(e, { attachmentUrl: (x) => iti68Url(ORIGIN, x) }).value);
    }
  });

  it('shows a KOS manifest as the NHS draft does: application/dicom, accession and Study Instance UID in context.related', () => {
    const kos = pack.communities.flatMap((c) => c.entries).find((e) => e.mimeType === 'application/dicom')!;
    expect(kos).toBeDefined();
    const doc = documentReferences([ebrim(kos)], ORIGIN).matches[0]!.resource;
    expect(doc.content[0]!.attachment.contentType).toBe('application/dicom');
    const related = doc.context!.related!.map((r) => r.identifier!);
    const acsn = related.find((i) => i.type?.coding?.[0]?.code === 'ACSN');
    const study = related.find((i) => i.type?.coding?.[0]?.code === '110180');
    const cxAcc = kos.referenceIdList.find((r) => r.endsWith('urn:ihe:iti:xds:2013:accession'))!;
    const cxStudy = kos.referenceIdList.find((r) => r.endsWith('urn:ihe:iti:xds:2016:studyInstanceUID'))!;
    expect(acsn).toEqual({
      type: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'ACSN', display: 'Accession ID' },
        ],
      },
      system: `urn:oid:${cxAcc.split('^')[3]!.split('&')[1]!}`,
      value: cxAcc.split('^')[0],
    });
    expect(study).toEqual({
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
      value: `urn:oid:${cxStudy.split('^')[0]!}`,
    });
  });

  it("forwards an MHD community's DocumentReference as received, its attachment at the broker ITI-68", () => {
    const e = pack.communities[1]!.entries[0]!;
    const received: DocumentReference = toDocumentReference(e, {
      attachmentUrl: () => 'https://community.example/fhir/Binary/1',
    }).value;
    const fhir: FederatedObject = {
      form: 'fhir',
      id: e.entryUUID,
      home: e.homeCommunityId,
      resource: received,
      entry: e,
      entryIds: {
        uniqueId: e.uniqueId,
        patientId: e.patientId,
        repositoryUniqueId: e.repositoryUniqueId,
        referenceIdList: e.referenceIdList,
      },
    };
    const r = documentReferences([fhir], ORIGIN);
    const url = iti68Url(ORIGIN, e);
    expect(r).toEqual({
      matches: [
        {
          fullUrl: e.entryUUID,
          entry: e,
          resource: {
            ...received,
            content: [{ ...received.content[0]!, attachment: { ...received.content[0]!.attachment, url } }],
          },
        },
      ],
      issues: [],
    });
    // The received resource itself is left as it was.
    expect(received.content[0]!.attachment.url).toBe('https://community.example/fhir/Binary/1');
  });

  it('reports objects that are no DocumentReference, and a DocumentEntry that cannot be read', () => {
    const e = pack.communities[0]!.entries[0]!;
    const ref: FederatedObject = {
      form: 'ebrim',
      object: {
        kind: 'ObjectRef',
        id: 'urn:uuid:11111111-2222-3333-4444-555555555555',
        home: 'urn:oid:1.2.3',
        xml: '<rim:ObjectRef/>',
      },
    };
    const broken: FederatedObject = {
      form: 'ebrim',
      object: {
        ...encodeDocumentEntry(e, 'LeafClass'),
        xml: '<rim:ExtrinsicObject xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0" id="urn:uuid:x"/>',
      },
    };
    const r = documentReferences([ref, broken, ebrim(e)], ORIGIN);
    expect(r.matches.map((m) => m.fullUrl)).toEqual([e.entryUUID]);
    expect(r.issues).toEqual([
      {
        severity: 'warning',
        code: 'not-supported',
        extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: 'urn:oid:1.2.3' }],
        diagnostics:
          'the community returned an ObjectRef (urn:uuid:11111111-2222-3333-4444-555555555555), which is no DocumentEntry and so no DocumentReference: left out',
      },
      {
        severity: 'warning',
        code: 'structure',
        extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: e.homeCommunityId }],
        diagnostics: `DocumentEntry ${e.entryUUID} cannot be read (rim:ExtrinsicObject: the uniqueId ExternalIdentifier (identificationScheme urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab) is missing): left out`,
      },
    ]);
  });

  it("maps the DocumentEntry the XCA leg decoded from its own parse, and reports that decode's error, without parsing the text again", () => {
    const [e, f] = pack.communities[0]!.entries;
    // Text that decodes to nothing: the result can only come from `decoded`.
    const unreadable = '<not-xml';
    const given: FederatedObject = {
      form: 'ebrim',
      object: { ...encodeDocumentEntry(e!, 'LeafClass'), xml: unreadable },
      decoded: { entry: e! },
    };
    const failed: FederatedObject = {
      form: 'ebrim',
      object: { ...encodeDocumentEntry(f!, 'LeafClass'), xml: unreadable },
      decoded: { error: new Error('rim:ExtrinsicObject: the classCode Classification is missing') },
    };
    const r = documentReferences([given, failed], ORIGIN);
    expect(r.matches).toEqual(documentReferences([ebrim(e!)], ORIGIN).matches);
    expect(r.issues).toEqual([
      {
        severity: 'warning',
        code: 'structure',
        extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: f!.homeCommunityId }],
        diagnostics: `DocumentEntry ${f!.entryUUID} cannot be read (rim:ExtrinsicObject: the classCode Classification is missing): left out`,
      },
    ]);
    // The leg's entry is not changed by the mapping.
    expect(r.matches[0]!.entry).not.toBe(e);
  });

  it('gives a home-less decoded entry the home consolidation set', () => {
    const e = { ...pack.communities[0]!.entries[0]!, homeCommunityId: '' };
    const o: FederatedObject = {
      form: 'ebrim',
      object: { ...encodeDocumentEntry(e, 'LeafClass'), home: 'urn:oid:1.2.3' },
      decoded: { entry: e },
    };
    const [m] = documentReferences([o], ORIGIN).matches;
    expect(m!.entry.homeCommunityId).toBe('urn:oid:1.2.3');
    expect(e.homeCommunityId).toBe('');
  });

  it('percent-encodes every value of the ITI-68 URL', () => {
    expect(
      iti68Url('http://127.0.0.1:8080', {
        homeCommunityId: 'urn:oid:1.2.3',
        repositoryUniqueId: '1.2&x=y',
        uniqueId: '1.2.3^a b#c',
      }),
    ).toBe(
      'http://127.0.0.1:8080/fhir/document?homeCommunityId=urn%3Aoid%3A1.2.3&repositoryUniqueId=1.2%26x%3Dy&uniqueId=1.2.3%5Ea+b%23c',
    );
  });
});
