import { describe, expect, it } from 'vitest';
import { parseXml } from '../soap/xml.js';
import { XcaNs } from '../xca/constants.js';
import { decodeExtrinsicObject } from '../xca/document-entry.js';
import type { RegistryObjectXml } from '../xca/types.js';
import { ebrimObjects } from './ebrim-objects.js';
import type { FederatedObject } from './federated-object.js';
import { fhirDocument } from './test-support/fhir-documents.js';

const HOME = 'urn:oid:1.2.826.0.1.9.1';
const rim: RegistryObjectXml = {
  kind: 'ObjectRef',
  id: 'urn:uuid:r1',
  home: HOME,
  xml: `<rim:ObjectRef xmlns:rim="${XcaNs.rim}" id="urn:uuid:r1" home="${HOME}"/>`,
};

describe("the XCA face's registry objects", () => {
  it('sends an XCA community object as it came, and an MHD one as the ExtrinsicObject of its DocumentEntry', () => {
    const fhir = fhirDocument(1, HOME);
    const objects: FederatedObject[] = [{ form: 'ebrim', object: rim }, fhir];
    const [sent, encoded, ...rest] = ebrimObjects(objects, 'LeafClass');
    expect(rest).toEqual([]);
    expect(sent).toBe(rim);
    expect({ ...encoded!, xml: undefined }).toEqual({
      kind: 'ExtrinsicObject',
      id: fhir.id,
      home: HOME,
      xml: undefined,
      entryIds: fhir.entryIds,
    });
    // The consumer reads back exactly the DocumentEntry the MHD community's resource mapped to.
    expect(decodeExtrinsicObject(parseXml(encoded!.xml).documentElement!)).toEqual(fhir.entry);
  });

  it('sends an MHD object as an ObjectRef with its home when the request asks ObjectRef', () => {
    const fhir = fhirDocument(2, HOME);
    expect(ebrimObjects([fhir], 'ObjectRef')).toEqual([
      {
        kind: 'ObjectRef',
        id: fhir.id,
        home: HOME,
        xml: `<rim:ObjectRef xmlns:rim="${XcaNs.rim}" id="${fhir.id}" home="${HOME}"/>`,
      },
    ]);
  });
});
