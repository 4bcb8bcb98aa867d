import { describe, expect, it } from 'vitest';
import { itRef } from '../../test/helpers/reference-tests.js';
import { firstChild } from '../soap/xml.js';
import { ErrorSeverity, ResponseStatus, XcaNs } from './constants.js';
import { XcaDecodeError } from './decode-error.js';
import {
  MAX_DOCUMENT_REQUESTS,
  decodeRetrieveDocumentSetRequest,
  decodeRetrieveDocumentSetResponse,
  encodeRetrieveDocumentSetRequest,
  encodeRetrieveDocumentSetResponse,
} from './retrieve-document-set.js';
import type { RetrieveDocumentSetRequest, RetrieveDocumentSetResponse } from './types.js';
import { documentResolver, exampleElement, rootOf } from './test-support/xca-fixtures.js';

const X = XcaNs.xdsb;
const INLINE = Buffer.from('UjBsR09EbGhjZ0dTQUxNQUFBUUNBRU1tQ1p0dU1GUXhEUzhi', 'base64');

const request: RetrieveDocumentSetRequest = {
  documents: [
    {
      homeCommunityId: 'urn:oid:1.2.826.0.1.3680043.10.100',
      repositoryUniqueId: '1.2.826.0.1.3680043.10.2',
      documentUniqueId: '1.2.826.0.1.3680043.10.1.1',
    },
    { repositoryUniqueId: '1.2.3', documentUniqueId: '1.2.3.4<&>' },
  ],
};

const response: RetrieveDocumentSetResponse = {
  status: ResponseStatus.PartialSuccess,
  errors: [
    {
      errorCode: 'XDSDocumentUniqueIdError',
      codeContext: 'Document 1.2.9 is not in repository 1.2.3',
      severity: ErrorSeverity.Error,
      location: 'urn:oid:1.2.826.0.1.3680043.10.100',
    },
  ],
  documents: [
    {
      homeCommunityId: 'urn:oid:1.2.826.0.1.3680043.10.100',
      repositoryUniqueId: '1.2.3',
      documentUniqueId: '1.2.3.1',
      mimeType: 'application/dicom',
      content: Buffer.from([0, 1, 2, 255]),
    },
    {
      homeCommunityId: 'urn:oid:1.2.826.0.1.3680043.10.100',
      repositoryUniqueId: '1.2.3',
      documentUniqueId: '1.2.3.2',
      mimeType: 'application/pdf',
      content: Buffer.from('%PDF-1.7'),
    },
  ],
};

function roundTripResponse(resp: RetrieveDocumentSetResponse): RetrieveDocumentSetResponse {
  const { bodyXml, attachments } = encodeRetrieveDocumentSetResponse(resp, {
    contentIdFor: (i) => `doc${i}.a b/c@nir-sim.invalid`,
  });
  return decodeRetrieveDocumentSetResponse(
    rootOf(bodyXml),
    documentResolver(new Map(attachments.map((a) => [a.contentId, a.body]))),
  );
}

