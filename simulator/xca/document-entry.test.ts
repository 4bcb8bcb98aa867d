import { describe, expect, it } from 'vitest';
import { itRef } from '../../test/helpers/reference-tests.js';
import { without } from '../../test/helpers/without.js';
import { childElements, firstChild } from '../soap/xml.js';
import { ClassificationScheme, XcaNs } from './constants.js';
import { XcaDecodeError } from './decode-error.js';
import { decodeExtrinsicObject, encodeDocumentEntry } from './document-entry.js';
import type { DocumentEntry } from './document-entry-model.js';
import { exampleElement, rootOf, sampleEntry } from './test-support/xca-fixtures.js';

const RIM = XcaNs.rim;

function roundTrip(entry: DocumentEntry): DocumentEntry {
  return decodeExtrinsicObject(rootOf(encodeDocumentEntry(entry, 'LeafClass').xml));
}

describe('encodeDocumentEntry / decodeExtrinsicObject', () => {
  it('round-trips a full imaging DocumentEntry', () => {
    const entry = sampleEntry(1);
    expect(roundTrip(entry)).toEqual(entry);
  });

  it('round-trips a minimal entry (no optional values, no authors, no event codes)', () => {
    const entry: DocumentEntry = {
      ...without(sampleEntry(2), 'serviceStartTime', 'serviceStopTime', 'comments'),
      author: [],
      eventCodeList: [],
      confidentialityCode: [],
      referenceIdList: [],
      sourcePatientInfo: [],
      homeCommunityId: '',
      version: '',
    };
    expect(roundTrip(entry)).toEqual(entry);
  });

  it('writes a self-contained ExtrinsicObject with @home and the registry object metadata', () => {
    const entry = sampleEntry(1);
    const obj = encodeDocumentEntry(entry, 'LeafClass');
    expect(obj).toMatchObject({ kind: 'ExtrinsicObject', id: entry.entryUUID, home: entry.homeCommunityId });
    const el = rootOf(obj.xml);
    expect(el.namespaceURI).toBe(RIM);
    expect(el.getAttribute('home')).toBe(entry.homeCommunityId);
    expect(el.getAttribute('lid')).toBe(entry.logicalID);
    const names = childElements(el).map((c) => c.localName);
    const order = ['Slot', 'Name', 'Description', 'VersionInfo', 'Classification', 'ExternalIdentifier'];
    expect([...names].sort((a, b) => order.indexOf(a) - order.indexOf(b))).toEqual(names);
  });

  it('gives every Classification and ExternalIdentifier its own deterministic id, linked to the entry', () => {
    const entry = sampleEntry(1);
    const xml = encodeDocumentEntry(entry, 'LeafClass').xml;
    expect(encodeDocumentEntry(entry, 'LeafClass').xml).toBe(xml);
    const el = rootOf(xml);
    const cls = childElements(el, RIM, 'Classification');
    const ext = childElements(el, RIM, 'ExternalIdentifier');
    expect(cls).toHaveLength(2 + 1 + 1 + 2 + 4);
    const ids = [...cls, ...ext].map((c) => c.getAttribute('id'));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    for (const c of cls) expect(c.getAttribute('classifiedObject')).toBe(entry.entryUUID);
    for (const x of ext) expect(x.getAttribute('registryObject')).toBe(entry.entryUUID);
    const author = cls.find((c) => c.getAttribute('classificationScheme') === ClassificationScheme.author)!;
    expect(author.getAttribute('nodeRepresentation')).toBe('');
    const uniqueIdName = firstChild(firstChild(ext[1]!, RIM, 'Name')!, RIM, 'LocalizedString')!;
    expect(uniqueIdName.getAttribute('value')).toBe('XDSDocumentEntry.uniqueId');
    expect(encodeDocumentEntry(sampleEntry(2), 'LeafClass').xml).not.toContain(cls[0]!.getAttribute('id'));
  });

  it('writes an ObjectRef with @home for returnType ObjectRef', () => {
    const entry = sampleEntry(1);
    expect(encodeDocumentEntry(entry, 'ObjectRef')).toEqual({
      kind: 'ObjectRef',
      id: entry.entryUUID,
      home: entry.homeCommunityId,
      xml: `<rim:ObjectRef xmlns:rim="${RIM}" id="${entry.entryUUID}" home="${entry.homeCommunityId}"/>`,
    });
    expect(encodeDocumentEntry({ ...entry, homeCommunityId: '' }, 'ObjectRef')).toEqual({
      kind: 'ObjectRef',
      id: entry.entryUUID,
      xml: `<rim:ObjectRef xmlns:rim="${RIM}" id="${entry.entryUUID}"/>`,
    });
  });
});

