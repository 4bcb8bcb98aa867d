/**
 * query:AdhocQueryRequest codec: the body of ITI-38 Cross Gateway Query (ITI TF-2 3.38.4.1.2) and
 * ITI-18 Registry Stored Query (ITI TF-2 3.18.4.1.2); schema ebRS 3.0 query.xsd / rim.xsd.
 * Decoding keeps the slot values raw; `stored-query.ts` gives them meaning.
 */
import { attr, childElements, esc, firstChild, textOf, type Element } from '../soap/xml.js';
import { XcaNs } from './constants.js';
import { XcaDecodeError } from './decode-error.js';
import { expectElement, slotXml } from './rim-xml.js';
import type { AdhocQueryRequest, QuerySlot } from './types.js';

const REQ = 'query:AdhocQueryRequest';

/**
 * Decode `el` (a query:AdhocQueryRequest) into `{ returnType, returnComposedObjects, queryId, home?,
 * slots }`. `queryId` and `home` are whitespace-collapsed (their schema type is xs:anyURI);
 * an empty `@home` is treated as absent. Slot values are the trimmed text of each rim:Value.
 * @throws XcaDecodeError when `el` is not query:AdhocQueryRequest; query:ResponseOption is
 *   missing; `@returnType` is absent (schema default RegistryObject) or other than LeafClass /
 *   ObjectRef (ITI TF-2 3.18.4.1.2.1); `@returnComposedObjects` is not an xs:boolean;
 *   rim:AdhocQuery is missing or has no `@id`; a rim:Slot has no `@name`.
 */
export function decodeAdhocQueryRequest(el: Element): AdhocQueryRequest {
  expectElement(el, XcaNs.query, 'AdhocQueryRequest', REQ);
  const option = firstChild(el, XcaNs.query, 'ResponseOption');
  if (!option) throw new XcaDecodeError(`${REQ}/query:ResponseOption is missing`);
  const returnType = attr(option, 'returnType');
  if (returnType !== 'LeafClass' && returnType !== 'ObjectRef') {
    const found = returnType === undefined ? 'absent (schema default RegistryObject)' : `"${returnType}"`;
    throw new XcaDecodeError(
      `${REQ}/query:ResponseOption/@returnType is ${found}; expected LeafClass or ObjectRef`,
    );
  }
  const returnComposedObjects = parseBoolean(
    attr(option, 'returnComposedObjects'),
    `${REQ}/query:ResponseOption/@returnComposedObjects`,
  );
  const query = firstChild(el, XcaNs.rim, 'AdhocQuery');
  if (!query) throw new XcaDecodeError(`${REQ}/rim:AdhocQuery is missing`);
  const queryId = collapse(attr(query, 'id'));
  if (queryId === '') throw new XcaDecodeError(`${REQ}/rim:AdhocQuery/@id is missing or empty`);
  const req: AdhocQueryRequest = { returnType, returnComposedObjects, queryId, slots: readQuerySlots(query) };
  const home = collapse(attr(query, 'home'));
  if (home !== '') req.home = home;
  return req;
}

function readQuerySlots(query: Element): QuerySlot[] {
  return childElements(query, XcaNs.rim, 'Slot').map((slot, i) => {
    const name = attr(slot, 'name');
    if (name === undefined || name === '') {
      throw new XcaDecodeError(`${REQ}/rim:AdhocQuery/rim:Slot[${i + 1}]/@name is missing`);
    }
    const list = firstChild(slot, XcaNs.rim, 'ValueList');
    return { name, values: list ? childElements(list, XcaNs.rim, 'Value').map(textOf) : [] };
  });
}

function parseBoolean(v: string | undefined, where: string): boolean {
  if (v === undefined) return false;
  const t = v.trim();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw new XcaDecodeError(`${where} "${v}" is not an xs:boolean`);
}

function collapse(v: string | undefined): string {
  return (v ?? '').replace(/\s+/g, ' ').trim();
}

/**
 * The query:AdhocQueryRequest element for `req` as a standalone fragment declaring `xmlns:query`
 * and `xmlns:rim`, ready to be placed in a SOAP Body: ResponseOption, then rim:AdhocQuery with
 * `@id`, `@home` (when set) and one rim:Slot per `req.slots` entry in order, values written as
 * given (already in stored-query syntax; see `slot-value.ts`).
 */
export function encodeAdhocQueryRequest(req: AdhocQueryRequest): string {
  const home = req.home === undefined ? '' : ` home="${esc(req.home)}"`;
  let xml =
    `<query:AdhocQueryRequest xmlns:query="${XcaNs.query}" xmlns:rim="${XcaNs.rim}">` +
    `<query:ResponseOption returnComposedObjects="${String(req.returnComposedObjects)}" returnType="${req.returnType}"/>` +
    `<rim:AdhocQuery id="${esc(req.queryId)}"${home}>`;
  for (const s of req.slots) xml += slotXml(s.name, s.values);
  return `${xml}</rim:AdhocQuery></query:AdhocQueryRequest>`;
}
