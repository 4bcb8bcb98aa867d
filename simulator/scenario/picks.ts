/**
 * The documents a query step found, and picking some of them for a later retrieve or GetDocuments
 * step (`pick: all | first | first-per-community | { community, count }`).
 */
import type { EnvironmentCommunity } from './environment.js';
import type { PickSpec } from './scenario-spec.js';

/** A DocumentEntry a query returned: the three ids of an ITI-39 DocumentRequest (ITI TF-2 3.39.4.1.2). */
export interface FoundDocument {
  uniqueId: string;
  repositoryUniqueId: string;
  /** homeCommunityId (`@home`). */
  home: string;
  /**
   * What ITI-68 is checked against, when the answer said it: the DocumentReference's
   * `content.attachment.url` (FHIR R4 Attachment), the SHA-1 of the bytes in lower-case hex
   * (DocumentEntry.hash; base64 in attachment.hash), the size in bytes and the mimeType.
   */
  url?: string;
  sha1Hex?: string;
  size?: number;
  mimeType?: string;
}

/** Picked documents, or why the pick cannot be made. */
type PickResult = { ok: true; documents: FoundDocument[] } | { ok: false; problem: string };

/** Apply `pick` to `docs` (response order). */
export function pickDocuments(
  docs: readonly FoundDocument[],
  pick: PickSpec,
  communities: readonly EnvironmentCommunity[],
): PickResult {
  if (docs.length === 0) return { ok: false, problem: 'the step it picks from found no documents' };
  if (pick === 'all') return { ok: true, documents: [...docs] };
  if (pick === 'first') return { ok: true, documents: [docs[0]!] };
  if (pick === 'first-per-community') {
    const seen = new Set<string>();
    return { ok: true, documents: docs.filter((d) => !seen.has(d.home) && seen.add(d.home)) };
  }
  const c = communities.find((x) => x.name === pick.community);
  if (!c) return { ok: false, problem: `no community named '${pick.community}' in the topology` };
  const mine = docs.filter((d) => d.home === c.homeCommunityId);
  if (mine.length < pick.count) {
    return {
      ok: false,
      problem: `pick wants ${pick.count} document(s) of ${pick.community}, the step found ${mine.length}`,
    };
  }
  return { ok: true, documents: mine.slice(0, pick.count) };
}

/** `pick` in words, for step titles. */
export function describePick(pick: PickSpec): string {
  return typeof pick === 'string' ? pick : `${pick.count} of ${pick.community}`;
}
