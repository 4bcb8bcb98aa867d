/**
 * A SOAP 1.2 call whose MTOM response is streamed (for RAD-75, whose studies can be gigabytes):
 * the call resolves as soon as the root part has been read and parsed; the binary parts are then
 * read one by one, at the caller's pace, from the still-open connection. Failures up to the root
 * part are classified exactly as soapCall classifies them (client.ts SoapCallErrorKind).
 */
import {
  HttpTransportError,
  abortedError,
  classifyTransportError,
  httpPost,
  readBody,
  type HttpAnswer,
} from '../transport/http-client.js';
import {
  DEFAULT_MAX_RESPONSE_BYTES,
  SoapCallError,
  entityHeaders,
  interpret,
  joinedHeaders,
  prepareRequest,
  soapCallError,
  type RawResponse,
  type SoapCallOptions,
  type SoapCallResult,
} from './client.js';
import type { DeadlineClock } from '../shared/clock.js';
import { parseContentType } from './content-type.js';
import { MtomError } from './mtom.js';
import { MultipartStreamReader, type ReceivedPart } from './mtom-stream-reader.js';

/** Options of {@link soapCallStreamed}: those of soapCall, plus the idle timeout of the parts. */
export interface StreamedSoapCallOptions extends SoapCallOptions {
  /**
   * Once the root part is in, a part read fails when the connection sends nothing for this long,
   * ms (the `signal` deadline applies only until the root part is in).
   */
  idleTimeoutMs: number;
  /** The time the idle timeout runs on (default: the system clock). */
  clock?: DeadlineClock | undefined;
}

/** The binary parts still to come, in arrival order. */
export interface PartSource {
  /** The next part, or undefined when there are no more; read each body to its end first. */
  next(): Promise<ReceivedPart | undefined>;
  /** Stop reading and drop the connection. */
  close(err?: Error): void;
}

/** A successful streamed call: the parsed root part, and the parts still to read. */
export interface StreamedSoapCallResult extends SoapCallResult {
  /** Empty (next() resolves undefined) for a plain, non-MTOM, answer. */
  parts: PartSource;
}

const NO_PARTS: PartSource = { next: () => Promise.resolve(undefined), close: () => undefined };

/** Map a failure while reading the response up to the root part (`signal`: the caller's deadline). */
function readFailure(err: unknown, status: number, signal: AbortSignal | undefined): SoapCallError {
  // A fired deadline is the outcome, whatever the reader made of the stream it destroyed.
  if (signal?.aborted) return soapCallError(abortedError(signal));
  if (err instanceof SoapCallError) return err;
  if (err instanceof HttpTransportError) return soapCallError(err);
  if (err instanceof MtomError)
    return new SoapCallError(
      'malformed',
      `the response is not a SOAP 1.2 message: Malformed MTOM message: ${err.reason}`,
      { httpStatus: status, cause: err },
    );
  const e = classifyTransportError(err, signal);
  if (e.kind === 'reset')
    return new SoapCallError('reset', 'the connection closed before the response was complete', {
      cause: err,
    });
  return soapCallError(e);
}

/** `interpret()`'s answer; its SoapCallError carries the request and the answer read (`raw`). */
function withResponse<T>(read: () => T, requestXml: string, raw: RawResponse): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof SoapCallError) err.exchange = { requestXml, response: raw };
    throw err;
  }
}

/** The root part (or whole body) interpreted, with the parts to come. */
async function readResponse(
  answer: HttpAnswer,
  messageId: string,
  opts: StreamedSoapCallOptions,
  max: number,
  requestXml: string,
): Promise<StreamedSoapCallResult> {
  const status = answer.status;
  const header = answer.headers['content-type'];
  const contentType = Array.isArray(header) ? header[0] : header;
  const headers = joinedHeaders(answer.headers);
  if (parseContentType(contentType).mediaType !== 'multipart/related') {
    const body = await readBody(answer, max, opts.signal ? { signal: opts.signal } : {});
    const raw = { status, contentType, body, headers };
    return { ...withResponse(() => interpret(raw, messageId), requestXml, raw), requestXml, parts: NO_PARTS };
  }
  const reader = new MultipartStreamReader(answer.body, contentType!, {
    idleTimeoutMs: opts.idleTimeoutMs,
    clock: opts.clock,
  });
  try {
    const root = await reader.readRoot(max);
    const body = Buffer.from(root.xml, 'utf8');
    // The root part stands for the answer (its binary parts are not kept).
    const raw = { status, contentType: 'application/soap+xml; charset=UTF-8', body, headers };
    const result = withResponse(() => interpret(raw, messageId), requestXml, raw);
    return {
      ...result,
      requestXml,
      bytes: body.length,
      parts: { next: () => reader.nextPart(), close: (e) => reader.close(e) },
    };
  } catch (err) {
    reader.close();
    throw err;
  }
}

/**
 * Send one SOAP 1.2 request as soapCall does, and resolve once the response's root part has
 * arrived and parsed (a plain SOAP answer is read whole). `bytes` is the root part's size.
 * `maxResponseBytes` caps the root part (or a plain body); the binary parts are not capped.
 * @throws SoapCallError classified as soapCall classifies (refused, timeout, reset, http-status,
 *   soap-fault, malformed, too-large).
 * @throws TypeError for a URL that is not absolute http: / https:, or an entity that cannot be encoded.
 */
export async function soapCallStreamed(opts: StreamedSoapCallOptions): Promise<StreamedSoapCallResult> {
  const { url, messageId, entity, xml } = prepareRequest(opts, 'soapCallStreamed');
  const max = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const signal = opts.signal;
  if (signal?.aborted) throw soapCallError(abortedError(signal));
  // The caller's deadline ends the exchange only until the root part is in: it is relayed to the
  // transport through a controller of our own, unhooked once the root part has been read.
  const exchange = new AbortController();
  const relay = (): void => exchange.abort(signal!.reason);
  signal?.addEventListener('abort', relay, { once: true });
  let answer: HttpAnswer | undefined;
  try {
    answer = await httpPost({
      url,
      headers: entityHeaders(entity, opts.headers),
      body: entity.chunks,
      signal: exchange.signal,
      ...(opts.agent ? { agent: opts.agent } : {}),
    });
    const result = await readResponse(answer, messageId, opts, max, xml);
    if (signal?.aborted) {
      result.parts.close();
      throw soapCallError(abortedError(signal));
    }
    return result;
  } catch (err) {
    answer?.body.destroy();
    const failure = readFailure(err, answer?.status ?? 0, signal);
    // What was sent, at least (client.ts SoapCallError.exchange).
    failure.exchange ??= { requestXml: xml };
    throw failure;
  } finally {
    signal?.removeEventListener('abort', relay);
  }
}
