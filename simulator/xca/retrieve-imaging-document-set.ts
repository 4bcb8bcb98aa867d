/**
 * iherad:RetrieveImagingDocumentSetRequest codec: the body of RAD-75 Cross Gateway Retrieve
 * Imaging Document Set (IHE RAD TF-3 4.75.4.1.2, the RAD-69 body with HomeCommunityId required;
 * schema XDSI.b_ImagingDocumentSource.xsd, namespace urn:ihe:rad:xdsi-b:2009). One or more
 * StudyRequest@studyInstanceUID, each with one or more SeriesRequest@seriesInstanceUID, each with
 * one or more xdsb:DocumentRequest (HomeCommunityId, RepositoryUniqueId, DocumentUniqueId = SOP
 * Instance UID), then one TransferSyntaxUIDList of TransferSyntaxUIDs in preference order.
 * The response is an ITI-39 xdsb:RetrieveDocumentSetResponse (retrieve-document-set.ts) with one
 * `application/dicom` DocumentResponse per image.
 */
import { childElements, esc, firstChild, textOf, type Element } from '../soap/xml.js';
import { XcaNs } from './constants.js';
import { XcaDecodeError } from './decode-error.js';
import { encodeDocumentRequest } from './retrieve-document-set.js';
import { expectElement, expectOnlyChildren, requireAttr, requireChildText } from './rim-xml.js';
import type { DocumentRequest } from './types.js';

/** One SeriesRequest: the series and the images (DocumentRequests) asked for in it. */
interface ImagingSeriesRequest {
  seriesInstanceUid: string;
  documents: DocumentRequest[];
}

/** One StudyRequest. */
export interface ImagingStudyRequest {
  studyInstanceUid: string;
  series: ImagingSeriesRequest[];
}

/** iherad:RetrieveImagingDocumentSetRequest. */
export interface RetrieveImagingDocumentSetRequest {
  studies: ImagingStudyRequest[];
  /** TransferSyntaxUIDs in the requester's order of preference (at least one). */
  transferSyntaxUids: string[];
}

/** One requested image with the study and series it was asked under. */
export interface ImagingDocumentRequest {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  document: DocumentRequest;
}

/**
 * Most iherad:StudyRequest elements in one RAD-75 request. A consumer retrieves the studies of one
 * patient (a data-pack patient has 2 to 4 per community; a long history some tens).
 */
export const MAX_IMAGING_STUDIES = 100;
/** Most iherad:SeriesRequest elements in one RAD-75 request, over all its studies (a CT or MR study has tens). */
export const MAX_IMAGING_SERIES = 1_000;
/**
 * Most xdsb:DocumentRequest elements (images) in one RAD-75 request, over all its series: a large
 * CT or MR study has a few thousand images.
 */
export const MAX_IMAGING_DOCUMENT_REQUESTS = 20_000;

const R = XcaNs.xdsi;
const X = XcaNs.xdsb;
const REQ = 'iherad:RetrieveImagingDocumentSetRequest';
const REQUEST_CHILDREN: [string, string][] = [
  [R, 'StudyRequest'],
  [R, 'TransferSyntaxUIDList'],
];
const DOCUMENT_CHILDREN: [string, string][] = [
  [X, 'HomeCommunityId'],
  [X, 'RepositoryUniqueId'],
  [X, 'DocumentUniqueId'],
];

function decodeDocument(el: Element, where: string): DocumentRequest {
  expectOnlyChildren(el, DOCUMENT_CHILDREN, where);
  const doc: DocumentRequest = {
    repositoryUniqueId: requireChildText(el, X, 'RepositoryUniqueId', `${where}/xdsb:RepositoryUniqueId`),
    documentUniqueId: requireChildText(el, X, 'DocumentUniqueId', `${where}/xdsb:DocumentUniqueId`),
  };
  const home = firstChild(el, X, 'HomeCommunityId');
  const text = home ? textOf(home) : '';
  return text === '' ? doc : { homeCommunityId: text, ...doc };
}

