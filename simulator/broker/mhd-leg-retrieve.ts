/**
 * ITI-39 Cross Gateway Retrieve to an MHD community as ITI-67 + ITI-68 (IHE MHD 4.2.x; the XCA
 * side ITI TF-2 3.39.4.1.3): the DocumentRequests' uniqueIds are found with an ITI-67 search
 * `identifier=urn:ietf:rfc:3986|urn:oid:<uniqueId>` (OR-ed, at most
 * {@link MAX_IDENTIFIERS_PER_SEARCH} per search, without `patient`: docs/mhd.md "MHD communities"),
 * then each document's `content.attachment.url` is fetched (ITI-68), one at a time, all of them
 * together within the leg's `maxResponseBytes` (a document past what the earlier ones left:
 * XDSRepositoryError, `too-large`). Per DocumentRequest:
 * - no DocumentReference with that masterIdentifier, or ITI-68 404 / 410:
 *   XDSDocumentUniqueIdError located at the community;
 * - an attachment.url on another origin than the community's configured endpoints (RFC 6454):
 *   XDSRepositoryError naming the URL, and no request is sent there;
 * - bytes whose length or SHA-1 differ from attachment.size / attachment.hash: XDSRepositoryError,
 *   the bytes are not returned;
 * - any other ITI-68 status, or a transport failure of that one GET: XDSRepositoryError with the
 *   status and the OperationOutcome's diagnostics (the other documents are still returned);
 * - else a DocumentResponse, mimeType = attachment.contentType (the DocumentEntry's mimeType).
 * The search's own failure fails the leg (mhd-leg-errors.ts); a fired deadline always does.
 */
import { createHash } from 'node:crypto';
import type { Attachment, DocumentReference } from 'fhir/r4.js';
import { operationOutcomeToRegistryErrors } from '../mhd/registry-errors.js';
import { HttpTransportError } from '../transport/http-client.js';
import { ErrorCode } from '../xca/constants.js';
import { deriveStatus, registryError } from '../xca/status.js';
import type {
  DocumentRequest,
  DocumentResponse,
  RegistryError,
  RetrieveDocumentSetRequest,
  RetrieveDocumentSetResponse,
} from '../xca/types.js';
import type { CommunityEndpoint } from './community-directory.js';
import { operationOutcomeIn, outcomeText, readSearchAnswer } from './mhd-leg-answer.js';
import { MhdLegError } from './mhd-leg-errors.js';
import { FHIR_JSON, fhirGet, type FhirGetAnswer, type MhdLegTransport } from './mhd-leg-http.js';
import { identifierSearch, MAX_IDENTIFIERS_PER_SEARCH } from './mhd-leg-search.js';

/** What a retrieve sent and read, for the transaction log. */
export interface RetrieveExchange {
  /** The first search's HTTP status. */
  httpStatus: number;
  /** Every request line, in order (searches, then the document GETs). */
  requestLines: string[];
  /** The searches' answers (FHIR JSON text); document bytes are not logged. */
  responseBodies: string[];
}

/** The URL an MHD community serves `transaction` at, or a leg failure naming the gap. */
export function endpointOf(community: CommunityEndpoint, transaction: 'ITI-67' | 'ITI-68'): URL {
  const url = community.endpoints[transaction];
  if (url === undefined)
    throw new MhdLegError({
      reason: 'invalid-response',
      detail: `the MHD community ${community.name} has no ${transaction} endpoint configured`,
    });
  return new URL(url);
}

/**
 * Retrieve `req`'s documents from the MHD community `c`.
 * @throws as fhirGet and readSearchAnswer for the ITI-67 search (the leg fails); the deadline's
 *   abort for any GET.
 */
