import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { itRef } from '../../test/helpers/reference-tests.js';
import {
  XML_LIMITS,
  childElements,
  parseXml,
  serialize,
  type ContentReader,
  type Element,
  type ReadContent,
} from '../soap/xml.js';
import { decodeAdhocQueryResponse, encodeAdhocQueryResponse } from './adhoc-query-response.js';
import { ErrorSeverity, IdentificationScheme, ResponseStatus, XcaNs } from './constants.js';
import { XcaDecodeError } from './decode-error.js';
import { decodeExtrinsicObject, encodeDocumentEntry } from './document-entry.js';
import type { AdhocQueryResponse } from './types.js';
import { readRegistryObjectContent } from './registry-object-content.js';
import { REFERENCE_ID_LIST_SLOT } from './rim-xml.js';
import { REFERENCE_DIR, exampleElement, rootOf, sampleEntry } from './test-support/xca-fixtures.js';

const leafClass: AdhocQueryResponse = {
  status: ResponseStatus.PartialSuccess,
  errors: [
    {
      errorCode: 'XDSUnavailableCommunity',
      codeContext: 'urn:oid:1.2.9 timed out after 5000 ms',
      severity: ErrorSeverity.Error,
      location: 'urn:oid:1.2.9',
    },
  ],
  objects: [
    encodeDocumentEntry(sampleEntry(1), 'LeafClass'),
    encodeDocumentEntry(sampleEntry(2), 'LeafClass'),
  ],
};

