/**
 * The `xca` codec's streamed retrieve of one document (community-codec.ts `retrieveStream`): an
 * ITI-39 Cross Gateway Retrieve (ITI TF-2 3.39) for one DocumentRequest, its MTOM answer (ITI TF-2
 * Appendix V; XOP) read as it arrives (soap/client-stream.ts, soap/mtom-stream-reader.ts, the
 * reader RAD-75 uses): the call resolves once the root part has been decoded and the document's
 * part headers have arrived, under the leg's deadline; the part's bytes stay on the paused
 * connection for the broker's ITI-68 to relay (iti68-relay.ts), never held whole.
 */
import { Readable } from 'node:stream';
import { soapCallStreamed, type PartSource } from '../soap/client-stream.js';
import { SoapCallError, type SoapCallOptions } from '../soap/client.js';
import { streamedXopResolver } from '../soap/mtom.js';
import type { ReceivedPart } from '../soap/mtom-stream-reader.js';
import { SoapAction } from '../xca/constants.js';
import {
  decodeRetrieveDocumentSetResponse,
  encodeRetrieveDocumentSetRequest,
} from '../xca/retrieve-document-set.js';
import type { DocumentRequest } from '../xca/types.js';
import type { LegAnswer } from './community-client.js';
import type { DocumentStreamOptions, StreamedDocumentAnswer } from './community-codec.js';

/** Largest root part accepted from a community, bytes (as RAD-75's, imaging-client.ts). */
const MAX_ROOT_BYTES = 64 * 1024 * 1024;

/**
 * Send an ITI-39 for `doc` to `url` (with `call`, the options every leg shares: community-client.ts
 * legCallOptions; the root part is capped at the lesser of its `maxResponseBytes` and 64 MiB, the
 * document's part is not capped here: the relay bounds it by the metadata's size) and resolve with the document's bytes still streaming. A
 * document sent inline (base64 in the root part) is served from the root part; one sent as an XOP
 * part is read from the connection. The community's RegistryErrors are returned as sent; a
 * response without the requested document has no `stream` (its connection is released).
 * @throws SoapCallError (transport, fault, malformed: also an MTOM answer that ends, breaks or
 *   stays silent past `opts.idleTimeoutMs` before the document's part begins) or XcaDecodeError /
 *   MtomError (invalid root part); the connection is closed then.
 */
export async function retrieveDocumentStreamFromCommunity(
  url: string,
  doc: DocumentRequest,
  signal: AbortSignal,
  call: Pick<SoapCallOptions, 'agent' | 'headersXml' | 'maxResponseBytes'>,
  opts: DocumentStreamOptions,
): Promise<LegAnswer<StreamedDocumentAnswer>> {
  const res = await soapCallStreamed({
    url,
    action: SoapAction.CrossGatewayRetrieve,
    bodyXml: encodeRetrieveDocumentSetRequest({ documents: [doc] }),
    signal,
    idleTimeoutMs: opts.idleTimeoutMs,
    clock: opts.clock,
    ...call,
    maxResponseBytes: Math.min(call.maxResponseBytes ?? MAX_ROOT_BYTES, MAX_ROOT_BYTES),
  });
  const exchange = { httpStatus: res.httpStatus, requestXml: res.requestXml, responseXml: res.rawXml };
  try {
    const { resolve, partIds } = streamedXopResolver();
    const decoded = decodeRetrieveDocumentSetResponse(res.body, resolve);
    const found = decoded.documents.find((d) => d.documentUniqueId === doc.documentUniqueId);
    const errors = decoded.errors;
    if (!found) {
      res.parts.close();
      return { value: { errors }, exchange };
    }
    const document = { ...found, content: Buffer.alloc(0) };
    const contentId = partIds.get(found.content);
    if (contentId === undefined) {
      res.parts.close();
      return { value: { errors, stream: { document, body: Readable.from([found.content]) } }, exchange };
    }
    const part = await partOf(res.parts, contentId, signal);
    const declared = Number(part.headers.get('content-length'));
    const body = part.body;
    // Once the part has ended, read the closing delimiter so the exchange completes.
    body.once('end', () => {
      res.parts.next().then(
        (extra) => {
          if (extra) res.parts.close();
        },
        () => res.parts.close(),
      );
    });
    return {
      value: {
        errors,
        stream: {
          document,
          body,
          ...(Number.isSafeInteger(declared) && declared >= 0 ? { declaredBytes: declared } : {}),
        },
      },
      exchange,
    };
  } catch (err) {
    res.parts.close();
    throw err;
  }
}

/**
 * The part `contentId` of `parts`, other parts read and discarded; `signal` (the leg's deadline)
 * still applies until its headers have arrived.
 * @throws SoapCallError `reset` when the answer breaks or ends before it; the deadline's error.
 */
async function partOf(parts: PartSource, contentId: string, signal: AbortSignal): Promise<ReceivedPart> {
  const abort = (): void => parts.close(signal.reason instanceof Error ? signal.reason : undefined);
  signal.addEventListener('abort', abort, { once: true });
  try {
    for (let p = await parts.next(); p; p = await parts.next()) {
      if (p.contentId === contentId) return p;
      for await (const _chunk of p.body) {
        // a part the answer did not reference for this document: discarded
      }
    }
  } catch (err) {
    if (signal.aborted) throw err;
    throw new SoapCallError(
      'reset',
      `the MTOM answer broke before the document's part ${contentId}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  } finally {
    signal.removeEventListener('abort', abort);
  }
  throw new SoapCallError(
    'malformed',
    `the MTOM answer ended without the part ${contentId} its root part references (ITI TF-2 Appendix V)`,
  );
}
