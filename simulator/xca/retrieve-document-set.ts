/**
 * xdsb:RetrieveDocumentSetRequest / Response codec: the bodies of ITI-39 Cross Gateway Retrieve
 * (ITI TF-2 3.39.4.1.2, 3.39.4.2.2), identical to ITI-43; schema IHE XDS.b_DocumentRepository.xsd
 * (namespace urn:ihe:iti:xds-b:2007). Document bytes travel as MTOM/XOP parts (ITI TF-2 Appendix V);
 * the SOAP layer packages and resolves them, this module only writes and reads the references.
 */
import { attr, childElements, esc, firstChild, textOf, type Element } from '../soap/xml.js';
import { XcaNs } from './constants.js';
import { XcaDecodeError } from './decode-error.js';
import { decodeRegistryErrorList, decodeResponseStatus, encodeRegistryErrorList } from './registry-error.js';
import { expectElement, expectOnlyChildren, requireChildText } from './rim-xml.js';
import type {
  DocumentRequest,
  DocumentResponse,
  RetrieveDocumentSetRequest,
  RetrieveDocumentSetResponse,
} from './types.js';

const X = XcaNs.xdsb;
const REQ = 'xdsb:RetrieveDocumentSetRequest';
const RESP = 'xdsb:RetrieveDocumentSetResponse';
const xdsb = (...names: string[]): [string, string][] => names.map((n) => [X, n]);
const REQUEST_CHILDREN = xdsb('HomeCommunityId', 'RepositoryUniqueId', 'DocumentUniqueId');
const RESPONSE_CHILDREN = xdsb(
  'HomeCommunityId',
  'RepositoryUniqueId',
  'DocumentUniqueId',
  'NewRepositoryUniqueId',
  'NewDocumentUniqueId',
  'mimeType',
  'Document',
);
const REGISTRY_RESPONSE_CHILDREN: [string, string][] = [
  [XcaNs.rs, 'ResponseSlotList'],
  [XcaNs.rs, 'RegistryErrorList'],
];

/**
 * Most xdsb:DocumentRequest elements accepted in one RetrieveDocumentSetRequest. The schema sets
 * no maximum; a consumer retrieving every document of one patient needs far fewer (a data-pack
 * patient has 2 to 4 per community). 30,000 requests produced a 103 MB answer at 1.2 GB RSS.
 * Past it the request is refused whole, as a SOAP Fault env:Sender naming the limit (the
 * XcaDecodeError of {@link decodeRetrieveDocumentSetRequest}): ITI TF-2 3.39.4.1.3 defines
 * RegistryErrors per document, none for a request over the responder's limits, and refusing
 * before any document is fetched keeps the work bounded.
 */
export const MAX_DOCUMENT_REQUESTS = 1_000;

/** One MTOM part to send with a retrieve response. */
export interface RetrieveAttachment {
  /** Content-ID without angle brackets. */
  contentId: string;
  /** The document's mimeType. */
  contentType: string;
  body: Buffer;
}

/**
 * Decode `el` (an xdsb:RetrieveDocumentSetRequest) into `{ documents }`, one entry per
 * xdsb:DocumentRequest in order, texts trimmed. HomeCommunityId is optional here (optional in the
 * schema and in ITI-43); an absent or empty one is left undefined, and the gateway or broker decides
 * the IHE error (XDSMissingHomeCommunityId, ITI TF-2 3.39.4.1.3).
 * @throws XcaDecodeError when `el` is not xdsb:RetrieveDocumentSetRequest, has no DocumentRequest
 *   or more than {@link MAX_DOCUMENT_REQUESTS}, or a DocumentRequest lacks a non-empty RepositoryUniqueId or DocumentUniqueId or has a child
 *   the schema does not define (e.g. a lower-case `homeCommunityId`).
 */
