/**
 * The `xca` CommunityCodec (community-codec.ts): the broker's initiating-gateway calls to one XCA
 * community (ITI-38 / ITI-39 over SOAP 1.2, ITI TF-2 3.38 / 3.39), and the classification of a
 * failed call into a LegFailure. Each registry object of an ITI-38 answer becomes an `ebrim`
 * FederatedObject holding the text the community sent: nothing is decoded beyond what the parse
 * already read (xca/registry-object-content.ts), so the XCA path costs what it did before codecs.
 * When the face asks for DocumentEntries (the MHD face, ITI-67), the answer is parsed once with its
 * tree and each ExtrinsicObject decoded from it, instead of each object's text being parsed again.
 */
import type { HttpAgent } from '../transport/http-client.js';
import { soapCall, SoapCallError, type SoapCallOptions } from '../soap/client.js';
import { resolveXopContent } from '../soap/mtom.js';
import { SoapAction, Transaction } from '../xca/constants.js';
import { encodeAdhocQueryRequest } from '../xca/adhoc-query-request.js';
import { decodeAdhocQueryResponse } from '../xca/adhoc-query-response.js';
import { XcaDecodeError } from '../xca/decode-error.js';
import { decodeExtrinsicObject } from '../xca/document-entry.js';
import { childElements, firstChild, type Element } from '../soap/xml.js';
import { XcaNs } from '../xca/constants.js';
import { readRegistryObjectContent } from '../xca/registry-object-content.js';
import {
  decodeRetrieveDocumentSetResponse,
  encodeRetrieveDocumentSetRequest,
} from '../xca/retrieve-document-set.js';
import type {
  AdhocQueryRequest,
  AdhocQueryResponse,
  RegistryObjectXml,
  RetrieveDocumentSetRequest,
  RetrieveDocumentSetResponse,
} from '../xca/types.js';
import type { AttachmentRef } from '../events/transaction-events.js';
import type { CommunityCodec, QueryNeeds } from './community-codec.js';
import type { CommunityEndpoint } from './community-directory.js';
import type { CommunityQueryAnswer, EbrimObject } from './federated-object.js';
import type { LegFailure } from './leg.js';
import { withExchange } from './failed-leg.js';
import { certificateLegFailure } from './leg-certificate.js';
import { attachmentRefs } from './transaction-record.js';
import { retrieveDocumentStreamFromCommunity } from './xca-document-stream.js';

/**
 * What went over the wire on one leg (for the transaction log, events/transaction-events.ts
 * LegEvent): an XCA leg's envelopes, an MHD leg's request line and JSON body.
 */
export interface LegExchange {
  httpStatus: number;
  /** XCA: the request envelope as sent. */
  requestXml?: string;
  /** XCA: the response envelope (MTOM root part). */
  responseXml?: string;
  /** XCA: the response's MTOM parts, by reference. */
  responseAttachments?: AttachmentRef[];
  /** MHD: the request as sent, `METHOD URL` (ITI-67 with its query string). */
  requestLine?: string;
  /** MHD: the response body received (FHIR JSON), when it is text; bounded like `responseXml`. */
  responseBody?: string;
}

/** A decoded answer and its exchange. */
export interface LegAnswer<R> {
  value: R;
  exchange: LegExchange;
}

/** Transport options shared by every leg. */
export interface LegTransport {
  /** Keep-alive pool for http: community URLs. */
  agent?: HttpAgent;
  /**
   * For https: community URLs (security on): mutual TLS with the broker's client certificate,
   * the communities' CAs and CRLs (docs/security.md). `agent` serves http: URLs.
   */
  httpsAgent?: HttpAgent;
  /** Largest response accepted from a community, bytes. */
  maxResponseBytes: number;
  /**
   * The wsse:Security header each leg carries (the broker-signed XUA assertion), when forwarding:
   * one promise per request, which every leg awaits (the signature is computed off the event loop).
   */
  securityHeader?: () => Promise<string>;
  /**
   * The IUA access token (IHE ITI TF-2 3.71.4.2.2, JWT Option; RFC 6750 bearer) an MHD leg to
   * `url` carries, when forwarding: one promise per consumer request (per group of 16 MHD
   * communities above that, mhd-leg-token.ts legBearerToken), which every MHD leg awaits.
   */
  bearerToken?: (url: URL) => Promise<string>;
}