describe('RetrieveDocumentSetRequest codec', () => {
  it('round-trips, with and without HomeCommunityId', () => {
    expect(decodeRetrieveDocumentSetRequest(rootOf(encodeRetrieveDocumentSetRequest(request)))).toEqual(
      request,
    );
  });

  itRef.each([
    ['ITI-39/ihe-official_CrossGatewayRetrieve_request_soap12-wsa_two-documents.xml', 2, 'urn:oid:1.2.3.4'],
    ['ITI-39/nist_soap_CrossGatewayRetrieve_request_two-documents.xml', 2, 'urn:oid:1.2.3.5'],
    ['ITI-39/nist-testkit-12312_Retrieve_single_request-body_template.xml', 1, '$home$'],
    ['ITI-39/nist-testkit-12313_Retrieve_two-documents_request-body_template.xml', 2, '$home$'],
    ['ITI-39/nhn-xcads_CrossGatewayRetrieve_request_XUA-SAML.xml', undefined, undefined],
    ['ITI-39/nhn-xcads_CrossGatewayRetrieve_request_wsse-Timestamp-only.xml', undefined, undefined],
  ])('decodes %s', (file, count, home) => {
    const req = decodeRetrieveDocumentSetRequest(exampleElement(file));
    if (count !== undefined) expect(req.documents).toHaveLength(count);
    else expect(req.documents.length).toBeGreaterThan(0);
    for (const d of req.documents) {
      if (home !== undefined) expect(d.homeCommunityId).toBe(home);
      expect(d.repositoryUniqueId).not.toBe('');
      expect(d.documentUniqueId).not.toBe('');
    }
  });

  itRef('leaves a missing HomeCommunityId undefined (the gateway answers XDSMissingHomeCommunityId)', () => {
    const req = decodeRetrieveDocumentSetRequest(
      exampleElement('ITI-39/nist-testkit-12312_Retrieve_missing-HomeCommunityId_request-body_template.xml'),
    );
    expect(req).toEqual({
      documents: [{ repositoryUniqueId: '$repositoryuid$', documentUniqueId: '$docuid$' }],
    });
    expect('homeCommunityId' in req.documents[0]!).toBe(false);
  });

  it.each([
    [
      'a different element',
      `<RetrieveDocumentSetResponse xmlns="${X}"/>`,
      /expected xdsb:RetrieveDocumentSetRequest/,
    ],
    ['no DocumentRequest', `<RetrieveDocumentSetRequest xmlns="${X}"/>`, /has no xdsb:DocumentRequest/],
    [
      'no RepositoryUniqueId',
      `<RetrieveDocumentSetRequest xmlns="${X}"><DocumentRequest><DocumentUniqueId>1</DocumentUniqueId></DocumentRequest></RetrieveDocumentSetRequest>`,
      /DocumentRequest\[1\]\/xdsb:RepositoryUniqueId is missing/,
    ],
    [
      'an empty DocumentUniqueId',
      `<RetrieveDocumentSetRequest xmlns="${X}"><DocumentRequest><RepositoryUniqueId>1</RepositoryUniqueId><DocumentUniqueId> </DocumentUniqueId></DocumentRequest></RetrieveDocumentSetRequest>`,
      /xdsb:DocumentUniqueId is empty/,
    ],
    [
      'a lower-case homeCommunityId',
      `<RetrieveDocumentSetRequest xmlns="${X}"><DocumentRequest><homeCommunityId>urn:oid:1</homeCommunityId><RepositoryUniqueId>1</RepositoryUniqueId><DocumentUniqueId>2</DocumentUniqueId></DocumentRequest></RetrieveDocumentSetRequest>`,
      /unexpected child \{urn:ihe:iti:xds-b:2007\}homeCommunityId/,
    ],
  ])('rejects %s', (_name, xml, message) => {
    expect(() => decodeRetrieveDocumentSetRequest(rootOf(xml))).toThrow(XcaDecodeError);
    expect(() => decodeRetrieveDocumentSetRequest(rootOf(xml))).toThrow(message);
  });
});

