/**
 * The pure parts of the broker's ITI-68: the request's parameters (retrieve-document-request.ts)
 * and the check that keeps a community's mimeType out of the Content-Type header unless it is one.
 */
import { describe, expect, it } from 'vitest';
import { readRetrieveDocumentRequest } from './retrieve-document-request.js';
import { getDocumentsByUniqueId, isMediaType } from './retrieve-document.js';

const HOME = 'urn:oid:1.2.826.0.1.999.1';

describe('readRetrieveDocumentRequest', () => {
  it('reads the three identifiers, in any order, OID^extension uniqueIds too', () => {
    expect(
      readRetrieveDocumentRequest(`?uniqueId=1.2.3%5Eab-1&repositoryUniqueId=1.2.4&homeCommunityId=${HOME}`),
    ).toEqual({
      ok: true,
      target: { homeCommunityId: HOME, repositoryUniqueId: '1.2.4', uniqueId: '1.2.3^ab-1' },
    });
  });

  it('refuses more than 16 parameters before reading them', () => {
    const r = readRetrieveDocumentRequest(Array.from({ length: 17 }, (_, i) => `uniqueId=${i}`).join('&'));
    expect(r).toEqual({
      ok: false,
      issues: [
        {
          severity: 'error',
          code: 'too-long',
          diagnostics:
            'more than 16 query parameters: ITI-68 takes homeCommunityId, repositoryUniqueId, uniqueId',
        },
      ],
    });
  });

  it('refuses a uniqueId with two extensions or an extension over 16 characters', () => {
    for (const uniqueId of ['1.2.3^a^b', `1.2.3^${'x'.repeat(17)}`, '01.2']) {
      const r = readRetrieveDocumentRequest(
        new URLSearchParams({ homeCommunityId: HOME, repositoryUniqueId: '1.2', uniqueId }).toString(),
      );
      expect(r).toMatchObject({ ok: false, issues: [{ code: 'invalid', expression: ['uniqueId'] }] });
    }
  });
});

describe('isMediaType', () => {
  it.each([
    ['application/pdf', true],
    ['application/dicom', true],
    ['text/plain; charset=UTF-8', true],
    ['multipart/related; type="application/dicom"', true],
    ['pdf', false],
    ['application/pdf\r\nSet-Cookie: x=1', false],
    ['application/pdf\n', false],
    ['', false],
    [`application/${'x'.repeat(260)}`, false],
  ])('%j -> %s', (v, ok) => {
    expect(isMediaType(v)).toBe(ok);
  });
});

describe('getDocumentsByUniqueId', () => {
  it("asks the document's home for its entry (ITI TF-2 3.18.4.1.2.3.7.5), LeafClass", () => {
    expect(
      getDocumentsByUniqueId({ homeCommunityId: HOME, repositoryUniqueId: '1.2', uniqueId: '1.2.3' }),
    ).toEqual({
      returnType: 'LeafClass',
      returnComposedObjects: true,
      queryId: 'urn:uuid:5c4f972b-d56b-40ac-a5fc-c8ca9b40b9d4',
      home: HOME,
      slots: [{ name: '$XDSDocumentEntryUniqueId', values: ["('1.2.3')"] }],
    });
  });
});
