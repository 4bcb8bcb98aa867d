/**
 * The broker's RAD-75 call to one community (IHE RAD TF-3 4.75, the initiating imaging gateway's
 * side): resolves once the community's root part has arrived and decoded; the DICOM parts stay on
 * the connection to be relayed to the consumer later (streamed, never held whole).
 */
import type { DeadlineClock } from '../shared/clock.js';
import { soapCallStreamed, type PartSource } from '../soap/client-stream.js';
import { streamedXopResolver } from '../soap/mtom.js';
import { SoapAction } from '../xca/constants.js';
import { decodeRetrieveDocumentSetResponse } from '../xca/retrieve-document-set.js';
import {
  encodeRetrieveImagingDocumentSetRequest,
  type RetrieveImagingDocumentSetRequest,
} from '../xca/retrieve-imaging-document-set.js';
import type { RetrieveDocumentSetResponse } from '../xca/types.js';
import { legCallOptions, type LegAnswer, type LegTransport } from './community-client.js';

/**
 * A community's RAD-75 answer with its parts still on the wire. A document sent as an XOP part has
 * an empty placeholder `content`, a key of `partIds` (its Content-ID); a document sent inline
 * (base64) has its bytes in `content`.
 */
export interface StreamedRetrieveResponse extends RetrieveDocumentSetResponse {
  partIds: Map<Buffer, string>;
  parts: PartSource;
}

/** Largest root part accepted from a community, bytes (thousands of DocumentResponses fit easily). */
const MAX_ROOT_BYTES = 64 * 1024 * 1024;

/**
 * Send a RAD-75 RetrieveImagingDocumentSetRequest to `url`, with the options every leg shares
 * (legCallOptions: agent per scheme, the forwarded wsse:Security header). `signal` (the
 * per-community deadline) applies until the root part is in; after that a part read fails when the community sends
 * nothing for `idleTimeoutMs` (ms of `clock`'s time: the broker's clock, virtual in tests).
 * @throws SoapCallError (transport, fault, malformed) or XcaDecodeError / MtomError (invalid root
 *   part); the connection is closed then.
 */
export async function retrieveImagingFromCommunity(
  url: string,
  req: RetrieveImagingDocumentSetRequest,
  signal: AbortSignal,
  t: LegTransport,
  idleTimeoutMs: number,
  clock: DeadlineClock,
): Promise<LegAnswer<StreamedRetrieveResponse>> {
  const bodyXml = encodeRetrieveImagingDocumentSetRequest(req);
  const res = await soapCallStreamed({
    url,
    action: SoapAction.CrossGatewayRetrieveImagingDocumentSet,
    bodyXml,
    signal,
    idleTimeoutMs,
    clock,
    ...(await legCallOptions(url, t)),
    maxResponseBytes: Math.min(t.maxResponseBytes, MAX_ROOT_BYTES),
  });
  const { resolve, partIds } = streamedXopResolver();
  try {
    const decoded = decodeRetrieveDocumentSetResponse(res.body, resolve);
    const exchange = { httpStatus: res.httpStatus, requestXml: res.requestXml, responseXml: res.rawXml };
    return { value: { ...decoded, partIds, parts: res.parts }, exchange };
  } catch (err) {
    res.parts.close();
    throw err;
  }
}