describe('RetrieveDocumentSetResponse codec', () => {
  it.each<[string, RetrieveDocumentSetResponse]>([
    ['PartialSuccess with errors and two documents', response],
    ['Failure without documents', { status: ResponseStatus.Failure, errors: response.errors, documents: [] }],
    [
      'Success with a document lacking HomeCommunityId',
      {
        status: ResponseStatus.Success,
        errors: [],
        documents: [{ ...response.documents[0]!, homeCommunityId: '' }],
      },
    ],
  ])('round-trips %s', (_name, resp) => {
    expect(roundTripResponse(resp)).toEqual(resp);
  });

  it('references each document by an xop:Include with a percent-encoded cid and returns the parts', () => {
    const { bodyXml, attachments } = encodeRetrieveDocumentSetResponse(response, {
      contentIdFor: (i, d) => `${i}-${d.documentUniqueId} x@nir-sim.invalid`,
    });
    expect(attachments).toEqual([
      {
        contentId: '0-1.2.3.1 x@nir-sim.invalid',
        contentType: 'application/dicom',
        body: response.documents[0]!.content,
      },
      {
        contentId: '1-1.2.3.2 x@nir-sim.invalid',
        contentType: 'application/pdf',
        body: response.documents[1]!.content,
      },
    ]);
    expect(bodyXml).toContain(
      `<xdsb:Document><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:0-1.2.3.1%20x@nir-sim.invalid"/></xdsb:Document>`,
    );
    const rr = firstChild(rootOf(bodyXml), XcaNs.rs, 'RegistryResponse')!;
    expect(rr.getAttribute('status')).toBe(ResponseStatus.PartialSuccess);
  });

  itRef.each([
    [
      'ITI-39/ihe-official_CrossGatewayRetrieve_response_Success_inline-base64.xml',
      ResponseStatus.Success,
      0,
      'urn:oid:1.2.3.4',
    ],
    [
      'ITI-39/nist_soap_CrossGatewayRetrieve_response_Success.xml',
      ResponseStatus.Success,
      0,
      'urn:oid:1.2.3',
    ],
    [
      'ITI-39/nist_soap_CrossGatewayRetrieve_response_Failure_with-documents.xml',
      ResponseStatus.Failure,
      1,
      'urn:oid:1.2.3',
    ],
    [
      'ITI-18-reference/ihe-official_RetrieveDocumentSet-ITI-43_response_SOAP.xml',
      ResponseStatus.Success,
      0,
      '',
    ],
  ])('decodes %s (inline base64)', (file, status, errorCount, home) => {
    const resp = decodeRetrieveDocumentSetResponse(exampleElement(file), documentResolver());
    expect(resp.status).toBe(status);
    expect(resp.errors).toHaveLength(errorCount);
    expect(resp.documents).toHaveLength(2);
    for (const d of resp.documents) {
      expect(d).toMatchObject({ homeCommunityId: home, mimeType: 'text/xml' });
      expect(d.content.equals(INLINE)).toBe(true);
    }
  });

  itRef('decodes a DocumentResponse without HomeCommunityId with homeCommunityId "" (NIST negative)', () => {
    const resp = decodeRetrieveDocumentSetResponse(
      exampleElement(
        'ITI-39/nist_soap_CrossGatewayRetrieve_response_DocumentResponse-missing-HomeCommunityId.xml',
      ),
      documentResolver(),
    );
    expect(resp.documents.map((d) => d.homeCommunityId)).toEqual(['', 'urn:oid:1.2.3']);
    expect(resp.errors).toEqual([
      {
        errorCode: 'MyBigError',
        codeContext: 'My Prog',
        severity: ErrorSeverity.Error,
        location: 'urn:oid:1.2.3',
      },
    ]);
  });

  itRef('rejects the IHE deferred sample (RegistryErrorList in the rim namespace)', () => {
    const el = exampleElement(
      'ITI-39/ihe-official_deferred_06_retrieve-response_PartialSuccess_DeferredProcessingRequired.xml',
    );
    expect(() => decodeRetrieveDocumentSetResponse(el, documentResolver())).toThrow(
      /rs:RegistryResponse has an unexpected child \{urn:oasis:names:tc:ebxml-regrep:xsd:rim:3\.0\}RegistryErrorList/,
    );
  });

  const rr = `<rs:RegistryResponse xmlns:rs="${XcaNs.rs}" status="${ResponseStatus.Success}"/>`;
  const doc = (inner: string): string =>
    `<RetrieveDocumentSetResponse xmlns="${X}">${rr}<DocumentResponse>${inner}</DocumentResponse></RetrieveDocumentSetResponse>`;
  it.each([
    ['no RegistryResponse', `<RetrieveDocumentSetResponse xmlns="${X}"/>`, /rs:RegistryResponse is missing/],
    [
      'a bad status',
      `<RetrieveDocumentSetResponse xmlns="${X}"><rs:RegistryResponse xmlns:rs="${XcaNs.rs}" status="Success"/></RetrieveDocumentSetResponse>`,
      /@status "Success" is not a ResponseStatusType URN/,
    ],
    [
      'no mimeType',
      doc(
        '<RepositoryUniqueId>1</RepositoryUniqueId><DocumentUniqueId>2</DocumentUniqueId><Document>AA==</Document>',
      ),
      /DocumentResponse\[1\]\/xdsb:mimeType is missing/,
    ],
    [
      'no Document',
      doc(
        '<RepositoryUniqueId>1</RepositoryUniqueId><DocumentUniqueId>2</DocumentUniqueId><mimeType>text/plain</mimeType>',
      ),
      /DocumentResponse\[1\]\/xdsb:Document is missing/,
    ],
    [
      'a lower-case homeCommunityId',
      doc(
        '<homeCommunityId>urn:oid:1</homeCommunityId><RepositoryUniqueId>1</RepositoryUniqueId><DocumentUniqueId>2</DocumentUniqueId><mimeType>t</mimeType><Document>AA==</Document>',
      ),
      /unexpected child \{urn:ihe:iti:xds-b:2007\}homeCommunityId/,
    ],
  ])('rejects %s', (_name, xml, message) => {
    expect(() => decodeRetrieveDocumentSetResponse(rootOf(xml), documentResolver())).toThrow(XcaDecodeError);
    expect(() => decodeRetrieveDocumentSetResponse(rootOf(xml), documentResolver())).toThrow(message);
  });

  it('ignores the On-Demand NewRepositoryUniqueId / NewDocumentUniqueId elements', () => {
    const xml = doc(
      '<RepositoryUniqueId>1</RepositoryUniqueId><DocumentUniqueId>2</DocumentUniqueId><NewRepositoryUniqueId>3</NewRepositoryUniqueId><NewDocumentUniqueId>4</NewDocumentUniqueId><mimeType>t</mimeType><Document>AA==</Document>',
    );
    expect(decodeRetrieveDocumentSetResponse(rootOf(xml), documentResolver()).documents).toEqual([
      {
        homeCommunityId: '',
        repositoryUniqueId: '1',
        documentUniqueId: '2',
        mimeType: 't',
        content: Buffer.from([0]),
      },
    ]);
  });
});

