/**
 * The MHD face's view of a federated answer: every FederatedObject that is a DocumentEntry as an
 * MHD Comprehensive DocumentReference (IHE MHD 4.2.x "DocumentEntry mapping", ITI TF-3 4.5.4;
 * FHIR R4 DocumentReference), and every other object reported, never dropped silently.
 * - `fhir` (an MHD community's DocumentReference): forwarded as received, except each
 *   `content.attachment.url`, which becomes the broker's own ITI-68 URL for the entry: the consumer
 *   retrieves through the broker (MHD 1:33.6.2, the Document Responder grouped with the XCA
 *   Initiating Gateway), never from a community it may not reach or be authorised at.
 * - `ebrim` ExtrinsicObject (an XCA community's DocumentEntry, ITI TF-3 4.2.3.2): decoded
 *   (xca/document-entry-decode.ts) and mapped with mhd/document-reference.ts.
 * - any other ebRIM object (ObjectRef, RegistryPackage, Association...) is no DocumentReference:
 *   ITI-67 asks LeafClass FindDocuments / GetDocuments, so a community that sends one anyway is
 *   reported as a warning issue naming the object and its community.
 * The attachment URL is `{origin}{FhirPath.iti68}?homeCommunityId=..&repositoryUniqueId=..&uniqueId=..`
 * (shared/fhir-endpoints.ts), each value percent-encoded (RFC 3986 §3.4, WHATWG URLSearchParams).
 */
import { randomUUID } from 'node:crypto';
import type { DocumentReference, OperationOutcomeIssue } from 'fhir/r4.js';
import { issue } from '../fhir/operation-outcome.js';
import { HOME_COMMUNITY_ID_EXTENSION, toDocumentReference } from '../mhd/document-reference.js';
import { FhirPath } from '../shared/fhir-endpoints.js';
import { parseXml } from '../soap/xml.js';
import { decodeExtrinsicObject } from '../xca/document-entry.js';
import type { DocumentEntry } from '../xca/document-entry-model.js';
import type { EbrimObject, FederatedObject } from './federated-object.js';

/** One DocumentReference of the answer, with the DocumentEntry it stands for. */
export interface DocumentMatch {
  /** Bundle.entry.fullUrl: the entryUUID (`urn:uuid:...`); the broker serves no DocumentReference read. */
  fullUrl: string;
  resource: DocumentReference;
  entry: DocumentEntry;
}

/** The DocumentReferences of an answer and the issues about objects that could not be one. */
export interface DocumentReferences {
  matches: DocumentMatch[];
  /** Warnings (an object that is no DocumentEntry or cannot be decoded) and information (unmapped metadata). */
  issues: OperationOutcomeIssue[];
}

/**
 * The ITI-68 URL of a document at the broker whose origin is `origin` (`http(s)://host:port`).
 * Every value is percent-encoded, so a uniqueId or homeCommunityId survives any character.
 */
export function iti68Url(
  origin: string,
  d: { homeCommunityId: string; repositoryUniqueId: string; uniqueId: string },
): string {
  const q = new URLSearchParams({
    homeCommunityId: d.homeCommunityId,
    repositoryUniqueId: d.repositoryUniqueId,
    uniqueId: d.uniqueId,
  });
  return `${origin}${FhirPath.iti68}?${q.toString()}`;
}

/** Longest part of an object's text quoted in an issue, characters. */
const QUOTE_CHARS = 200;

const URN_UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Bundle.entry.fullUrl of an entry: its entryUUID, or a fresh `urn:uuid:` when that is no UUID URN. */
const fullUrlOf = (entryUUID: string): string =>
  URN_UUID.test(entryUUID) ? entryUUID : `urn:uuid:${randomUUID()}`;

const homeExtension = (home: string | undefined) =>
  home === undefined ? {} : { extension: [{ url: HOME_COMMUNITY_ID_EXTENSION, valueOid: home }] };

/**
 * The DocumentReferences of `objects` (in their order), their attachments at `origin`'s ITI-68.
 * Never throws for a community's content: what cannot be a DocumentReference is an issue.
 */
export function documentReferences(objects: readonly FederatedObject[], origin: string): DocumentReferences {
  const matches: DocumentMatch[] = [];
  const issues: OperationOutcomeIssue[] = [];
  for (const o of objects) {
    if (o.form === 'fhir') {
      matches.push(forwarded(o.resource, o.entry, origin));
      continue;
    }
    const { object } = o;
    if (object.kind !== 'ExtrinsicObject') {
      issues.push(
        issue({
          severity: 'warning',
          code: 'not-supported',
          diagnostics: `the community returned ${/^[AEIOU]/.test(object.kind) ? 'an' : 'a'} ${object.kind} (${object.id.slice(0, QUOTE_CHARS)}), which is no DocumentEntry and so no DocumentReference: left out`,
          ...homeExtension(object.home),
        }),
      );
      continue;
    }
    let entry: DocumentEntry;
    try {
      entry = decodedEntry(o);
    } catch (err) {
      issues.push(
        issue({
          severity: 'warning',
          code: 'structure',
          diagnostics: `DocumentEntry ${object.id.slice(0, QUOTE_CHARS)} cannot be read (${(err as Error).message}): left out`,
          ...homeExtension(object.home),
        }),
      );
      continue;
    }
    // Consolidation gives every kept object the home of the community that answered it.
    if (entry.homeCommunityId === '' && object.home !== undefined) entry.homeCommunityId = object.home;
    const mapped = toDocumentReference(entry, { attachmentUrl: (e) => iti68Url(origin, e) });
    if (mapped.unmapped.length > 0)
      issues.push(
        issue({
          severity: 'information',
          code: 'informational',
          diagnostics: `DocumentEntry ${entry.entryUUID}: ${mapped.unmapped.map((u) => `${u.element}: ${u.reason}`).join('; ')}`,
          ...homeExtension(entry.homeCommunityId || undefined),
        }),
      );
    matches.push({ fullUrl: fullUrlOf(entry.entryUUID), resource: mapped.value, entry });
  }
  return { matches, issues };
}

/**
 * The DocumentEntry of an ebRIM ExtrinsicObject: the one the leg decoded from its own parse
 * (community-client.ts, asked for by the MHD face), else decoded from the object's text.
 * @throws XcaDecodeError (or the XML parse's error) when it is no valid DocumentEntry.
 */
function decodedEntry(o: EbrimObject): DocumentEntry {
  if (o.decoded === undefined) return decodeExtrinsicObject(parseXml(o.object.xml).documentElement!);
  if ('error' in o.decoded) throw o.decoded.error;
  // A copy: the caller fills in the home, and the leg's answer stays as it came.
  return { ...o.decoded.entry };
}

/** An MHD community's DocumentReference as received, its attachments at the broker's ITI-68. */
function forwarded(resource: DocumentReference, entry: DocumentEntry, origin: string): DocumentMatch {
  const url = iti68Url(origin, entry);
  return {
    fullUrl: fullUrlOf(entry.entryUUID),
    resource: {
      ...resource,
      content: resource.content.map((c) => ({ ...c, attachment: { ...c.attachment, url } })),
    },
    entry,
  };
}
