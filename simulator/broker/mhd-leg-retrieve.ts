/**
 * ITI-39 Cross Gateway Retrieve to an MHD community as ITI-67 + ITI-68 (IHE MHD 4.2.x; the XCA
 * side ITI TF-2 3.39.4.1.3): the DocumentRequests' uniqueIds are found with an ITI-67 search
 * `identifier=urn:ietf:rfc:3986|urn:oid:<uniqueId>` (OR-ed, at most
 * {@link MAX_IDENTIFIERS_PER_SEARCH} per search, without `patient`: docs/mhd.md "MHD communities"),
 * then each document's `content.attachment.url` is fetched (ITI-68), bounded by the leg's
 * `maxResponseBytes`. Per DocumentRequest:
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
import type { DocumentReference } from 'fhir/r4.js';
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
  const search = endpointOf(c, 'ITI-67');
  const hcid = c.homeCommunityId;
  const errors: RegistryError[] = [];
  const exchange: RetrieveExchange = { httpStatus: 0, requestLines: [], responseBodies: [] };
  const byUniqueId = new Map<string, DocumentReference>();
  const ids = [...new Set(req.documents.map((d) => d.documentUniqueId))];
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
  const origins = communityOrigins(c);
  const results = await Promise.all(
    req.documents.map((d) =>
      retrieveOne(d, byUniqueId.get(d.documentUniqueId), origins, search, signal, t, c),
    ),
  );
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

type One = ({ document: DocumentResponse } | { error: RegistryError }) & { line?: string };

async function retrieveOne(
  d: DocumentRequest,
  ref: DocumentReference | undefined,
  origins: ReadonlySet<string>,
  base: URL,
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
    url = new URL(attachment.url, base);
  } catch {
    return fail(
      ErrorCode.XDSRepositoryError,
      `content.attachment.url ${JSON.stringify(attachment.url)} is not a URL`,
    );
  }
  if (!origins.has(url.origin))
    return fail(
      ErrorCode.XDSRepositoryError,
      `content.attachment.url ${url.href} is not on the MHD community's own origin (${[...origins].join(', ')}): not followed`,
    );
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
  if (a.status === 404 || a.status === 410)
    return fail(
      ErrorCode.XDSDocumentUniqueIdError,
      `ITI-68 answered HTTP ${a.status} (${a.status === 404 ? 'not found' : 'gone'})${detailOf(a)}`,
      line,
    );
  if (a.status !== 200)
    return fail(ErrorCode.XDSRepositoryError, `ITI-68 answered HTTP ${a.status}${detailOf(a)}`, line);
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
function detailOf(a: FhirGetAnswer): string {
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