export async function retrieveFromMhdCommunity(
  c: CommunityEndpoint,
  req: RetrieveDocumentSetRequest,
  signal: AbortSignal,
  t: MhdLegTransport,
): Promise<{ value: RetrieveDocumentSetResponse; exchange: RetrieveExchange }> {
  const errors: RegistryError[] = [];
  const exchange: RetrieveExchange = { httpStatus: 0, requestLines: [], responseBodies: [] };
  const ids = [...new Set(req.documents.map((d) => d.documentUniqueId))];
  const byUniqueId = await findDocumentReferences(c, ids, signal, t, exchange, errors);
  // One GET at a time, each within what the earlier documents left of maxResponseBytes, so the
  // documents of one leg are bounded together as one XCA leg's answer is, and the outcome does
  // not depend on which GET finishes first.
  let budget = t.maxResponseBytes;
  const results: One[] = [];
  for (const d of req.documents) {
    const r = await retrieveOne(
      d,
      byUniqueId.get(d.documentUniqueId),
      signal,
      {
        ...t,
        maxResponseBytes: budget,
      },
      c,
    );
    if ('document' in r) budget -= r.document.content.byteLength;
    results.push(r);
  }
  const documents: DocumentResponse[] = [];
  for (const r of results) {
    if (r.line !== undefined) exchange.requestLines.push(r.line);
    if ('document' in r) documents.push(r.document);
    else errors.push(r.error);
  }
  return {
    value: { status: deriveStatus(errors, documents.length > 0), errors, documents },
    exchange,
  };
}

/**
 * Find the DocumentReferences of `ids` (uniqueIds) at the MHD community `c`: ITI-67 searches by
 * identifier, at most MAX_IDENTIFIERS_PER_SEARCH per search; each search's request line and body go
 * to `exchange`, its OperationOutcome issues (or its refusal) to `errors` as RegistryErrors located
 * at the community.
 * @throws as fhirGet and readSearchAnswer (the leg fails).
 */
export async function findDocumentReferences(
  c: CommunityEndpoint,
  ids: readonly string[],
  signal: AbortSignal,
  t: MhdLegTransport,
  exchange: RetrieveExchange,
  errors: RegistryError[],
): Promise<Map<string, DocumentReference>> {
  const search = endpointOf(c, 'ITI-67');
  const hcid = c.homeCommunityId;
  const byUniqueId = new Map<string, DocumentReference>();
  for (let i = 0; i < ids.length; i += MAX_IDENTIFIERS_PER_SEARCH) {
    const url = new URL(search);
    url.search = identifierSearch(ids.slice(i, i + MAX_IDENTIFIERS_PER_SEARCH), 'uniqueId');
    const a = await fhirGet(url, FHIR_JSON, signal, t);
    if (exchange.requestLines.length === 0) exchange.httpStatus = a.status;
    exchange.requestLines.push(a.requestLine);
    exchange.responseBodies.push(a.body.toString('utf8'));
    const answer = readSearchAnswer(a, hcid);
    if (answer.kind === 'refused') {
      errors.push(...answer.errors);
      continue;
    }
    for (const o of answer.read.outcomes) errors.push(...operationOutcomeToRegistryErrors(o, hcid).errors);
    for (const m of answer.read.matches) {
      if (m.resourceType !== 'DocumentReference') continue;
      const uid = m.masterIdentifier?.value;
      if (uid !== undefined) byUniqueId.set(uid.replace(/^urn:oid:/, ''), m);
    }
  }
  return byUniqueId;
}

/** Where a DocumentReference's bytes are: its attachment and the URL to GET (on the community's origin). */
export interface DocumentLocation {
  attachment: Attachment;
  url: URL;
}

/**
 * Where to GET the bytes of `ref` (the DocumentReference of `uid`), or the RegistryError that
 * says why not: no DocumentReference (XDSDocumentUniqueIdError), no attachment.url, a URL that does
 * not parse or is on another origin than the community's configured endpoints (XDSRepositoryError;
 * RFC 6454, no request is sent there).
 */
export function locateDocument(
  uid: string,
  ref: DocumentReference | undefined,
  c: CommunityEndpoint,
): DocumentLocation | { error: RegistryError } {
  const fail = (code: string, text: string) => ({
    error: registryError(code, `document ${uid}: ${text}`, c.homeCommunityId),
  });
  if (!ref)
    return fail(
      ErrorCode.XDSDocumentUniqueIdError,
      `the MHD community ${c.name} does not know it (ITI-67 found no DocumentReference with that masterIdentifier)`,
    );
  const attachment = ref.content?.[0]?.attachment;
  if (attachment?.url === undefined)
    return fail(
      ErrorCode.XDSRepositoryError,
      'its DocumentReference has no content.attachment.url to retrieve it from',
    );
  let url: URL;
  try {
    url = new URL(attachment.url, endpointOf(c, 'ITI-67'));
  } catch {
    return fail(
      ErrorCode.XDSRepositoryError,
      `content.attachment.url ${JSON.stringify(attachment.url)} is not a URL`,
    );
  }
  const origins = communityOrigins(c);
  if (!origins.has(url.origin))
    return fail(
      ErrorCode.XDSRepositoryError,
      `content.attachment.url ${url.href} is not on the MHD community's own origin (${[...origins].join(', ')}): not followed`,
    );
  return { attachment, url };
}

