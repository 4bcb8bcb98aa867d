/**
 * query:AdhocQueryResponse codec: the body of the ITI-38 response (ITI TF-2 3.38.4.2) and of
 * ITI-18 (3.18.4.2); schema ebRS 3.0 query.xsd. Registry objects travel as serialised XML so the
 * broker forwards whatever a community sent without loss (types.ts RegistryObjectXml).
 */
import { attr, childElements, firstChild, verbatimXml, type Element } from '../soap/xml.js';
import { IdentificationScheme, XcaNs } from './constants.js';
import { XcaDecodeError } from './decode-error.js';
import { decodeRegistryErrorList, decodeResponseStatus, encodeRegistryErrorList } from './registry-error.js';
import { DocumentEntryIdsReader } from './registry-object-content.js';
import { REFERENCE_ID_LIST_SLOT, expectElement, expectOnlyChildren, readSlots } from './rim-xml.js';
import type { AdhocQueryResponse, DocumentEntryIds, RegistryObjectXml } from './types.js';

const RESP = 'query:AdhocQueryResponse';
const RESPONSE_CHILDREN: [string, string][] = [
  [XcaNs.rs, 'ResponseSlotList'],
  [XcaNs.rs, 'RegistryErrorList'],
  [XcaNs.rim, 'RegistryObjectList'],
];

/**
 * `<query:AdhocQueryResponse status>` with the rs:RegistryErrorList (omitted when there are no
 * errors) and a rim:RegistryObjectList holding each object's `xml` verbatim, in order. The list is
 * written even when empty: query.xsd requires it and the ITI-38 examples carry it. Declares
 * `xmlns:query` and `xmlns:rim`; object fragments must be standalone (see `encodeDocumentEntry`).
 */
export function encodeAdhocQueryResponse(resp: AdhocQueryResponse): string {
  let xml =
    `<query:AdhocQueryResponse xmlns:query="${XcaNs.query}" xmlns:rim="${XcaNs.rim}" status="${resp.status}">` +
    encodeRegistryErrorList(resp.errors) +
    '<rim:RegistryObjectList>';
  for (const o of resp.objects) xml += o.xml;
  return `${xml}</rim:RegistryObjectList></query:AdhocQueryResponse>`;
}

/**
 * Decode `el` (a query:AdhocQueryResponse) into `{ status, errors, objects }`. Each child of
 * rim:RegistryObjectList becomes `{ kind: localName, id: @id, home: @home or undefined when absent
 * or empty, xml: the element as received, standalone with the namespace declarations it inherits
 * (soap/xml.ts `verbatimXml`) }`, and an ExtrinsicObject its `entryIds`. A missing
 * RegistryObjectList yields no objects (seen in Failure responses of real gateways). `el` may come
 * from a parse with registry-object-content.ts `readRegistryObjectContent` (no tree below the
 * objects; what is decoded is the same).
 * @throws XcaDecodeError when `el` is not query:AdhocQueryResponse; `@status` is absent or not one
 *   of the three ResponseStatusType URNs (ITI TF-3 4.2.4.2; e.g. the bare `Success` of some ITI-18
 *   samples); a child other than rs:ResponseSlotList / rs:RegistryErrorList /
 *   rim:RegistryObjectList is present (e.g. a RegistryErrorList in the rim namespace); a registry
 *   object is outside the rim namespace or has no `@id`; or the error list is malformed
 *   (see `decodeRegistryErrorList`).
 */
export function decodeAdhocQueryResponse(el: Element): AdhocQueryResponse {
  expectElement(el, XcaNs.query, 'AdhocQueryResponse', RESP);
  const status = decodeResponseStatus(attr(el, 'status'), `${RESP}/@status`);
  expectOnlyChildren(el, RESPONSE_CHILDREN, RESP);
  const errorList = firstChild(el, XcaNs.rs, 'RegistryErrorList');
  const objectList = firstChild(el, XcaNs.rim, 'RegistryObjectList');
  const errors = decodeRegistryErrorList(errorList);
  const objects = objectList ? decodeRegistryObjectList(objectList) : [];
  return { status, errors, objects };
}

function decodeRegistryObjectList(list: Element): RegistryObjectXml[] {
  return childElements(list).map((o, i) => {
    const where = `${RESP}/rim:RegistryObjectList/*[${i + 1}]`;
    if (o.namespaceURI !== XcaNs.rim) {
      throw new XcaDecodeError(
        `${where} {${o.namespaceURI ?? ''}}${o.localName ?? ''} is not an ebRIM registry object`,
      );
    }
    const id = attr(o, 'id');
    if (id === undefined || id.trim() === '')
      throw new XcaDecodeError(`${where} (rim:${o.localName ?? ''})/@id is missing`);
    const obj: RegistryObjectXml = { kind: o.localName ?? '', id: id.trim(), xml: verbatimXml(o) };
    const home = attr(o, 'home')?.trim();
    if (home) obj.home = home;
    if (o.localName === 'ExtrinsicObject') obj.entryIds = entryIdsOf(o);
    return obj;
  });
}

/**
 * The DocumentEntry ids of an ExtrinsicObject: read during the parse when its content was read
 * by registry-object-content.ts (no tree below it), else from its tree.
 * @throws TypeError when another ContentReader read its content (its ids are not in the tree).
 */
function entryIdsOf(o: Element): DocumentEntryIds {
  if (!o.contentRead) return documentEntryIds(o);
  const reader = o.contentRead.reader;
  if (reader instanceof DocumentEntryIdsReader) return reader.ids();
  throw new TypeError('rim:ExtrinsicObject: its content was read during the parse without its ids');
}

/** The DocumentEntry ids of an ExtrinsicObject (types.ts DocumentEntryIds); absent ones stay absent. */
function documentEntryIds(o: Element): DocumentEntryIds {
  let uniqueId: string | undefined;
  let patientId: string | undefined;
  for (const x of childElements(o, XcaNs.rim, 'ExternalIdentifier')) {
    const scheme = attr(x, 'identificationScheme');
    if (scheme === IdentificationScheme.uniqueId) uniqueId ??= attr(x, 'value');
    else if (scheme === IdentificationScheme.patientId) patientId ??= attr(x, 'value');
  }
  const slots = readSlots(o);
  const repositoryUniqueId = slots.get('repositoryUniqueId')?.[0];
  return {
    ...(uniqueId !== undefined ? { uniqueId } : {}),
    ...(patientId !== undefined ? { patientId } : {}),
    ...(repositoryUniqueId !== undefined ? { repositoryUniqueId } : {}),
    referenceIdList: slots.get(REFERENCE_ID_LIST_SLOT) ?? [],
  };
}