describe('AdhocQueryResponse codec', () => {
  it.each<[string, AdhocQueryResponse]>([
    ['LeafClass with errors', leafClass],
    [
      'ObjectRef',
      {
        status: ResponseStatus.Success,
        errors: [],
        objects: [encodeDocumentEntry(sampleEntry(3), 'ObjectRef')],
      },
    ],
    [
      'empty Failure',
      {
        status: ResponseStatus.Failure,
        errors: [{ errorCode: 'XDSRegistryError', codeContext: 'x', severity: ErrorSeverity.Error }],
        objects: [],
      },
    ],
  ])('round-trips %s (objects keep their XML, modulo serialiser escaping)', (_name, resp) => {
    // entryIds are what the decoder reads besides the XML (next test).
    const normalise = (r: AdhocQueryResponse): AdhocQueryResponse => ({
      ...r,
      objects: r.objects.map(({ entryIds: _ids, ...o }) => ({ ...o, xml: serialize(rootOf(o.xml)) })),
    });
    expect(normalise(decodeAdhocQueryResponse(rootOf(encodeAdhocQueryResponse(resp))))).toEqual(
      normalise(resp),
    );
  });

  it('decodes each object as the exact text the community sent, standalone', () => {
    const entry = { ...sampleEntry(4), title: `O'Brien "chest" <PA> & lateral` };
    const sent = [encodeDocumentEntry(entry, 'LeafClass'), encodeDocumentEntry(sampleEntry(5), 'ObjectRef')];
    const resp = { status: ResponseStatus.Success, errors: [], objects: sent };
    const decoded = decodeAdhocQueryResponse(rootOf(encodeAdhocQueryResponse(resp)));
    expect(decoded.objects.map((o) => o.xml)).toEqual(sent.map((o) => o.xml));
    // an object relying on its ancestors' xmlns:rim gets the declaration added
    const inherited = rootOf(
      `<query:AdhocQueryResponse xmlns:query="${XcaNs.query}" xmlns:rim="${XcaNs.rim}" status="${ResponseStatus.Success}">` +
        `<rim:RegistryObjectList><rim:ObjectRef id="urn:uuid:1" home='urn:oid:1.2'/></rim:RegistryObjectList></query:AdhocQueryResponse>`,
    );
    expect(decodeAdhocQueryResponse(inherited).objects[0]!.xml).toBe(
      `<rim:ObjectRef id="urn:uuid:1" home='urn:oid:1.2' xmlns:rim="${XcaNs.rim}"/>`,
    );
  });

  it('reads the ids of each decoded ExtrinsicObject (uniqueId, patientId, repository, referenceIdList)', () => {
    const decoded = decodeAdhocQueryResponse(rootOf(encodeAdhocQueryResponse(leafClass)));
    expect(decoded.objects.map((o) => o.entryIds)).toEqual(
      [sampleEntry(1), sampleEntry(2)].map((e) => ({
        uniqueId: e.uniqueId,
        patientId: e.patientId,
        repositoryUniqueId: e.repositoryUniqueId,
        referenceIdList: e.referenceIdList ?? [],
      })),
    );
  });

  it('always writes RegistryObjectList, even without objects', () => {
    expect(encodeAdhocQueryResponse({ status: ResponseStatus.Success, errors: [], objects: [] })).toBe(
      `<query:AdhocQueryResponse xmlns:query="${XcaNs.query}" xmlns:rim="${XcaNs.rim}" status="${ResponseStatus.Success}"><rim:RegistryObjectList></rim:RegistryObjectList></query:AdhocQueryResponse>`,
    );
  });

  itRef('serialises each decoded object standalone, so it decodes again on its own', () => {
    const resp = decodeAdhocQueryResponse(
      exampleElement('ITI-38/nist_soap_FindDocuments_LeafClass_response_Success.xml'),
    );
    expect(resp.status).toBe(ResponseStatus.Success);
    expect(resp.errors).toEqual([]);
    expect(resp.objects.map((o) => [o.kind, o.id, o.home])).toEqual([
      ['ExtrinsicObject', 'urn:uuid:974330cc-26ff-4ef8-aca5-f71efc3f1fb0', 'urn:oid:2.3.4'],
      ['ExtrinsicObject', 'urn:uuid:0bb95d7b-14cb-4da5-896f-af3be8707c03', 'urn:oid:2.3.4'],
    ]);
    expect(resp.objects[0]!.xml).toMatch(
      /^<rim:ExtrinsicObject [^>]*xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"/,
    );
    expect(decodeExtrinsicObject(rootOf(resp.objects[1]!.xml)).title).toBe('DocF');
  });

  itRef('decodes a Failure with a RegistryErrorList', () => {
    const resp = decodeAdhocQueryResponse(
      exampleElement('ITI-38/nist_soap_response_Failure_with-RegistryErrorList.xml'),
    );
    expect(resp.status).toBe(ResponseStatus.Failure);
    expect(resp.errors).toEqual([
      {
        errorCode: 'MyBigError',
        codeContext: 'My Prog',
        severity: ErrorSeverity.Error,
        location: 'urn:oid:1.2.3',
      },
    ]);
    expect(resp.objects.length).toBeGreaterThan(0);
  });

  itRef('decodes ObjectRefs with home="" as having no home (ITI-18 habit, invalid for XCA)', () => {
    const resp = decodeAdhocQueryResponse(
      exampleElement('ITI-38/nist_AdhocQueryResponse_ObjectRef_body_empty-home-attributes.xml'),
    );
    expect(resp.objects).toHaveLength(6);
    for (const o of resp.objects) {
      expect(o.kind).toBe('ObjectRef');
      expect(o.home).toBeUndefined();
      expect('home' in o).toBe(false);
    }
  });

  it('decodes a ResponseSlotList-bearing response and a response without RegistryObjectList', () => {
    const el = rootOf(
      `<q:AdhocQueryResponse xmlns:q="${XcaNs.query}" xmlns:rs="${XcaNs.rs}" xmlns:rim="${XcaNs.rim}" status="${ResponseStatus.Success}"><rs:ResponseSlotList><rim:Slot name="a"><rim:ValueList/></rim:Slot></rs:ResponseSlotList></q:AdhocQueryResponse>`,
    );
    expect(decodeAdhocQueryResponse(el)).toEqual({ status: ResponseStatus.Success, errors: [], objects: [] });
  });

  itRef.each([
    [
      'a missing status (NIST negative)',
      'ITI-38/nist_AdhocQueryResponse_ObjectRef_body_missing-status.xml',
      /query:AdhocQueryResponse\/@status is missing/,
    ],
    [
      'the IHE empty-body sample',
      'ITI-38/ihe-official_CrossGatewayQuery_response_soap12-wsa_empty-body.xml',
      /@status is missing/,
    ],
    [
      'status "Success" (IHE ITI-18 sample)',
      'ITI-18-reference/ihe-official_RegistryStoredQuery_response_SOAP_full-DocumentEntry.xml',
      /@status "Success" is not a ResponseStatusType URN/,
    ],
    [
      'a RegistryErrorList in the rim namespace (IHE deferred sample)',
      'ITI-38/ihe-official_deferred_02_query-response_PartialSuccess_DeferredProcessingRequired.xml',
      /unexpected child \{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3\.0\}RegistryErrorList/,
    ],
  ])('rejects %s', (_name, file, message) => {
    const el = exampleElement(file);
    expect(() => decodeAdhocQueryResponse(el)).toThrow(XcaDecodeError);
    expect(() => decodeAdhocQueryResponse(el)).toThrow(message);
  });

  it.each([
    [
      'an object without @id',
      `<rim:ObjectRef/>`,
      /rim:RegistryObjectList\/\*\[1\] \(rim:ObjectRef\)\/@id is missing/,
    ],
    [
      'a non-rim object',
      `<x:Thing xmlns:x="urn:x" id="1"/>`,
      /\{urn:x\}Thing is not an ebRIM registry object/,
    ],
  ])('rejects %s', (_name, inner, message) => {
    const el = rootOf(
      `<q:AdhocQueryResponse xmlns:q="${XcaNs.query}" xmlns:rim="${XcaNs.rim}" status="${ResponseStatus.Success}"><rim:RegistryObjectList>${inner}</rim:RegistryObjectList></q:AdhocQueryResponse>`,
    );
    expect(() => decodeAdhocQueryResponse(el)).toThrow(message);
  });
});

