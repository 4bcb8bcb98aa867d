import { describe, expect, it } from 'vitest';
import { skipWithoutReference } from '../../test/helpers/repo-root.js';
import { itRef } from '../../test/helpers/reference-tests.js';
import { decodeAdhocQueryRequest, encodeAdhocQueryRequest } from './adhoc-query-request.js';
import { StoredQueryId } from './constants.js';
import { XcaDecodeError } from './decode-error.js';
import type { AdhocQueryRequest } from './types.js';
import { exampleElement, rootOf } from './test-support/xca-fixtures.js';

const Q = 'urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0';
const RIM = 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0';

const findDocuments: AdhocQueryRequest = {
  returnType: 'LeafClass',
  returnComposedObjects: true,
  queryId: StoredQueryId.FindDocuments,
  slots: [
    { name: '$XDSDocumentEntryPatientId', values: ["'9434765919^^^&2.16.840.1.113883.2.1.4.1&ISO'"] },
    { name: '$XDSDocumentEntryStatus', values: ["('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')"] },
    {
      name: '$XDSDocumentEntryEventCodeList',
      values: ["('CT^^1.2.840.10008.2.16.4')", "('MR^^1.2.840.10008.2.16.4')"],
    },
    { name: '$XDSDocumentEntryEventCodeList', values: ["('T-D1100^^SRT')"] },
    { name: '$XDSDocumentEntryAuthorPerson', values: ["('%O''Brien <x> & y%')"] },
  ],
};