describe('decodeRetrieveDocumentSetRequest: the DocumentRequest limit', () => {
  const requestOf = (n: number): RetrieveDocumentSetRequest => ({
    documents: Array.from({ length: n }, (_, i) => ({
      homeCommunityId: 'urn:oid:1.2.3',
      repositoryUniqueId: '1.2.3.4',
      documentUniqueId: `1.2.3.4.${i}`,
    })),
  });
  const decodeOf = (n: number): RetrieveDocumentSetRequest =>
    decodeRetrieveDocumentSetRequest(rootOf(encodeRetrieveDocumentSetRequest(requestOf(n))));

  it(`reads ${MAX_DOCUMENT_REQUESTS} DocumentRequests`, () => {
    expect(MAX_DOCUMENT_REQUESTS).toBe(1_000);
    expect(decodeOf(MAX_DOCUMENT_REQUESTS)).toEqual(requestOf(MAX_DOCUMENT_REQUESTS));
  });

  // 30,000 DocumentRequests gave a 103 MB answer in 20 s at 1.2 GB RSS.
  it.each([1_001, 30_000])('refuses %i DocumentRequests naming the limit', (n) => {
    expect(() => decodeOf(n)).toThrow(
      new XcaDecodeError(
        `xdsb:RetrieveDocumentSetRequest has ${n} xdsb:DocumentRequest elements; at most 1000 are accepted (MAX_DOCUMENT_REQUESTS)`,
      ),
    );
  });
});
