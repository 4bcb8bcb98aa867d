/**
 * The `mhd` codec's streamed retrieve of one document (community-codec.ts `retrieveStream`; IHE
 * MHD 4.2.x): the DocumentReference found with an ITI-67 search by identifier
 * (mhd-leg-retrieve.ts findDocumentReferences), then its `content.attachment.url` fetched with
 * ITI-68, resolving once the response head has arrived: a 200's body stays on the connection for
 * the broker's ITI-68 relay (iti68-relay.ts), never held whole. Failures per the whole retrieve's
 * rules (mhd-leg-retrieve.ts): no DocumentReference or ITI-68 404 / 410 XDSDocumentUniqueIdError,
 * an attachment.url off the community's origin, another status or a failed GET XDSRepositoryError,
 * each located at the community; the search's own failure and a fired deadline fail the leg.
 */
import {
  abortedError,
  httpRequest,
  HttpTransportError,
  readBody,
  type HttpAnswer,
} from '../transport/http-client.js';
import { ErrorCode } from '../xca/constants.js';
import { registryError } from '../xca/status.js';
import type { DocumentRequest, RegistryError } from '../xca/types.js';
import type { CommunityEndpoint } from './community-directory.js';
import type { StreamedDocumentAnswer } from './community-codec.js';
import type { MhdLegTransport } from './mhd-leg-http.js';
import {
  documentStatusError,
  findDocumentReferences,
  locateDocument,
  type RetrieveExchange,
} from './mhd-leg-retrieve.js';

/** Most bytes of a refusal's body (an OperationOutcome) read for its diagnostics. */
const MAX_REFUSAL_BYTES = 64 * 1024;

/**
 * Retrieve `doc` from the MHD community `c`, its bytes streamed.
 * @throws as findDocumentReferences for the search; the deadline's `timeout` while the ITI-68
 *   response head is awaited.
 */
export async function retrieveDocumentStreamFromMhd(
  c: CommunityEndpoint,
  doc: DocumentRequest,
  signal: AbortSignal,
  t: MhdLegTransport,
): Promise<{ value: StreamedDocumentAnswer; exchange: RetrieveExchange }> {
  const hcid = c.homeCommunityId;
  const uid = doc.documentUniqueId;
  const errors: RegistryError[] = [];
  const exchange: RetrieveExchange = { httpStatus: 0, requestLines: [], responseBodies: [] };
  const refs = await findDocumentReferences(c, [uid], signal, t, exchange, errors);
  const located = locateDocument(uid, refs.get(uid), c);
  if ('error' in located) return { value: { errors: [...errors, located.error] }, exchange };
  const { attachment, url } = located;
  exchange.requestLines.push(`GET ${url.href}`);
  let a: HttpAnswer;
  try {
    a = await getHead(url, attachment.contentType ?? '*/*', signal, t);
  } catch (err) {
    if (signal.aborted || !(err instanceof HttpTransportError)) throw err;
    const failed = registryError(
      ErrorCode.XDSRepositoryError,
      `document ${uid}: ITI-68 GET ${url.href} failed: ${err.kind}: ${err.message}`,
      hcid,
    );
    return { value: { errors: [...errors, failed] }, exchange };
  }
  const type = mediaTypeOf(a);
  if (a.status !== 200) {
    const body = await readBody(a, MAX_REFUSAL_BYTES, { signal }).catch(() => Buffer.alloc(0));
    return { value: { errors: [...errors, documentStatusError(uid, a.status, type, body, hcid)] }, exchange };
  }
  const declared = Number(header(a, 'content-length'));
  const expected = {
    ...(attachment.size !== undefined ? { size: attachment.size } : {}),
    ...(attachment.hash !== undefined
      ? { hash: Buffer.from(attachment.hash, 'base64').toString('hex') }
      : {}),
  };
  return {
    value: {
      errors,
      stream: {
        document: {
          homeCommunityId: hcid,
          repositoryUniqueId: doc.repositoryUniqueId,
          documentUniqueId: uid,
          mimeType: attachment.contentType ?? type ?? 'application/octet-stream',
          content: Buffer.alloc(0),
        },
        body: a.body,
        ...(Number.isSafeInteger(declared) && declared >= 0 && header(a, 'content-length') !== undefined
          ? { declaredBytes: declared }
          : {}),
        expected,
      },
    },
    exchange,
  };
}

/**
 * GET `url` and resolve with the response head, the body left on the connection. `signal` (the
 * leg's deadline) ends the exchange only until the head is in: it is relayed through a controller
 * of our own, unhooked then (as soap/client-stream.ts does for an MTOM root part).
 */
async function getHead(
  url: URL,
  accept: string,
  signal: AbortSignal,
  t: MhdLegTransport,
): Promise<HttpAnswer> {
  if (signal.aborted) throw abortedError(signal);
  const agent = url.protocol === 'https:' ? t.httpsAgent : t.agent;
  const token = t.bearerToken ? await t.bearerToken(url) : undefined;
  const exchange = new AbortController();
  const relay = (): void => exchange.abort(signal.reason);
  signal.addEventListener('abort', relay, { once: true });
  try {
    return await httpRequest({
      method: 'GET',
      url,
      headers: { accept, ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
      signal: exchange.signal,
      ...(agent ? { agent } : {}),
    });
  } finally {
    signal.removeEventListener('abort', relay);
  }
}

function header(a: HttpAnswer, name: string): string | undefined {
  const v = a.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The media type of the answer, parameters dropped, lower case; undefined when absent. */
function mediaTypeOf(a: HttpAnswer): string | undefined {
  return header(a, 'content-type')?.split(';')[0]?.trim().toLowerCase() || undefined;
}
