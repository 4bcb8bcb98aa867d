/**
 * The serialised registry objects a responding gateway serves, computed once per DocumentEntry
 * and return type and kept for the gateway's life. A data pack is immutable while it is served,
 * and `encodeDocumentEntry` is deterministic (same entry, same bytes), so the cached object is
 * exactly what a fresh encoding would give (ITI TF-2 3.38.4.1.3: LeafClass / ObjectRef).
 * Content faults (faults/message-effects.ts) never edit these objects: they build new ones.
 */
import { encodeDocumentEntry } from '../xca/document-entry.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import type { RegistryObjectXml } from '../xca/types.js';

/** `(entry, returnType)` to its frozen RegistryObjectXml (see `encodeDocumentEntry`). */
export type EncodeEntry = (entry: DocumentEntry, returnType: 'LeafClass' | 'ObjectRef') => RegistryObjectXml;

/**
 * A per-gateway cache over `encodeDocumentEntry`, keyed by the entry object (a WeakMap: entries
 * that are no longer referenced are released with their XML). Returned objects are frozen, since
 * every request shares them.
 */
export function cachedEntryEncoder(): EncodeEntry {
  const cache = new WeakMap<DocumentEntry, Partial<Record<'LeafClass' | 'ObjectRef', RegistryObjectXml>>>();
  return (entry, returnType) => {
    let forEntry = cache.get(entry);
    if (!forEntry) cache.set(entry, (forEntry = {}));
    return (forEntry[returnType] ??= Object.freeze(encodeDocumentEntry(entry, returnType)));
  };
}
