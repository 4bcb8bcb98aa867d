/**
 * A SOAP 1.2 call whose MTOM response is streamed (for RAD-75, whose studies can be gigabytes):
 * the call resolves as soon as the root part has been read and parsed; the binary parts are then
 * read one by one, at the caller's pace, from the still-open connection. Failures up to the root
 * part are classified exactly as soapCall classifies them (client.ts SoapCallErrorKind).
 */
import http from 'node:http';
import https from 'node:https';
import {
  SoapCallError,
  abortedError,
  classifyNetError,
  interpret,
  prepareRequest,
  type SoapCallOptions,
  type SoapCallResult,
} from './client.js';
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

/** Map a failure while reading the response up to the root part. */
function readFailure(err: unknown, status: number): SoapCallError {
  if (err instanceof SoapCallError) return err;
  if (err instanceof MtomError)
    return new SoapCallError(
      'malformed',
      `the response is not a SOAP 1.2 message: Malformed MTOM message: ${err.reason}`,
      {
        httpStatus: status,
        cause: err,
      },
    );
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ERR_STREAM_PREMATURE_CLOSE' || e.message === 'aborted')
    return new SoapCallError('reset', 'the connection closed before the response was complete', {
      cause: err,
    });
  return classifyNetError(e);
}

/** Read a non-multipart response whole, within `max` bytes. */
async function readWhole(res: http.IncomingMessage, max: number): Promise<Buffer> {
  if (Number(res.headers['content-length']) > max)
    throw new SoapCallError('too-large', `the response declares more than ${max} bytes`, {
      httpStatus: res.statusCode ?? 0,
    });
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > max)
      throw new SoapCallError('too-large', `the response exceeds ${max} bytes`, {
        httpStatus: res.statusCode ?? 0,
      });
    chunks.push(c as Buffer);
  }
  if (!res.complete)
    throw new SoapCallError('reset', 'the connection closed before the response was complete');
  return Buffer.concat(chunks, n);
}

/** The root part (or whole body) interpreted, with the parts to come. */
async function readResponse(
  res: http.IncomingMessage,
  messageId: string,
  opts: StreamedSoapCallOptions,
  max: number,
  requestXml: string,
): Promise<StreamedSoapCallResult> {
  const status = res.statusCode ?? 0;
  const contentType = res.headers['content-type'];
  if (parseContentType(contentType).mediaType !== 'multipart/related') {
    const body = await readWhole(res, max);
    return { ...interpret({ status, contentType, body }, messageId), requestXml, parts: NO_PARTS };
  }
  const reader = new MultipartStreamReader(res, contentType!, { idleTimeoutMs: opts.idleTimeoutMs });
  try {
    const root = await reader.readRoot(max);
    const body = Buffer.from(root.xml, 'utf8');
    const result = interpret({ status, contentType: 'application/soap+xml; charset=UTF-8', body }, messageId);
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
  const max = opts.maxResponseBytes ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const signal = opts.signal;
    if (signal?.aborted) return reject(abortedError(signal));
    const headers = {
      ...opts.headers,
      'Content-Type': entity.contentType,
      'Content-Length': String(entity.length),
    };
    const request = (url.protocol === 'https:' ? https : http).request;
    const req = request(url, { method: 'POST', headers, ...(opts.agent ? { agent: opts.agent } : {}) });
    let settled = false;
    const onAbort = (): void => fail(abortedError(signal!));
    function fail(err: SoapCallError): void {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      reject(err);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    let answered = false;
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!answered) fail(classifyNetError(err));
    });
    req.on('response', (res) => {
      answered = true;
      res.on('error', () => undefined); // reported through the reader
      readResponse(res, messageId, opts, max, xml).then(
        (result) => {
          if (settled) return result.parts.close();
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
        (err: unknown) => fail(readFailure(err, res.statusCode ?? 0)),
      );
    });
    for (const c of entity.chunks) req.write(c);
    req.end();
  });
}