describe('AdhocQueryRequest codec', () => {
  it.each<[string, AdhocQueryRequest]>([
    ['FindDocuments LeafClass with repeated slots', findDocuments],
    [
      'GetDocuments ObjectRef with home',
      {
        returnType: 'ObjectRef',
        returnComposedObjects: false,
        queryId: StoredQueryId.GetDocuments,
        home: 'urn:oid:1.2.3',
        slots: [{ name: '$XDSDocumentEntryUniqueId', values: ["('1.2.3.4')"] }],
      },
    ],
    [
      'no slots',
      { returnType: 'LeafClass', returnComposedObjects: true, queryId: StoredQueryId.GetAll, slots: [] },
    ],
  ])('round-trips %s', (_name, req) => {
    expect(decodeAdhocQueryRequest(rootOf(encodeAdhocQueryRequest(req)))).toEqual(req);
  });

  itRef('decodes the NIST 12309 template (rim elements under an arbitrary prefix)', () => {
    const req = decodeAdhocQueryRequest(
      exampleElement('ITI-38/nist-testkit-12309_FindDocuments_ObjectRef_request-body_template.xml'),
    );
    expect(req).toEqual({
      returnType: 'ObjectRef',
      returnComposedObjects: true,
      queryId: StoredQueryId.FindDocuments,
      slots: [
        { name: '$XDSDocumentEntryPatientId', values: ["'$patient_id$'"] },
        {
          name: '$XDSDocumentEntryStatus',
          values: ["('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')"],
        },
      ],
    });
  });

  itRef('decodes the NIST 12307 GetDocuments template with @home (default rim namespace)', () => {
    const req = decodeAdhocQueryRequest(
      exampleElement(
        'ITI-38/nist-testkit-12307_GetDocuments_by-EntryUUID_with-home_request-body_template.xml',
      ),
    );
    expect(req.queryId).toBe(StoredQueryId.GetDocuments);
    expect(req.home).toBe('$home');
    expect(req.slots).toEqual([
      { name: '$XDSDocumentEntryEntryUUID', values: ["('$doc_uuid_1$', '$doc_uuid_2$')"] },
    ]);
  });

  it
    .skipIf(skipWithoutReference)
    .each([
      'ITI-38/nhn-xcads_CrossGatewayQuery_request_XUA-SAML-bearer_FindDocuments.xml',
      'ITI-38/nhn-xcads_CrossGatewayQuery_request_async-ReplyTo-address.xml',
      'ITI-38/nist_soap_FindDocuments_LeafClass_request_with-classCode.xml',
      'ITI-38/nist-testkit_FindDocumentsByReferenceId_ObjectRef_with-home_request-body_template.xml',
    ])('decodes %s', (file) => {
    const req = decodeAdhocQueryRequest(exampleElement(file));
    expect(req.queryId).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(req.slots.length).toBeGreaterThan(0);
  });

  itRef('collapses whitespace around the query id (xs:anyURI), as in the IHE ITI-18 sample', () => {
    const req = decodeAdhocQueryRequest(
      exampleElement('ITI-18-reference/ihe-official_RegistryStoredQuery_request_SOAP.xml'),
    );
    expect(req.queryId).toBe(StoredQueryId.FindDocuments);
  });

  it('treats an empty @home as absent', () => {
    const req = decodeAdhocQueryRequest(
      rootOf(
        `<q:AdhocQueryRequest xmlns:q="${Q}" xmlns:r="${RIM}"><q:ResponseOption returnType="ObjectRef"/><r:AdhocQuery id="x" home=" "/></q:AdhocQueryRequest>`,
      ),
    );
    expect(req).toEqual({ returnType: 'ObjectRef', returnComposedObjects: false, queryId: 'x', slots: [] });
  });

  it.each([
    [
      'a different element',
      rootOf(`<q:AdhocQueryResponse xmlns:q="${Q}"/>`),
      /expected query:AdhocQueryRequest/,
    ],
    [
      'an AdhocQueryRequest in the wrong namespace',
      rootOf(`<AdhocQueryRequest xmlns="${RIM}"/>`),
      /expected query:AdhocQueryRequest/,
    ],
    [
      'no returnType',
      rootOf(`<q:AdhocQueryRequest xmlns:q="${Q}"><q:ResponseOption/></q:AdhocQueryRequest>`),
      /@returnType is absent \(schema default RegistryObject\)/,
    ],
    [
      'returnType RegistryObject',
      rootOf(
        `<q:AdhocQueryRequest xmlns:q="${Q}"><q:ResponseOption returnType="RegistryObject"/></q:AdhocQueryRequest>`,
      ),
      /@returnType is "RegistryObject"/,
    ],
    [
      'a bad boolean',
      rootOf(
        `<q:AdhocQueryRequest xmlns:q="${Q}"><q:ResponseOption returnType="LeafClass" returnComposedObjects="yes"/></q:AdhocQueryRequest>`,
      ),
      /@returnComposedObjects "yes" is not an xs:boolean/,
    ],
    [
      'no AdhocQuery',
      rootOf(
        `<q:AdhocQueryRequest xmlns:q="${Q}"><q:ResponseOption returnType="LeafClass"/></q:AdhocQueryRequest>`,
      ),
      /rim:AdhocQuery is missing/,
    ],
    [
      'an AdhocQuery without @id',
      rootOf(
        `<q:AdhocQueryRequest xmlns:q="${Q}" xmlns:r="${RIM}"><q:ResponseOption returnType="LeafClass"/><r:AdhocQuery/></q:AdhocQueryRequest>`,
      ),
      /rim:AdhocQuery\/@id is missing or empty/,
    ],
    [
      'a Slot without @name',
      rootOf(
        `<q:AdhocQueryRequest xmlns:q="${Q}" xmlns:r="${RIM}"><q:ResponseOption returnType="LeafClass"/><r:AdhocQuery id="x"><r:Slot/></r:AdhocQuery></q:AdhocQueryRequest>`,
      ),
      /rim:Slot\[1\]\/@name is missing/,
    ],
  ])('rejects %s', (_name, el, message) => {
    expect(() => decodeAdhocQueryRequest(el)).toThrow(XcaDecodeError);
    expect(() => decodeAdhocQueryRequest(el)).toThrow(message);
  });

  itRef('rejects the IHE empty-body sample', () => {
    const el = exampleElement('ITI-38/ihe-official_CrossGatewayQuery_request_soap12-wsa_empty-body.xml');
    expect(() => decodeAdhocQueryRequest(el)).toThrow(XcaDecodeError);
    expect(() => decodeAdhocQueryRequest(el)).toThrow(/query:ResponseOption is missing/);
  });
});
