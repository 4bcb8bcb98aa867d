import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { referenceAvailable } from '../../test/helpers/repo-root.js';
import { describeRef } from '../../test/helpers/reference-tests.js';
import { decodeAdhocQueryRequest } from './adhoc-query-request.js';
import { ErrorCode } from './constants.js';
import { parseStoredQuery } from './stored-query.js';
import {
  REFERENCE_DIR,
  exampleElement,
  expectStoredQuery as check,
  type ExpectedStoredQuery as Expected,
} from './test-support/xca-fixtures.js';

const APPROVED = 'urn:oasis:names:tc:ebxml-regrep:StatusType:Approved';
const DEPRECATED = 'urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated';
const E = ErrorCode;

describeRef('parseStoredQuery on the NIST stored-query body negatives', () => {
  const dir = 'ITI-38/stored-query-body-negatives';
  const expectations: Record<string, Expected> = {
    'nist_FindDocuments_body_valid-baseline.xml': {
      query: {
        name: 'FindDocuments',
        patientId: 'c4d77e21d0dd487^^^&1.3.6.1.4.1.21367.2005.3.7&ISO',
        status: [APPROVED],
        classCode: [[{ code: 'value', codingScheme: 'scheme' }]],
      },
    },
    'nist_FindDocuments_body_bad-classCode-missing-scheme.xml': {
      error: E.XDSRegistryError,
      context:
        /^Parameter \$XDSDocumentEntryClassCode: value 'value\^\^' is not a coded value 'code\^\^codingScheme' \(coding scheme missing\)$/,
    },
    'nist_FindDocuments_body_bad-patientId-unquoted.xml': {
      error: E.XDSRegistryError,
      context:
        /^Parameter \$XDSDocumentEntryPatientId: value c4d77e21d0dd487\^\^\^&1\.3\.6\.1\.4\.1\.21367\.2005\.3\.7&ISO is not a quoted string/,
    },
    'nist_FindDocuments_body_bad-status-no-parens-no-quotes.xml': {
      error: E.XDSRegistryError,
      context:
        /^Parameter \$XDSDocumentEntryStatus: value urn:oasis:names:tc:ebxml-regrep:StatusType:Approved is not a list in parentheses/,
    },
    'nist_FindDocuments_body_bad-status-parens-no-quotes.xml': {
      error: E.XDSRegistryError,
      context:
        /^Parameter \$XDSDocumentEntryStatus: value \(urn:.*Approved\): item urn:oasis:names:tc:ebxml-regrep:StatusType:Approved is not a quoted string/,
    },
    'nist_FindDocuments_body_missing-required-status.xml': {
      error: E.XDSStoredQueryMissingParam,
      context: /^FindDocuments: required parameter \$XDSDocumentEntryStatus is missing$/,
    },
  };
  const files = (referenceAvailable ? readdirSync(join(REFERENCE_DIR, 'examples', dir)) : []).filter((f) =>
    f.endsWith('.xml'),
  );

  it('has an expectation for every file in the folder', () => {
    expect(files.sort()).toEqual(Object.keys(expectations).sort());
  });

  it.each(files)('%s', (file) => {
    check(parseStoredQuery(decodeAdhocQueryRequest(exampleElement(`${dir}/${file}`))), expectations[file]!);
  });
});

describeRef('parseStoredQuery on the NIST / IHE request templates', () => {
  it.each<[string, Expected]>([
    [
      'ITI-38/nist-testkit-12300_FindDocuments_LeafClass_request-body_template.xml',
      { query: { name: 'FindDocuments', patientId: '$patient_id$', status: [APPROVED] } },
    ],
    [
      'ITI-38/nist-testkit-12309_FindDocuments_ObjectRef_request-body_template.xml',
      { query: { name: 'FindDocuments', patientId: '$patient_id$', status: [APPROVED] } },
    ],
    [
      'ITI-38/nist-testkit-15814_FindDocuments_two-communities_request-body_template.xml',
      { query: { name: 'FindDocuments', patientId: '$patient_id$', status: [APPROVED] } },
    ],
    [
      'ITI-38/nist-testkit-12307_GetDocuments_by-EntryUUID_with-home_request-body_template.xml',
      { query: { name: 'GetDocuments', by: 'entryUUID', ids: ['$doc_uuid_1$', '$doc_uuid_2$'] } },
    ],
    [
      'ITI-38/nist-testkit-15815_GetDocuments_by-UniqueId_missing-home_request-body.xml',
      { query: { name: 'GetDocuments', by: 'uniqueId', ids: ['1.2.3.4.5'] } },
    ],
    [
      'ITI-38/nist-testkit-15815_GetDocuments_by-UniqueId_unknown-home_request-body.xml',
      { query: { name: 'GetDocuments', by: 'uniqueId', ids: ['1.2.3.4.5'] } },
    ],
    [
      'ITI-38/nist-testkit_FindDocumentsByReferenceId_ObjectRef_with-home_request-body_template.xml',
      {
        query: {
          name: 'FindDocumentsByReferenceId',
          patientId: '$patient_id$',
          status: [APPROVED, DEPRECATED],
          referenceIdList: ['$refId0$', '$refId1$', '$refId2$'],
        },
      },
    ],
    [
      'ITI-18-reference/ihe-official_RegistryStoredQuery_request_SOAP.xml',
      {
        error: E.XDSRegistryError,
        context: /^Parameter \$XDSDocumentEntryPatientId: value st3498702.* is not a quoted string/,
      },
    ],
  ])('%s', (file, expected) => {
    check(parseStoredQuery(decodeAdhocQueryRequest(exampleElement(file))), expected);
  });

  it.each([
    [
      'nhn-xcads_CrossGatewayQuery_request_XUA-SAML-bearer_FindDocuments.xml',
      '27888498775^^^&2.16.578.1.12.4.1.4.1&ISO',
    ],
    [
      'nhn-xcads_CrossGatewayQuery_request_XUA-SAML_variant-kj.xml',
      '17855599120^^^&2.16.578.1.12.4.1.4.1&ISO',
    ],
    [
      'nhn-xcads_CrossGatewayQuery_request_XUA-SAML_with-acp-attribute.xml',
      '17855599120^^^&2.16.578.1.12.4.1.4.1&ISO',
    ],
    [
      'nhn-xcads_CrossGatewayQuery_request_async-ReplyTo-address.xml',
      '17855599120^^^&2.16.578.1.12.4.1.4.1&ISO',
    ],
    [
      'nhn-xcads_CrossGatewayQuery_request_wsse-Timestamp-only.xml',
      '17855599120^^^&2.16.578.1.12.4.1.4.1&ISO',
    ],
  ])('parses the NHN request %s', (file, patientId) => {
    check(parseStoredQuery(decodeAdhocQueryRequest(exampleElement(`ITI-38/${file}`))), {
      query: { name: 'FindDocuments', patientId, status: [APPROVED] },
    });
  });
});