/**
 * The RegistryError of an ITI-68 answer that is not 200: 404 / 410 XDSDocumentUniqueIdError, any
 * other XDSRepositoryError, with the OperationOutcome's diagnostics when `body` is one.
 */
export function documentStatusError(
  uid: string,
  status: number,
  contentType: string | undefined,
  body: Buffer,
  hcid: string,
): RegistryError {
  const detail = detailOf({ contentType, body });
  return status === 404 || status === 410
    ? registryError(
        ErrorCode.XDSDocumentUniqueIdError,
        `document ${uid}: ITI-68 answered HTTP ${status} (${status === 404 ? 'not found' : 'gone'})${detail}`,
        hcid,
      )
    : registryError(
        ErrorCode.XDSRepositoryError,
        `document ${uid}: ITI-68 answered HTTP ${status}${detail}`,
        hcid,
      );
}

type One = ({ document: DocumentResponse } | { error: RegistryError }) & { line?: string };

async function retrieveOne(
  d: DocumentRequest,
  ref: DocumentReference | undefined,
  signal: AbortSignal,
  t: MhdLegTransport,
  c: CommunityEndpoint,
): Promise<One> {
  const hcid = c.homeCommunityId;
  const uid = d.documentUniqueId;
  const fail = (code: string, text: string, line?: string): One => ({
    error: registryError(code, `document ${uid}: ${text}`, hcid),
    ...(line !== undefined ? { line } : {}),
  });
  const located = locateDocument(uid, ref, c);
  if ('error' in located) return located;
  const { attachment, url } = located;
  let a: FhirGetAnswer;
  try {
    a = await fhirGet(url, attachment.contentType ?? '*/*', signal, t);
  } catch (err) {
    if (signal.aborted || !(err instanceof HttpTransportError)) throw err;
    return fail(
      ErrorCode.XDSRepositoryError,
      `ITI-68 GET ${url.href} failed: ${err.kind}: ${err.message}`,
      `GET ${url.href}`,
    );
  }
  const line = a.requestLine;
  if (a.status !== 200)
    return { error: documentStatusError(uid, a.status, a.contentType, a.body, hcid), line };
  if (attachment.size !== undefined && attachment.size !== a.body.byteLength)
    return fail(
      ErrorCode.XDSRepositoryError,
      `ITI-68 sent ${a.body.byteLength} bytes, but attachment.size is ${attachment.size}: not returned`,
      line,
    );
  if (attachment.hash !== undefined) {
    const sha1 = createHash('sha1').update(a.body).digest('base64');
    if (sha1 !== attachment.hash)
      return fail(
        ErrorCode.XDSRepositoryError,
        `the SHA-1 of the ITI-68 bytes is ${sha1}, but attachment.hash is ${attachment.hash}: not returned`,
        line,
      );
  }
  return {
    document: {
      homeCommunityId: hcid,
      repositoryUniqueId: d.repositoryUniqueId,
      documentUniqueId: uid,
      mimeType: attachment.contentType ?? a.contentType ?? 'application/octet-stream',
      content: a.body,
    },
    line,
  };
}

/** `: <issues>` of an OperationOutcome body, else nothing. */
function detailOf(a: Pick<FhirGetAnswer, 'contentType' | 'body'>): string {
  const o = a.contentType?.includes('json') ? operationOutcomeIn(a.body) : undefined;
  return o ? `: ${outcomeText(o)}` : '';
}

/** The origins (RFC 6454) of every URL configured for the community. */
function communityOrigins(c: CommunityEndpoint): Set<string> {
  const out = new Set<string>();
  for (const u of [...Object.values(c.endpoints), c.fhirBase]) {
    if (u === undefined) continue;
    try {
      out.add(new URL(u).origin);
    } catch {
      // a configured URL that does not parse has no origin
    }
  }
  return out;
}