describe('AdhocQueryResponse decode with the registry objects read during the parse', () => {
  /** The first element child of a SOAP Body, or the root: as `exampleElement`, parsed with or without `readContent`. */
  const message = (xml: string, readContent?: ReadContent): Element => {
    const root = parseXml(xml, XML_LIMITS, readContent).documentElement!;
    if (root.localName !== 'Envelope') return root;
    const body = childElements(root).find((e) => e.localName === 'Body')!;
    return childElements(body)[0]!;
  };
  /** What decoding gives: the response, or the message of what it threw. */
  const outcome = (el: Element): AdhocQueryResponse | string => {
    try {
      return decodeAdhocQueryResponse(el);
    } catch (err) {
      return `${(err as Error).name}: ${(err as Error).message}`;
    }
  };
  const sameAsTree = (xml: string): AdhocQueryResponse | string => {
    const read = message(xml, readRegistryObjectContent);
    const expected = outcome(message(xml));
    expect(outcome(read)).toEqual(expected);
    return expected;
  };
  const response = (objects: string): string =>
    `<q:AdhocQueryResponse xmlns:q="${XcaNs.query}" xmlns:rim="${XcaNs.rim}" status="${ResponseStatus.Success}"><rim:RegistryObjectList>${objects}</rim:RegistryObjectList></q:AdhocQueryResponse>`;

  it("builds no tree below the objects, and decodes what the tree gives (the encoder's answers)", () => {
    const xml = encodeAdhocQueryResponse(leafClass);
    const list = childElements(message(xml, readRegistryObjectContent), XcaNs.rim, 'RegistryObjectList')[0]!;
    expect(childElements(list).every((o) => o.contentRead !== undefined && o.firstChild === null)).toBe(true);
    const decoded = sameAsTree(xml) as AdhocQueryResponse;
    expect(decoded.objects.map((o) => o.entryIds?.uniqueId)).toEqual([
      sampleEntry(1).uniqueId,
      sampleEntry(2).uniqueId,
    ]);
    sameAsTree(
      encodeAdhocQueryResponse({ ...leafClass, objects: [encodeDocumentEntry(sampleEntry(3), 'ObjectRef')] }),
    );
  });

  it('reads the ids as the tree decode does from odd but well-formed ExtrinsicObjects', () => {
    const U = IdentificationScheme.uniqueId;
    const P = IdentificationScheme.patientId;
    const decoded = sameAsTree(
      response(
        // a first uniqueId without @value, a patientId in another namespace, a nested Slot, a
        // repeated Slot name, a second ValueList, CDATA and references and an element in a Value
        `<rim:ExtrinsicObject id="urn:uuid:e1" home="urn:oid:1.2">` +
          `<rim:ExternalIdentifier identificationScheme="${U}"/>` +
          `<rim:ExternalIdentifier identificationScheme="${U}" value="1.2.3"/>` +
          `<rim:ExternalIdentifier identificationScheme="${U}" value="ignored"/>` +
          `<x:ExternalIdentifier xmlns:x="urn:x" identificationScheme="${P}" value="not-rim"/>` +
          `<rim:Classification><rim:ExternalIdentifier identificationScheme="${P}" value="nested"/></rim:Classification>` +
          `<rim:ExternalIdentifier identificationScheme="${P}" value="9990000018^^^&amp;2.16.840.1.113883.2.1.4.1&amp;ISO"/>` +
          `<rim:Slot name="repositoryUniqueId"><rim:ValueList/></rim:Slot>` +
          `<rim:Slot name="repositoryUniqueId"><rim:ValueList><rim:Value> 1.3.6 </rim:Value><rim:Value>1.3.7</rim:Value></rim:ValueList><rim:ValueList><rim:Value>second-list</rim:Value></rim:ValueList></rim:Slot>` +
          `<rim:Slot name="${REFERENCE_ID_LIST_SLOT}"><rim:ValueList><rim:Value>a<![CDATA[^b]]><!-- c -->&amp;c<rim:Sub>no</rim:Sub>d</rim:Value><rim:Value/></rim:ValueList></rim:Slot>` +
          `<rim:Slot name="other"><rim:ValueList><rim:Value>x</rim:Value></rim:ValueList></rim:Slot>` +
          `<rim:Slot name="${REFERENCE_ID_LIST_SLOT}"><rim:ValueList><rim:Value>e</rim:Value></rim:ValueList></rim:Slot>` +
          `</rim:ExtrinsicObject><rim:ExtrinsicObject id="urn:uuid:e2"/>` +
          `<rim:RegistryPackage id="urn:uuid:p1"><rim:Slot name="repositoryUniqueId"><rim:ValueList><rim:Value>no</rim:Value></rim:ValueList></rim:Slot></rim:RegistryPackage>`,
      ),
    ) as AdhocQueryResponse;
    expect(decoded.objects.map((o) => o.entryIds)).toEqual([
      {
        uniqueId: '1.2.3',
        patientId: '9990000018^^^&2.16.840.1.113883.2.1.4.1&ISO',
        repositoryUniqueId: '1.3.6',
        referenceIdList: ['a^b&cd', '', 'e'],
      },
      { referenceIdList: [] },
      undefined,
    ]);
  });

  it.each([
    ['an object without @id', `<rim:ObjectRef/>`],
    ['a non-rim object', `<x:Thing xmlns:x="urn:x" id="1"><x:Inner/></x:Thing>`],
    [
      'an object without home, kept as it was sent',
      `<rim:ObjectRef id="urn:uuid:1"><!-- x --></rim:ObjectRef>`,
    ],
  ])('gives what the tree decode gives for %s', (_name, inner) => {
    sameAsTree(response(inner));
  });

  itRef.each([
    'ITI-38/nist_soap_FindDocuments_LeafClass_response_Success.xml',
    'ITI-38/nist_soap_response_Failure_with-RegistryErrorList.xml',
    'ITI-38/nist_AdhocQueryResponse_ObjectRef_body_empty-home-attributes.xml',
    'ITI-38/nist_AdhocQueryResponse_ObjectRef_body_missing-status.xml',
    'ITI-38/ihe-official_CrossGatewayQuery_response_soap12-wsa_empty-body.xml',
    'ITI-38/ihe-official_deferred_02_query-response_PartialSuccess_DeferredProcessingRequired.xml',
    'ITI-18-reference/ihe-official_RegistryStoredQuery_response_SOAP_full-DocumentEntry.xml',
  ])('gives what the tree decode gives for the reference message %s', (file) => {
    sameAsTree(readFileSync(join(REFERENCE_DIR, 'examples', file), 'utf8'));
  });

  it('refuses to take the ids of an ExtrinsicObject whose content another reader read', () => {
    const other = (el: Element): ContentReader | undefined =>
      el.localName === 'ExtrinsicObject' ? { open() {}, text() {}, close() {} } : undefined;
    const el = message(encodeAdhocQueryResponse(leafClass), other);
    expect(() => decodeAdhocQueryResponse(el)).toThrow(
      new TypeError('rim:ExtrinsicObject: its content was read during the parse without its ids'),
    );
  });
});