/**
 * The soapCall options every leg shares: the agent for the URL's scheme (`httpsAgent` for
 * https:, mutual TLS when security is on), the response cap, and the forwarded wsse:Security
 * header. Every leg to a community (ITI-38, ITI-39, RAD-75) should use it. The first leg's call
 * starts the request's signature; the thread pool computes it while the other legs start.
 * @rejects Error when the forwarded assertion cannot be signed (the leg fails, invalid-response).
 */
export async function legCallOptions(
  url: string,
  t: LegTransport,
): Promise<Pick<SoapCallOptions, 'agent' | 'headersXml' | 'maxResponseBytes'>> {
  const agent = url.startsWith('https:') ? t.httpsAgent : t.agent;
  const headersXml = t.securityHeader ? await t.securityHeader() : undefined;
  return {
    maxResponseBytes: t.maxResponseBytes,
    ...(agent ? { agent } : {}),
    ...(headersXml !== undefined ? { headersXml } : {}),
  };
}

/**
 * Send an ITI-38 Cross Gateway Query to `url`. The answer is parsed once, its registry objects
 * read during the parse with no tree below them (xca/registry-object-content.ts), each kept as the
 * text the community sent. With `needs.documentEntries` the parse keeps the objects' trees and
 * `decoded` holds, per registry object in order, its DocumentEntry (an ExtrinsicObject, ITI TF-3
 * 4.2.3.2), the error its decode threw, or undefined (another kind of object).
 * @throws SoapCallError (transport, fault, malformed) or XcaDecodeError (invalid response body).
 */
export async function queryCommunity(
  url: string,
  req: AdhocQueryRequest,
  signal: AbortSignal,
  t: LegTransport,
  needs: QueryNeeds = {},
): Promise<LegAnswer<AdhocQueryResponse> & { decoded?: EbrimObject['decoded'][] }> {
  const bodyXml = encodeAdhocQueryRequest(req);
  const res = await soapCall({
    url,
    action: SoapAction.CrossGatewayQuery,
    bodyXml,
    signal,
    ...(needs.documentEntries ? {} : { readContent: readRegistryObjectContent }),
    ...(await legCallOptions(url, t)),
  });
  const exchange = { httpStatus: res.httpStatus, requestXml: res.requestXml, responseXml: res.rawXml };
  try {
    const value = decodeAdhocQueryResponse(res.body);
    return needs.documentEntries
      ? { value, exchange, decoded: decodeEntries(res.body) }
      : { value, exchange };
  } catch (err) {
    throw withExchange(err, exchange);
  }
}

/**
 * Per child of the response's rim:RegistryObjectList (the order decodeAdhocQueryResponse keeps):
 * an ExtrinsicObject's DocumentEntry or the error its decode threw; undefined for another object.
 */
function decodeEntries(response: Element): EbrimObject['decoded'][] {
  const list = firstChild(response, XcaNs.rim, 'RegistryObjectList');
  return (list ? childElements(list) : []).map((o) => {
    if (o.localName !== 'ExtrinsicObject') return undefined;
    try {
      return { entry: decodeExtrinsicObject(o) };
    } catch (err) {
      return { error: err instanceof Error ? err : new Error(String(err)) };
    }
  });
}

/**
 * Send an ITI-39 Cross Gateway Retrieve to `url`.
 * @throws SoapCallError or XcaDecodeError, as queryCommunity.
 */
