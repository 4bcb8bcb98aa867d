import { describe, expect, it } from 'vitest';
import { itRef } from '../../test/helpers/reference-tests.js';
import { serialize } from '../soap/xml.js';
import { decodeAdhocQueryResponse, encodeAdhocQueryResponse } from './adhoc-query-response.js';
import { ErrorSeverity, ResponseStatus, XcaNs } from './constants.js';
import { XcaDecodeError } from './decode-error.js';
import { decodeExtrinsicObject, encodeDocumentEntry } from './document-entry.js';
import type { AdhocQueryResponse } from './types.js';
import { exampleElement, rootOf, sampleEntry } from './test-support/xca-fixtures.js';

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
