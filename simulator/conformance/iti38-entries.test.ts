/**
 * NIR's DocumentEntry completeness rule on one rim:ExtrinsicObject (ITI TF-3 4.2.3.2): a complete
 * entry has no problem; each wrong or missing field is named once, by its Slot, Classification
 * or ExternalIdentifier.
 */
import { describe, expect, it } from 'vitest';
import { encodeDocumentEntry } from '../xca/document-entry.js';
import { sampleEntry } from '../xca/test-support/xca-fixtures.js';
import { metadataProblems } from './iti38-entries.js';
import type { TestDocument } from './test-data.js';

const entry = sampleEntry(1);
const nhs = entry.patientId.slice(0, 10);
const expected: TestDocument = {
  entryUuid: entry.entryUUID,
  uniqueId: entry.uniqueId,
  repositoryUniqueId: entry.repositoryUniqueId,
  mimeType: entry.mimeType,
  size: entry.size,
  hash: entry.hash.toLowerCase(),
  classCode: entry.classCode.code,
  typeCode: entry.typeCode.code,
  formatCode: entry.formatCode.code,
  creationTime: entry.creationTime,
};
const xml = (e = entry) => encodeDocumentEntry(e, 'LeafClass').xml;

describe('metadataProblems', () => {
  it('finds nothing wrong in an entry equal to the test data (hash compared case-insensitively)', () => {
    expect(metadataProblems(xml({ ...entry, hash: entry.hash.toUpperCase() }), expected, nhs)).toEqual([]);
  });

  it('names each wrong field with the value seen and the one expected', () => {
    const other = {
      ...entry,
      patientId: `${nhs}^^^&1.2.3&ISO`,
      classCode: { ...entry.classCode, code: 'X1' },
      creationTime: '20200101',
    };
    expect(metadataProblems(xml(other), expected, nhs)).toEqual([
      `Slot creationTime is 20200101, expected ${entry.creationTime}`,
      `patientId ${nhs}^^^&1.2.3&ISO is not an NHS-number CX <nhs>^^^&2.16.840.1.113883.2.1.4.1&ISO (the patient id's assigning authority is not the NHS number OID &2.16.840.1.113883.2.1.4.1&ISO)`,
      `classCode is X1, expected ${expected.classCode}`,
    ]);
  });

  it('wants the accession number and Study Instance UID of an imaging entry in referenceIdList', () => {
    const imaging = { ...expected, accessionNumber: 'ACC1', studyInstanceUid: '1.2.3.4' };
    expect(metadataProblems(xml({ ...entry, referenceIdList: [] }), imaging, nhs)).toEqual([
      'Slot referenceIdList has no accession number (^urn:ihe:iti:xds:2013:accession)',
      'Slot referenceIdList has no Study Instance UID (^urn:ihe:iti:xds:2016:studyInstanceUID)',
    ]);
    const listed = [
      'ACC2^^^&1.2.3&ISO^urn:ihe:iti:xds:2013:accession',
      '1.2.3.4^^^^urn:ihe:iti:xds:2016:studyInstanceUID',
    ];
    expect(metadataProblems(xml({ ...entry, referenceIdList: listed }), imaging, nhs)).toEqual([
      'Slot referenceIdList accession number is ACC2, expected ACC1',
    ]);
  });
});