function decodeSeries(el: Element, where: string): ImagingSeriesRequest {
  expectOnlyChildren(el, [[X, 'DocumentRequest']], where);
  const docs = childElements(el, X, 'DocumentRequest');
  if (docs.length === 0) throw new XcaDecodeError(`${where} has no xdsb:DocumentRequest`);
  return {
    seriesInstanceUid: requireAttr(el, 'seriesInstanceUID', where).trim(),
    documents: docs.map((d, i) => decodeDocument(d, `${where}/xdsb:DocumentRequest[${i + 1}]`)),
  };
}

function decodeStudy(el: Element, where: string): ImagingStudyRequest {
  expectOnlyChildren(el, [[R, 'SeriesRequest']], where);
  const series = childElements(el, R, 'SeriesRequest');
  if (series.length === 0) throw new XcaDecodeError(`${where} has no iherad:SeriesRequest`);
  return {
    studyInstanceUid: requireAttr(el, 'studyInstanceUID', where).trim(),
    series: series.map((s, i) => decodeSeries(s, `${where}/iherad:SeriesRequest[${i + 1}]`)),
  };
}

/**
 * Refuse a request over {@link MAX_IMAGING_STUDIES}, {@link MAX_IMAGING_SERIES} or
 * {@link MAX_IMAGING_DOCUMENT_REQUESTS} by counting children only, before anything is decoded.
 */
function checkCounts(studies: readonly Element[]): void {
  const over = (what: string, n: number, max: number, name: string): XcaDecodeError =>
    new XcaDecodeError(`${REQ} has ${n} ${what}; at most ${max} are accepted (${name})`);
  if (studies.length > MAX_IMAGING_STUDIES)
    throw over('iherad:StudyRequest elements', studies.length, MAX_IMAGING_STUDIES, 'MAX_IMAGING_STUDIES');
  let series = 0;
  let documents = 0;
  for (const study of studies) {
    for (const s of childElements(study, R, 'SeriesRequest')) {
      series += 1;
      documents += childElements(s, X, 'DocumentRequest').length;
    }
  }
  if (series > MAX_IMAGING_SERIES)
    throw over('iherad:SeriesRequest elements', series, MAX_IMAGING_SERIES, 'MAX_IMAGING_SERIES');
  if (documents > MAX_IMAGING_DOCUMENT_REQUESTS) {
    throw over(
      'xdsb:DocumentRequest elements',
      documents,
      MAX_IMAGING_DOCUMENT_REQUESTS,
      'MAX_IMAGING_DOCUMENT_REQUESTS',
    );
  }
}

/**
 * Decode `el` (an iherad:RetrieveImagingDocumentSetRequest). Texts and UIDs are trimmed; an
 * absent or empty HomeCommunityId is left undefined so the gateway or broker can answer
 * XDSMissingHomeCommunityId (RAD TF-3 4.75.4.1.2 requires it).
 *
 * Limits: more than {@link MAX_IMAGING_STUDIES} studies, {@link MAX_IMAGING_SERIES} series or
 * {@link MAX_IMAGING_DOCUMENT_REQUESTS} images in all is refused whole with an XcaDecodeError
 * naming the limit (a SOAP Fault env:Sender): RAD TF-3 4.75.4.1.3 defines RegistryErrors per
 * image, none for a request over the responder's limits.
 * @throws XcaDecodeError when `el` is not that element; it is over a limit; it has no StudyRequest; a StudyRequest /
 *   SeriesRequest lacks its UID attribute or has no SeriesRequest / DocumentRequest; a
 *   DocumentRequest lacks a non-empty RepositoryUniqueId or DocumentUniqueId; TransferSyntaxUIDList
 *   is missing, empty or has an empty TransferSyntaxUID; or any element has a child the schema
 *   does not define.
 */
