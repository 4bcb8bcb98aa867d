/**
 * Branded identifier types for the ids that are easy to swap, and the OID / UUID / URN helpers
 * (IHE ITI TF-3 4.2.3.1.7 for OID and URN syntax).
 */
import { randomUUID, createHash } from 'node:crypto';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A community's id in URI syntax, `urn:oid:<oid>` (ITI TF-2 3.38.4.1.2.1, at most 64 characters). */
export type HomeCommunityId = Brand<string, 'HomeCommunityId'>;
/** A repository's OID, without the `urn:oid:` prefix (ITI TF-3 4.2.3.2.18). */
export type RepositoryUniqueId = Brand<string, 'RepositoryUniqueId'>;
/** A document's uniqueId: an OID (ITI TF-3 4.2.3.2.26). */
export type DocumentUniqueId = Brand<string, 'DocumentUniqueId'>;
/** A registry object's entryUUID, `urn:uuid:<uuid>` (ITI TF-3 4.2.3.2.8). */
type EntryUuid = Brand<string, 'EntryUuid'>;

const OID = /^(0|[1-9]\d*)(\.(0|[1-9]\d*))+$/;

/** True when `s` is a dotted-decimal OID (ISO/IEC 8824) of at most 64 characters. */
export function isOid(s: string): boolean {
  return s.length <= 64 && OID.test(s);
}

/** `1.2.3` -> `urn:oid:1.2.3`. */
export function homeCommunityIdFromOid(oid: string): HomeCommunityId {
  return `urn:oid:${oid}` as HomeCommunityId;
}

/** True when `s` is `urn:oid:` followed by a valid OID, within the 64-character limit. */
export function isHomeCommunityId(s: string): s is HomeCommunityId {
  return s.length <= 64 && s.startsWith('urn:oid:') && OID.test(s.slice(8));
}

/** A fresh `urn:uuid:` (RFC 4122 v4). */
export function newUrnUuid(): string {
  return `urn:uuid:${randomUUID()}`;
}

/**
 * A deterministic `urn:uuid:` derived from `seed` (RFC 4122 version-5 layout over SHA-1), so a data
 * pack generated twice from the same seed has the same entryUUIDs.
 */
export function deterministicUrnUuid(seed: string): EntryUuid {
  const h = createHash('sha1').update(seed).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}` as EntryUuid;
}