export function decodeRetrieveDocumentSetRequest(el: Element): RetrieveDocumentSetRequest {
  expectElement(el, X, 'RetrieveDocumentSetRequest', REQ);
  const requests = childElements(el, X, 'DocumentRequest');
  if (requests.length === 0) throw new XcaDecodeError(`${REQ} has no xdsb:DocumentRequest`);
  if (requests.length > MAX_DOCUMENT_REQUESTS) {
    throw new XcaDecodeError(
      `${REQ} has ${requests.length} xdsb:DocumentRequest elements; at most ${MAX_DOCUMENT_REQUESTS} are accepted (MAX_DOCUMENT_REQUESTS)`,
    );
  }
  return {
    documents: requests.map((r, i) => {
      const where = `${REQ}/xdsb:DocumentRequest[${i + 1}]`;
      expectOnlyChildren(r, REQUEST_CHILDREN, where);
      const doc: DocumentRequest = {
        repositoryUniqueId: requireChildText(r, X, 'RepositoryUniqueId', `${where}/xdsb:RepositoryUniqueId`),
        documentUniqueId: requireChildText(r, X, 'DocumentUniqueId', `${where}/xdsb:DocumentUniqueId`),
      };
      const home = optionalText(r, 'HomeCommunityId');
      return home === '' ? doc : { homeCommunityId: home, ...doc };
    }),
  };
}

/**
 * The xdsb:RetrieveDocumentSetRequest element for `req`, declaring `xmlns:xdsb`: one DocumentRequest
 * per document with HomeCommunityId (left out when undefined or ''), RepositoryUniqueId,
 * DocumentUniqueId, in schema order.
 */
export function encodeRetrieveDocumentSetRequest(req: RetrieveDocumentSetRequest): string {
  let xml = `<xdsb:RetrieveDocumentSetRequest xmlns:xdsb="${X}">`;
  for (const d of req.documents) xml += encodeDocumentRequest(d);
  return `${xml}</xdsb:RetrieveDocumentSetRequest>`;
}

/**
 * One xdsb:DocumentRequest (ITI TF-2 3.39; also inside RAD-75 SeriesRequests, RAD TF-3 4.75):
 * HomeCommunityId (left out when undefined or ''), RepositoryUniqueId, DocumentUniqueId, in schema
 * order. The `xdsb` prefix must be declared by an enclosing element.
 */
export function encodeDocumentRequest(d: DocumentRequest): string {
  return (
    '<xdsb:DocumentRequest>' +
    optionalElement('HomeCommunityId', d.homeCommunityId) +
    `<xdsb:RepositoryUniqueId>${esc(d.repositoryUniqueId)}</xdsb:RepositoryUniqueId>` +
    `<xdsb:DocumentUniqueId>${esc(d.documentUniqueId)}</xdsb:DocumentUniqueId>` +
    '</xdsb:DocumentRequest>'
  );
}

/**
 * The retrieve response body and its MTOM parts. `bodyXml` is xdsb:RetrieveDocumentSetResponse
 * (declaring `xmlns:xdsb` and `xmlns:rs`): rs:RegistryResponse `@status` with the
 * rs:RegistryErrorList (when there are errors), then per document a DocumentResponse with
 * HomeCommunityId (left out when ''), RepositoryUniqueId, DocumentUniqueId, mimeType and Document,
 * in schema order. Each Document holds `<xop:Include href="cid:<id>"/>` where `<id>` is
 * `opts.contentIdFor(i, d)` percent-encoded except `@` (RFC 2392); `attachments[i]` carries that
 * Content-ID (unencoded, no angle brackets), `d.mimeType` and `d.content`.
 */
export function encodeRetrieveDocumentSetResponse(
  resp: RetrieveDocumentSetResponse,
  opts: { contentIdFor: (i: number, d: DocumentResponse) => string },
): { bodyXml: string; attachments: RetrieveAttachment[] } {
  const attachments: RetrieveAttachment[] = [];
  let xml =
    `<xdsb:RetrieveDocumentSetResponse xmlns:xdsb="${X}" xmlns:rs="${XcaNs.rs}">` +
    `<rs:RegistryResponse status="${resp.status}">${encodeRegistryErrorList(resp.errors)}</rs:RegistryResponse>`;
  resp.documents.forEach((d, i) => {
    const contentId = opts.contentIdFor(i, d);
    attachments.push({ contentId, contentType: d.mimeType, body: d.content });
    const href = `cid:${encodeURIComponent(contentId).replace(/%40/g, '@')}`;
    xml +=
      '<xdsb:DocumentResponse>' +
      optionalElement('HomeCommunityId', d.homeCommunityId) +
      `<xdsb:RepositoryUniqueId>${esc(d.repositoryUniqueId)}</xdsb:RepositoryUniqueId>` +
      `<xdsb:DocumentUniqueId>${esc(d.documentUniqueId)}</xdsb:DocumentUniqueId>` +
      `<xdsb:mimeType>${esc(d.mimeType)}</xdsb:mimeType>` +
      `<xdsb:Document><xop:Include xmlns:xop="${XcaNs.xop}" href="${esc(href)}"/></xdsb:Document>` +
      '</xdsb:DocumentResponse>';
  });
  return { bodyXml: `${xml}</xdsb:RetrieveDocumentSetResponse>`, attachments };
}