export function decodeRetrieveImagingDocumentSetRequest(el: Element): RetrieveImagingDocumentSetRequest {
  expectElement(el, R, 'RetrieveImagingDocumentSetRequest', REQ);
  expectOnlyChildren(el, REQUEST_CHILDREN, REQ);
  const studies = childElements(el, R, 'StudyRequest');
  if (studies.length === 0) throw new XcaDecodeError(`${REQ} has no iherad:StudyRequest`);
  checkCounts(studies);
  const list = firstChild(el, R, 'TransferSyntaxUIDList');
  const listWhere = `${REQ}/iherad:TransferSyntaxUIDList`;
  if (!list) throw new XcaDecodeError(`${listWhere} is missing`);
  expectOnlyChildren(list, [[R, 'TransferSyntaxUID']], listWhere);
  const transferSyntaxUids = childElements(list, R, 'TransferSyntaxUID').map((t, i) => {
    const v = textOf(t);
    if (v === '') throw new XcaDecodeError(`${listWhere}/iherad:TransferSyntaxUID[${i + 1}] is empty`);
    return v;
  });
  if (transferSyntaxUids.length === 0)
    throw new XcaDecodeError(`${listWhere} has no iherad:TransferSyntaxUID`);
  return {
    studies: studies.map((s, i) => decodeStudy(s, `${REQ}/iherad:StudyRequest[${i + 1}]`)),
    transferSyntaxUids,
  };
}

/**
 * The iherad:RetrieveImagingDocumentSetRequest element for `req`, declaring `xmlns:iherad` and
 * `xmlns:xdsb`, in schema order: StudyRequest, SeriesRequest, DocumentRequest (HomeCommunityId
 * left out when undefined or ''), then TransferSyntaxUIDList.
 */
export function encodeRetrieveImagingDocumentSetRequest(req: RetrieveImagingDocumentSetRequest): string {
  let xml = `<iherad:RetrieveImagingDocumentSetRequest xmlns:iherad="${R}" xmlns:xdsb="${X}">`;
  for (const st of req.studies) {
    xml += `<iherad:StudyRequest studyInstanceUID="${esc(st.studyInstanceUid)}">`;
    for (const se of st.series) {
      xml += `<iherad:SeriesRequest seriesInstanceUID="${esc(se.seriesInstanceUid)}">`;
      for (const d of se.documents) xml += encodeDocumentRequest(d);
      xml += '</iherad:SeriesRequest>';
    }
    xml += '</iherad:StudyRequest>';
  }
  xml += '<iherad:TransferSyntaxUIDList>';
  for (const ts of req.transferSyntaxUids)
    xml += `<iherad:TransferSyntaxUID>${esc(ts)}</iherad:TransferSyntaxUID>`;
  return `${xml}</iherad:TransferSyntaxUIDList></iherad:RetrieveImagingDocumentSetRequest>`;
}

/** Every requested image in request order, with its study and series. */
export function imagingDocumentRequests(req: RetrieveImagingDocumentSetRequest): ImagingDocumentRequest[] {
  return req.studies.flatMap((st) =>
    st.series.flatMap((se) =>
      se.documents.map((document) => ({
        studyInstanceUid: st.studyInstanceUid,
        seriesInstanceUid: se.seriesInstanceUid,
        document,
      })),
    ),
  );
}

/**
 * The request keeping only the images `keep` accepts, with the study/series nesting and order of
 * `req` (empty series and studies dropped). This is how an initiating gateway splits a request by
 * HomeCommunityId (NIST iig 5403a).
 */
export function filterImagingRequest(
  req: RetrieveImagingDocumentSetRequest,
  keep: (d: ImagingDocumentRequest) => boolean,
): RetrieveImagingDocumentSetRequest {
  const studies: ImagingStudyRequest[] = [];
  for (const st of req.studies) {
    const series: ImagingSeriesRequest[] = [];
    for (const se of st.series) {
      const documents = se.documents.filter((document) =>
        keep({ studyInstanceUid: st.studyInstanceUid, seriesInstanceUid: se.seriesInstanceUid, document }),
      );
      if (documents.length > 0) series.push({ seriesInstanceUid: se.seriesInstanceUid, documents });
    }
    if (series.length > 0) studies.push({ studyInstanceUid: st.studyInstanceUid, series });
  }
  return { studies, transferSyntaxUids: [...req.transferSyntaxUids] };
}
