/**
 * The XCA consumer face's registry objects (ITI TF-2 3.38.4.1.2; ebRIM 3.0): every FederatedObject
 * of a consolidated answer as a rim element. An `ebrim` object goes out verbatim (no decode, no
 * copy of its text); an `fhir` object (an MHD community's DocumentReference) through its
 * DocumentEntry, encoded as a `rim:ExtrinsicObject` (LeafClass) or `rim:ObjectRef` (ObjectRef) as
 * the request's returnType asks (xca/document-entry.ts), its ids kept for the transaction record.
 */
import { encodeDocumentEntry } from '../xca/document-entry.js';
import type { RegistryObjectXml } from '../xca/types.js';
import type { FederatedObject } from './federated-object.js';

/**
 * `objects` as the rim elements of an AdhocQueryResponse, in order.
 * @param returnType the AdhocQueryRequest's ResponseOption/@returnType.
 */
export function ebrimObjects(
  objects: readonly FederatedObject[],
  returnType: 'LeafClass' | 'ObjectRef',
): RegistryObjectXml[] {
  return objects.map((o) => {
    if (o.form === 'ebrim') return o.object;
    const encoded = encodeDocumentEntry(o.entry, returnType);
    return returnType === 'LeafClass' ? { ...encoded, entryIds: o.entryIds } : encoded;
  });
}
