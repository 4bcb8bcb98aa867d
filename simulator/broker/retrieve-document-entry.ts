/**
 * The DocumentEntries among a federated query's objects, whatever form each community sent
 * (broker/federated-object.ts): an XCA community's ExtrinsicObject decoded
 * (xca/document-entry-decode.ts, ITI TF-3 4.2.3.2), an MHD community's DocumentEntry as its leg
 * mapped it. The ITI-68 endpoint reads a document's availabilityStatus and patient from it, the
 * WADO-RS endpoint a study's KOS manifest (its uniqueId, repositoryUniqueId, home).
 */
import type { Logger } from '../shared/logger.js';
import { parseXml } from '../soap/xml.js';
import { decodeExtrinsicObject } from '../xca/document-entry-decode.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import type { RegistryObjectXml } from '../xca/types.js';
import type { FederatedObject } from './federated-object.js';

/** One object of a consolidated query answer: verbatim ebRIM, or a FederatedObject. */
export type QueryObject = RegistryObjectXml | FederatedObject;

/**
 * The DocumentEntry of `o` with the home it came from (`homeCommunityId` set from the object's
 * `home` when the entry has none), or undefined when `o` is no DocumentEntry (ObjectRef,
 * RegistryPackage, Association...) or its ExtrinsicObject cannot be decoded (logged at warn: the
 * community sent metadata ITI TF-3 does not allow).
 */
export function documentEntryOf(o: QueryObject, logger: Logger): DocumentEntry | undefined {
  if ('form' in o) {
    if (o.form === 'fhir') return o.entry;
    return ebrimEntry(o.object, logger);
  }
  return ebrimEntry(o, logger);
}

function ebrimEntry(o: RegistryObjectXml, logger: Logger): DocumentEntry | undefined {
  if (o.kind !== 'ExtrinsicObject') return undefined;
  try {
    const root = parseXml(o.xml).documentElement;
    if (!root) return undefined;
    const entry = decodeExtrinsicObject(root);
    return entry.homeCommunityId === '' && o.home !== undefined
      ? { ...entry, homeCommunityId: o.home }
      : entry;
  } catch (err) {
    logger.warn({ err, id: o.id }, 'a community sent an ExtrinsicObject that is not a valid DocumentEntry');
    return undefined;
  }
}

/** Every DocumentEntry among `objects`, in answer order (see {@link documentEntryOf}). */
export function documentEntriesOf(objects: readonly QueryObject[], logger: Logger): DocumentEntry[] {
  const out: DocumentEntry[] = [];
  for (const o of objects) {
    const e = documentEntryOf(o, logger);
    if (e) out.push(e);
  }
  return out;
}
