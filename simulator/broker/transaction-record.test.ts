import { describe, expect, it } from 'vitest';
import { returnedDocuments, returnedObjectRefs } from './transaction-record.js';
import { parseXml } from '../soap/xml.js';
import { decodeAdhocQueryResponse } from '../xca/adhoc-query-response.js';
import { IdentificationScheme, ResponseStatus } from '../xca/constants.js';
import { fhirDocument } from './test-support/fhir-documents.js';

const HOME = 'urn:oid:1.2.826.0.1.9.1';
const STUDY = '1.2.826.0.1.999.5.1';

/** An ITI-38 answer as a community writes it: XML escapes in attribute values and text. */
const answer = `<query:AdhocQueryResponse xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0" status="${ResponseStatus.Success}">
  <rim:RegistryObjectList>
    <rim:ExtrinsicObject id="urn:uuid:e1" home="${HOME}" objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">
      <rim:Slot name="repositoryUniqueId"><rim:ValueList><rim:Value> 1.2.3.4 </rim:Value></rim:ValueList></rim:Slot>
      <rim:Slot name="urn:ihe:iti:xds:2013:referenceIdList"><rim:ValueList>
        <rim:Value>${STUDY}^^^&amp;1.2.3&amp;ISO^urn:ihe:iti:xds:2016:studyInstanceUID</rim:Value>
        <rim:Value>A1^^^&amp;1.2.4&amp;ISO^urn:ihe:iti:xds:2013:accession</rim:Value>
      </rim:ValueList></rim:Slot>
      <rim:ExternalIdentifier id="urn:uuid:x1" registryObject="urn:uuid:e1" identificationScheme="${IdentificationScheme.patientId}" value="9995649284^^^&amp;2.16.840.1.113883.2.1.4.1&amp;ISO"/>
      <rim:ExternalIdentifier id="urn:uuid:x2" registryObject="urn:uuid:e1" identificationScheme="${IdentificationScheme.uniqueId}" value="2.25.1&amp;2"/>
    </rim:ExtrinsicObject>
    <rim:ExtrinsicObject id="urn:uuid:e2" home="${HOME}"/>
    <rim:ObjectRef id="urn:uuid:r1" home="${HOME}"/>
  </rim:RegistryObjectList>
</query:AdhocQueryResponse>`;

describe('the returned entries of an ITI-38 answer', () => {
  it('are read from the ids decoded with each ExtrinsicObject, escapes resolved', () => {
    const { objects: rim } = decodeAdhocQueryResponse(parseXml(answer).documentElement!);
    const objects = rim.map((object) => ({ form: 'ebrim' as const, object }));
    expect(returnedDocuments(objects)).toEqual([
      {
        documentUniqueId: '2.25.1&2',
        entryUuid: 'urn:uuid:e1',
        homeCommunityId: HOME,
        repositoryUniqueId: '1.2.3.4',
        patient: '9995649284',
        studyInstanceUids: [STUDY],
      },
    ]);
    expect(returnedObjectRefs(objects)).toEqual([{ entryUuid: 'urn:uuid:r1', homeCommunityId: HOME }]);
  });
});

describe("the returned entries of an answer holding an MHD community's DocumentReferences", () => {
  const fhir = fhirDocument(7, HOME);
  const entry = {
    documentUniqueId: fhir.entry.uniqueId,
    entryUuid: fhir.id,
    homeCommunityId: HOME,
    repositoryUniqueId: fhir.entry.repositoryUniqueId,
    patient: '9434765919',
    studyInstanceUids: ['1.2.826.0.1.3680043.10.4.7'],
  };

  it('are read from the ids its leg read, as entries when the consumer got entries', () => {
    expect(returnedDocuments([fhir])).toEqual([entry]);
    expect(returnedObjectRefs([fhir])).toEqual([]);
  });

  it('are ObjectRefs when the XCA consumer asked ObjectRef', () => {
    expect(returnedDocuments([fhir], 'ObjectRef')).toEqual([]);
    expect(returnedObjectRefs([fhir], 'ObjectRef')).toEqual([{ entryUuid: fhir.id, homeCommunityId: HOME }]);
  });
});
