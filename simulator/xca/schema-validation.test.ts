/**
 * Every message the XCA codecs emit, wrapped in a SOAP 1.2 envelope, validated offline against the
 * IHE ebRS 3.0 / XDS.b schemas in ../shared/reference/xsd with libxml2 (docs/architecture.md
 * "Tests").
 */
import { expect, it } from 'vitest';
import { describeRef } from '../../test/helpers/reference-tests.js';
import { encodeAdhocQueryRequest } from './adhoc-query-request.js';
import { encodeAdhocQueryResponse } from './adhoc-query-response.js';
import { ErrorSeverity, ResponseStatus, StoredQueryId, XcaNs } from './constants.js';
import { encodeDocumentEntry } from './document-entry.js';
import {
  encodeRetrieveDocumentSetRequest,
  encodeRetrieveDocumentSetResponse,
} from './retrieve-document-set.js';
import { codeValueText, encodeStringList, quoteString } from './slot-value.js';
import { sampleEntry, validateInSoap12 } from './test-support/xca-fixtures.js';

const errors = [
  {
    errorCode: 'XDSUnavailableCommunity',
    codeContext: 'Community urn:oid:1.2.9 did not answer within 5000 ms',
    severity: ErrorSeverity.Error,
    location: 'urn:oid:1.2.9',
  },
  { errorCode: 'XDSRegistryBusy', codeContext: 'retry later', severity: ErrorSeverity.Warning },
];

async function expectValid(bodyXml: string): Promise<void> {
  const r = await validateInSoap12(bodyXml);
  expect(r.ok, r.output).toBe(true);
}

describeRef('emitted messages are schema-valid (SOAP 1.2 + ebRS 3.0 + XDS.b)', () => {
  it('AdhocQueryResponse with 2 full DocumentEntries and errors', async () => {
    await expectValid(
      encodeAdhocQueryResponse({
        status: ResponseStatus.PartialSuccess,
        errors,
        objects: [
          encodeDocumentEntry(sampleEntry(1), 'LeafClass'),
          encodeDocumentEntry(sampleEntry(2), 'LeafClass'),
        ],
      }),
    );
  });

  it('AdhocQueryResponse with ObjectRefs, and an empty one', async () => {
    await expectValid(
      encodeAdhocQueryResponse({
        status: ResponseStatus.Success,
        errors: [],
        objects: [
          encodeDocumentEntry(sampleEntry(1), 'ObjectRef'),
          encodeDocumentEntry(sampleEntry(2), 'ObjectRef'),
        ],
      }),
    );
    await expectValid(
      encodeAdhocQueryResponse({ status: ResponseStatus.Failure, errors: [errors[0]!], objects: [] }),
    );
  });

  it('AdhocQueryRequest (FindDocuments and GetDocuments with @home)', async () => {
    await expectValid(
      encodeAdhocQueryRequest({
        returnType: 'LeafClass',
        returnComposedObjects: true,
        queryId: StoredQueryId.FindDocuments,
        slots: [
          {
            name: '$XDSDocumentEntryPatientId',
            values: [quoteString('9434765919^^^&2.16.840.1.113883.2.1.4.1&ISO')],
          },
          {
            name: '$XDSDocumentEntryStatus',
            values: [encodeStringList(['urn:oasis:names:tc:ebxml-regrep:StatusType:Approved'])],
          },
          {
            name: '$XDSDocumentEntryEventCodeList',
            values: [encodeStringList([codeValueText({ code: 'CT', codingScheme: '1.2.840.10008.2.16.4' })])],
          },
        ],
      }),
    );
    await expectValid(
      encodeAdhocQueryRequest({
        returnType: 'ObjectRef',
        returnComposedObjects: true,
        queryId: StoredQueryId.GetDocuments,
        home: 'urn:oid:1.2.3',
        slots: [{ name: '$XDSDocumentEntryUniqueId', values: ["('1.2.3.4')"] }],
      }),
    );
  });

  it('RetrieveDocumentSetRequest', async () => {
    await expectValid(
      encodeRetrieveDocumentSetRequest({
        documents: [
          {
            homeCommunityId: 'urn:oid:1.2.3',
            repositoryUniqueId: '1.2.3.1',
            documentUniqueId: '1.2.3.1.1',
          },
          {
            homeCommunityId: 'urn:oid:1.2.3',
            repositoryUniqueId: '1.2.3.1',
            documentUniqueId: '1.2.3.1.2',
          },
        ],
      }),
    );
  });

  it('RetrieveDocumentSetResponse, validated as its XOP infoset (Document content inline)', async () => {
    const { bodyXml, attachments } = encodeRetrieveDocumentSetResponse(
      {
        status: ResponseStatus.PartialSuccess,
        errors: [errors[0]!],
        documents: [
          {
            homeCommunityId: 'urn:oid:1.2.3',
            repositoryUniqueId: '1.2.3.1',
            documentUniqueId: '1.2.3.1.1',
            mimeType: 'application/dicom',
            content: Buffer.from([1, 2, 3]),
          },
          {
            homeCommunityId: 'urn:oid:1.2.3',
            repositoryUniqueId: '1.2.3.1',
            documentUniqueId: '1.2.3.1.2',
            mimeType: 'application/pdf',
            content: Buffer.from('%PDF'),
          },
        ],
      },
      { contentIdFor: (i) => `doc${i}@nir-sim.invalid` },
    );
    // XOP 1.0: the schema applies to the reconstructed infoset, where each xop:Include is replaced by the base64 of its part.
    let i = 0;
    const infoset = bodyXml.replace(/<xop:Include [^>]*\/>/g, () =>
      attachments[i++]!.body.toString('base64'),
    );
    expect(i).toBe(2);
    await expectValid(infoset);
    await expectValid(
      encodeRetrieveDocumentSetResponse(
        { status: ResponseStatus.Failure, errors, documents: [] },
        { contentIdFor: () => 'x' },
      ).bodyXml,
    );
  });

  it('the validator is not vacuous: a misordered ExtrinsicObject and a misplaced xop:Include fail', async () => {
    const xml = encodeDocumentEntry(sampleEntry(1), 'LeafClass').xml.replace(
      /(<rim:Name>.*?<\/rim:Name>)(.*?)(<\/rim:ExtrinsicObject>)/,
      '$2$1$3',
    );
    const bad = encodeAdhocQueryResponse({
      status: ResponseStatus.Success,
      errors: [],
      objects: [{ kind: 'ExtrinsicObject', id: 'x', xml }],
    });
    const misordered = await validateInSoap12(bad);
    expect(misordered.ok).toBe(false);
    expect(misordered.output).toMatch(/Name.*not expected/);
    expect(
      (
        await validateInSoap12(
          `<q:AdhocQueryResponse xmlns:q="${XcaNs.query}" status="${ResponseStatus.Success}"/>`,
        )
      ).output,
    ).toMatch(/RegistryObjectList/);
    const packaged = encodeRetrieveDocumentSetResponse(
      {
        status: ResponseStatus.Success,
        errors: [],
        documents: [
          {
            homeCommunityId: 'urn:oid:1.2',
            repositoryUniqueId: '1.2',
            documentUniqueId: '1.2.1',
            mimeType: 'text/plain',
            content: Buffer.from('x'),
          },
        ],
      },
      { contentIdFor: () => 'doc@x' },
    ).bodyXml;
    expect((await validateInSoap12(packaged)).ok).toBe(false);
  });
});
