/**
 * Reading the registry objects of a query:AdhocQueryResponse while it is parsed (soap/xml.ts
 * `parseXml` with a `readContent`), so that no tree is built below them: each object is relayed
 * as the text the community sent (soap/xml.ts `verbatimXml`), and of its content the broker needs
 * only a DocumentEntry's ids (types.ts DocumentEntryIds; ITI TF-3 4.2.3.2). The ids read here are
 * those `decodeAdhocQueryResponse` reads from a tree (adhoc-query-response.ts), value for value.
 */
import type { ContentReader, ContentTag, Element } from '../soap/xml.js';
import { IdentificationScheme, XcaNs } from './constants.js';
import { REFERENCE_ID_LIST_SLOT } from './rim-xml.js';
import type { DocumentEntryIds } from './types.js';

/** A reader that keeps nothing: the object is relayed as its text and nothing in it is read. */
const IGNORE_CONTENT: ContentReader = { open() {}, text() {}, close() {} };

/** The Slots whose values DocumentEntryIds holds (ITI TF-3 4.2.3.2.18, 4.2.3.2.28). */
const REPOSITORY_UNIQUE_ID_SLOT = 'repositoryUniqueId';

/**
 * The DocumentEntryIds of one rim:ExtrinsicObject from the events of its content, as
 * adhoc-query-response.ts reads them from a tree: the first `@value` of the direct
 * rim:ExternalIdentifier children with the uniqueId / patientId identificationScheme (ITI TF-3
 * 4.2.5); for the direct rim:Slot children named repositoryUniqueId and referenceIdList, the text
 * of each rim:Value of the Slot's first rim:ValueList (text and CDATA directly in the Value,
 * trimmed; rim-xml.ts `readSlots`), values of a repeated Slot name appended in order.
 */
export class DocumentEntryIdsReader implements ContentReader {
  private uniqueId: string | undefined;
  private patientId: string | undefined;
  private repositoryUniqueIds: string[] = [];
  private referenceIdList: string[] = [];
  /** The values of the direct rim:Slot open now, when it is one of the two read; else undefined. */
  private slotValues: string[] | undefined;
  private slotHadValueList = false;
  private inValueList = false;
  /** The text so far of the rim:Value open now (at depth 3), when it is read; else undefined. */
  private value: string | undefined;

  open(tag: ContentTag, depth: number): void {
    if (tag.uri !== XcaNs.rim) return;
    if (depth === 1) this.openChild(tag);
    else if (depth === 2 && this.slotValues !== undefined && !this.slotHadValueList) {
      if (tag.local === 'ValueList') this.inValueList = this.slotHadValueList = true;
    } else if (depth === 3 && this.inValueList && tag.local === 'Value') this.value = '';
  }

  private openChild(tag: ContentTag): void {
    const attrs = tag.attributes;
    if (tag.local === 'ExternalIdentifier') {
      const scheme = attrs['identificationScheme']?.value;
      if (scheme === IdentificationScheme.uniqueId) this.uniqueId ??= attrs['value']?.value;
      else if (scheme === IdentificationScheme.patientId) this.patientId ??= attrs['value']?.value;
    } else if (tag.local === 'Slot') {
      const name = attrs['name']?.value;
      this.slotHadValueList = false;
      this.slotValues =
        name === REPOSITORY_UNIQUE_ID_SLOT
          ? this.repositoryUniqueIds
          : name === REFERENCE_ID_LIST_SLOT
            ? this.referenceIdList
            : undefined;
    }
  }

  text(data: string, depth: number): void {
    if (depth === 3 && this.value !== undefined) this.value += data;
  }

  close(depth: number): void {
    if (depth === 3 && this.value !== undefined) {
      this.slotValues!.push(this.value.trim());
      this.value = undefined;
    } else if (depth === 2) this.inValueList = false;
    else if (depth === 1) this.slotValues = undefined;
  }

  /** The ids read; absent ones stay absent. */
  ids(): DocumentEntryIds {
    const repositoryUniqueId = this.repositoryUniqueIds[0];
    return {
      ...(this.uniqueId !== undefined ? { uniqueId: this.uniqueId } : {}),
      ...(this.patientId !== undefined ? { patientId: this.patientId } : {}),
      ...(repositoryUniqueId !== undefined ? { repositoryUniqueId } : {}),
      referenceIdList: this.referenceIdList,
    };
  }
}

/**
 * soap/xml.ts `ReadContent` for an ITI-38 / ITI-18 answer (ITI TF-2 3.38.4.2; ebRS 3.0 query.xsd):
 * each ebRIM child of a rim:RegistryObjectList directly in a query:AdhocQueryResponse has its
 * content read instead of kept as a tree, a rim:ExtrinsicObject's by a {@link DocumentEntryIdsReader}.
 * Every other element (the envelope, the RegistryErrorList, an object outside the rim namespace,
 * which decoding refuses) is kept as a tree.
 */
export function readRegistryObjectContent(el: Element): ContentReader | undefined {
  if (el.namespaceURI !== XcaNs.rim) return undefined;
  const list = el.parentElement;
  if (list?.namespaceURI !== XcaNs.rim || list.localName !== 'RegistryObjectList') return undefined;
  const response = list.parentElement;
  if (response?.namespaceURI !== XcaNs.query || response.localName !== 'AdhocQueryResponse') return undefined;
  return el.localName === 'ExtrinsicObject' ? new DocumentEntryIdsReader() : IGNORE_CONTENT;
}