/**
 * Decode `el` (an xdsb:RetrieveDocumentSetResponse) into `{ status, errors, documents }`.
 * `resolveDocument` gets each xdsb:Document element and returns its bytes (it resolves an
 * xop:Include against the MTOM parts or decodes inline base64; whatever it throws propagates).
 * A DocumentResponse without HomeCommunityId decodes with `homeCommunityId: ''` so the broker can
 * name the fault (required in ITI-39, ITI TF-2 3.39.4.2.2); NewRepositoryUniqueId /
 * NewDocumentUniqueId (On-Demand) are ignored.
 * @throws XcaDecodeError when `el` is not xdsb:RetrieveDocumentSetResponse; rs:RegistryResponse is
 *   missing or its `@status` is not a ResponseStatusType URN; it has a child other than
 *   rs:ResponseSlotList / rs:RegistryErrorList (e.g. a RegistryErrorList in the rim namespace, as
 *   in the IHE deferred samples); its error list is malformed; a DocumentResponse lacks a non-empty
 *   RepositoryUniqueId, DocumentUniqueId or mimeType, lacks Document, or has a child the schema does
 *   not define (e.g. a lower-case `homeCommunityId`).
 */
export function decodeRetrieveDocumentSetResponse(
  el: Element,
  resolveDocument: (documentEl: Element) => Buffer,
): RetrieveDocumentSetResponse {
  expectElement(el, X, 'RetrieveDocumentSetResponse', RESP);
  const rr = firstChild(el, XcaNs.rs, 'RegistryResponse');
  if (!rr) throw new XcaDecodeError(`${RESP}/rs:RegistryResponse is missing`);
  const status = decodeResponseStatus(attr(rr, 'status'), `${RESP}/rs:RegistryResponse/@status`);
  expectOnlyChildren(rr, REGISTRY_RESPONSE_CHILDREN, `${RESP}/rs:RegistryResponse`);
  const errors = decodeRegistryErrorList(firstChild(rr, XcaNs.rs, 'RegistryErrorList'));
  const documents = childElements(el, X, 'DocumentResponse').map((r, i) => {
    const where = `${RESP}/xdsb:DocumentResponse[${i + 1}]`;
    expectOnlyChildren(r, RESPONSE_CHILDREN, where);
    const documentEl = firstChild(r, X, 'Document');
    const doc: Omit<DocumentResponse, 'content'> = {
      homeCommunityId: optionalText(r, 'HomeCommunityId'),
      repositoryUniqueId: requireChildText(r, X, 'RepositoryUniqueId', `${where}/xdsb:RepositoryUniqueId`),
      documentUniqueId: requireChildText(r, X, 'DocumentUniqueId', `${where}/xdsb:DocumentUniqueId`),
      mimeType: requireChildText(r, X, 'mimeType', `${where}/xdsb:mimeType`),
    };
    if (!documentEl) throw new XcaDecodeError(`${where}/xdsb:Document is missing`);
    return { ...doc, content: resolveDocument(documentEl) };
  });
  return { status, errors, documents };
}

function optionalText(el: Element, local: string): string {
  const child = firstChild(el, X, local);
  return child ? textOf(child) : '';
}

function optionalElement(local: string, value: string | undefined): string {
  return value === undefined || value === '' ? '' : `<xdsb:${local}>${esc(value)}</xdsb:${local}>`;
}