describe('decodeExtrinsicObject on reference messages', () => {
  itRef('decodes the NIST ITI-38 LeafClass response entries', () => {
    const list = firstChild(
      exampleElement('ITI-38/nist_soap_FindDocuments_LeafClass_response_Success.xml'),
      RIM,
      'RegistryObjectList',
    )!;
    const entries = childElements(list, RIM, 'ExtrinsicObject').map(decodeExtrinsicObject);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      entryUUID: 'urn:uuid:974330cc-26ff-4ef8-aca5-f71efc3f1fb0',
      title: 'DocA',
      homeCommunityId: 'urn:oid:2.3.4',
      repositoryUniqueId: '1.19.6.24.109.42.1',
      size: 36,
      creationTime: '20061224',
      classCode: {
        code: 'History and Physical',
        codingScheme: 'Connect-a-thon classCodes',
        displayName: 'History and Physical',
      },
      version: '1.1',
    });
    expect(entries[0]).not.toHaveProperty('comments');
    expect(entries[0]!.author).toHaveLength(2);
    expect(entries[0]!.author[0]).toEqual({
      authorPerson: '^Smitty^Gerald^^^',
      authorInstitution: ['Cleveland Clinic', 'Parma Community'],
      authorRole: ['Attending'],
      authorSpecialty: ['Orthopedic'],
    });
    expect(entries[1]!.patientId).toBe('c4d77e21d0dd487^^^&1.3.6.1.4.1.21367.2005.3.7&ISO');
  });

  itRef(
    'decodes the IHE ITI-18 full DocumentEntry (no @home, lid, VersionInfo or repositoryUniqueId)',
    () => {
      const list = firstChild(
        exampleElement(
          'ITI-18-reference/ihe-official_RegistryStoredQuery_response_SOAP_full-DocumentEntry.xml',
        ),
        RIM,
        'RegistryObjectList',
      )!;
      const entry = decodeExtrinsicObject(childElements(list, RIM, 'ExtrinsicObject')[0]!);
      expect(entry).toMatchObject({
        entryUUID: 'urn:uuid:08a15a6f-5b4a-42de-8f95-89474f83abdf',
        logicalID: 'urn:uuid:08a15a6f-5b4a-42de-8f95-89474f83abdf',
        uniqueId: '1.3.6.1.4.1.21367.2005.3.99.1.1010',
        patientId: 'st3498702^^^&1.3.6.1.4.1.21367.2005.3.7&ISO',
        sourcePatientId: 'jd12323^^^wsh',
        title: 'Sample document 1',
        mimeType: 'text/xml',
        size: 54449,
        serviceStopTime: '200412230801',
        healthcareFacilityTypeCode: {
          code: 'Emergency Department',
          codingScheme: 'Connect-a-thon healthcareFacilityTypeCodes',
          displayName: 'Assisted Living',
        },
        confidentialityCode: [
          { code: 'C', codingScheme: 'Connect-a-thon confidentialityCodes', displayName: 'Celebrity' },
        ],
        eventCodeList: [],
        author: [],
        homeCommunityId: '',
        repositoryUniqueId: '',
        version: '',
      });
      expect(entry.sourcePatientInfo).toHaveLength(5);
    },
  );
});

describe('decodeExtrinsicObject errors', () => {
  const base = encodeDocumentEntry(sampleEntry(1), 'LeafClass').xml;
  const without = (pattern: RegExp): string => base.replace(pattern, '');
  it.each([
    ['not an ExtrinsicObject', `<rim:ObjectRef xmlns:rim="${RIM}" id="x"/>`, /expected rim:ExtrinsicObject/],
    ['no @id', base.replace(/ id="urn:uuid:7a5e[^"]*"/, ''), /rim:ExtrinsicObject\/@id is missing/],
    [
      'no uniqueId',
      without(/<rim:ExternalIdentifier[^>]*2e82c1f6[^>]*>.*?<\/rim:ExternalIdentifier>/),
      /uniqueId ExternalIdentifier .* is missing/,
    ],
    [
      'no classCode',
      without(/<rim:Classification[^>]*41a5887f[^>]*>.*?<\/rim:Classification>/),
      /classCode Classification .* is missing/,
    ],
    [
      'two typeCodes',
      base.replace(/(<rim:Classification[^>]*f0306f51[^>]*>.*?<\/rim:Classification>)/, '$1$1'),
      /typeCode Classification .* appears 2 times/,
    ],
    [
      'a code without codingScheme',
      base.replace(
        /<rim:Slot name="codingScheme"><rim:ValueList><rim:Value>2\.16\.840\.1\.113883\.6\.1<\/rim:Value><\/rim:ValueList><\/rim:Slot>/,
        '',
      ),
      /\(typeCode\) has no codingScheme Slot value/,
    ],
    [
      'a bad size',
      base.replace(/<rim:Value>123457<\/rim:Value>/, '<rim:Value>12k</rim:Value>'),
      /size Slot value "12k"/,
    ],
  ])('rejects %s', (_name, xml, message) => {
    expect(() => decodeExtrinsicObject(rootOf(xml))).toThrow(XcaDecodeError);
    expect(() => decodeExtrinsicObject(rootOf(xml))).toThrow(message);
  });
});