export async function retrieveFromCommunity(
  url: string,
  req: RetrieveDocumentSetRequest,
  signal: AbortSignal,
  t: LegTransport,
): Promise<LegAnswer<RetrieveDocumentSetResponse>> {
  const bodyXml = encodeRetrieveDocumentSetRequest(req);
  const res = await soapCall({
    url,
    action: SoapAction.CrossGatewayRetrieve,
    bodyXml,
    signal,
    ...(await legCallOptions(url, t)),
  });
  const exchange = {
    httpStatus: res.httpStatus,
    requestXml: res.requestXml,
    responseXml: res.rawXml,
    ...(res.attachments.size > 0
      ? {
          responseAttachments: attachmentRefs(
            [...res.attachments].map(([contentId, p]) => ({ contentId, ...p })),
          ),
        }
      : {}),
  };
  try {
    return {
      value: decodeRetrieveDocumentSetResponse(res.body, (el) => resolveXopContent(el, res.attachments)),
      exchange,
    };
  } catch (err) {
    throw withExchange(err, exchange);
  }
}

/**
 * The community's endpoint for `transaction`.
 * @throws Error `no <transaction> endpoint configured` (a misconfigured directory: the leg fails,
 *   invalid-response, and the others go on).
 */
export function endpointOf(community: CommunityEndpoint, transaction: Transaction): string {
  const url = community.endpoints[transaction];
  if (url === undefined) throw new Error(`no ${transaction} endpoint configured`);
  return url;
}

/** An XCA registry object as the federation core carries it: verbatim. */
const ebrim = (object: RegistryObjectXml): EbrimObject => ({ form: 'ebrim', object });

/**
 * The `xca` codec: ITI-38 to `endpoints['ITI-38']`, ITI-39 to `endpoints['ITI-39']` (whole, or
 * one document streamed: xca-document-stream.ts), each registry object kept as sent (`ebrim`);
 * errors classified by {@link classifyLegError}.
 */
export const xcaCodec: CommunityCodec = {
  protocol: 'xca',
  async query(community, req, signal, t, needs) {
    const answer = await queryCommunity(endpointOf(community, Transaction.Iti38), req, signal, t, needs);
    const decoded = answer.decoded;
    const value: CommunityQueryAnswer = {
      errors: answer.value.errors,
      objects: answer.value.objects.map((object, i) => {
        const d = decoded?.[i];
        return d ? { ...ebrim(object), decoded: d } : ebrim(object);
      }),
    };
    return { value, exchange: answer.exchange };
  },
  retrieve(community, req, signal, t) {
    return retrieveFromCommunity(endpointOf(community, Transaction.Iti39), req, signal, t);
  },
  async retrieveStream(community, req, signal, t, opts) {
    const url = endpointOf(community, Transaction.Iti39);
    return retrieveDocumentStreamFromCommunity(url, req, signal, await legCallOptions(url, t), opts);
  },
  classify: classifyLegError,
};

/** Map whatever a leg threw to a LegFailure; `timedOut` wins over the error's own kind. */
export function classifyLegError(error: unknown, timedOut: boolean, deadlineMs: number): LegFailure {
  if (timedOut) return { reason: 'timeout', deadlineMs };
  if (error instanceof XcaDecodeError) return { reason: 'invalid-response', detail: error.message };
  if (error instanceof SoapCallError) {
    switch (error.kind) {
      case 'timeout':
        return { reason: 'timeout', deadlineMs };
      case 'refused':
        return certificateLegFailure(error) ?? { reason: 'refused', detail: error.detail };
      case 'reset':
      case 'too-large':
      case 'malformed':
        return { reason: error.kind, detail: error.detail };
      case 'http-status':
        return { reason: 'http-status', httpStatus: error.httpStatus ?? 0, detail: error.detail };
      case 'soap-fault':
        return {
          reason: 'soap-fault',
          faultCode: error.fault?.code ?? 'unknown',
          faultReason: error.fault?.reason ?? error.detail,
        };
    }
  }
  return { reason: 'invalid-response', detail: error instanceof Error ? error.message : String(error) };
}
