/**
 * One consumer exchange with the broker, as a supplier's system would make it: a SOAP 1.2 request
 * with WS-Addressing over plain HTTP (the one client, transport/http-client.ts), the answer read
 * within MAX_ANSWER_BYTES and decoded with the project's decoders
 * (plain or MTOM/XOP, SOAP Fault, AdhocQueryResponse, RetrieveDocumentSetResponse). Every way the
 * answer can go wrong becomes data in a StepOutcome, never an exception: the runner compares it.
 */
import { performance } from 'node:perf_hooks';
import { soapXmlContentType } from '../soap/content-type.js';
import { HttpTransportError, httpExchange } from '../transport/http-client.js';
import { buildSoapEnvelope, isFaultEnvelope } from '../soap/envelope.js';
import { parseSoapFault, SoapFaultError } from '../soap/fault.js';
import { readSoapMessage, type ReadSoapMessage } from '../soap/message-body.js';
import { MtomError, resolveXopContent } from '../soap/mtom.js';
import { parseXml } from '../soap/xml.js';
import { decodeAdhocQueryResponse } from '../xca/adhoc-query-response.js';
import { SoapAction, type ResponseStatus } from '../xca/constants.js';
import { XcaDecodeError } from '../xca/decode-error.js';
import { decodeExtrinsicObject } from '../xca/document-entry.js';
import { decodeRetrieveDocumentSetResponse } from '../xca/retrieve-document-set.js';
import type { RegistryError, RegistryObjectXml } from '../xca/types.js';
import type { FoundDocument } from './picks.js';

/**
 * Largest answer read from the broker, bytes (256 MiB): the broker itself reads at most 256 MiB
 * from one community leg (runtime/broker-sandbox.ts), and the documents of an ITI-39 answer in a
 * scenario are synthetic reports of kilobytes. A larger answer is a `problem` of the step.
 */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

/** The HTTP header that names the consumer profile on the broker's sandbox port. */
const CONSUMER_HEADER = 'X-NIR-Consumer';

/** A returned object (ITI-38) or document (ITI-39): its community and, when readable, its ids. */
export interface ReturnedItem {
  /** homeCommunityId (`@home` / HomeCommunityId); undefined when absent. */
  home?: string;
  /** Set for ExtrinsicObjects and DocumentResponses, which a later step can retrieve. */
  document?: FoundDocument;
}

/** What came back for one request. */
export interface StepOutcome {
  /** HTTP status; undefined when no HTTP answer arrived. */
  httpStatus?: number;
  /** From sending the first byte to reading the last, ms (wall clock: the NFT-01 measure). */
  durationMs: number;
  soapFault?: { code: string; subcode?: string; reason: string };
  /** Response status URN of an ebXML response. */
  status?: ResponseStatus;
  errors: RegistryError[];
  items: ReturnedItem[];
  /** Why the answer could not be read (no HTTP answer, not SOAP, not a valid response). */
  problem?: string;
  /** The request envelope sent, and the response envelope (the root part of MTOM) when readable. */
  sentXml: string;
  receivedXml?: string;
}

/** One request to send. */
interface ExchangeRequest {
  transaction: 'ITI-38' | 'ITI-39';
  url: string;
  /** The body element (AdhocQueryRequest or RetrieveDocumentSetRequest). */
  bodyXml: string;
  consumer?: string;
  /** Give up after this long, ms. */
  timeoutMs: number;
}

const ACTIONS = {
  'ITI-38': SoapAction.CrossGatewayQuery,
  'ITI-39': SoapAction.CrossGatewayRetrieve,
} as const;

/** Send one request and read the answer. Never throws. */
export async function exchange(req: ExchangeRequest): Promise<StepOutcome> {
  const action = ACTIONS[req.transaction];
  const envelope = buildSoapEnvelope({ action, to: req.url, bodyXml: req.bodyXml });
  const headers: Record<string, string> = { 'content-type': soapXmlContentType(action) };
  if (req.consumer !== undefined) headers[CONSUMER_HEADER] = req.consumer;
  const started = performance.now();
  let status: number;
  let contentType: string | undefined;
  let body: Buffer;
  try {
    const res = await httpExchange(
      {
        method: 'POST',
        url: new URL(req.url),
        headers,
        body: [Buffer.from(envelope, 'utf8')],
        signal: AbortSignal.timeout(req.timeoutMs),
      },
      MAX_ANSWER_BYTES,
    );
    status = res.status;
    const ct = res.headers['content-type'];
    contentType = Array.isArray(ct) ? ct[0] : ct;
    body = res.body;
  } catch (err) {
    const durationMs = Math.round(performance.now() - started);
    return {
      durationMs,
      errors: [],
      items: [],
      problem:
        err instanceof HttpTransportError && err.kind === 'too-large'
          ? `the answer of the broker at ${req.url} is not read: ${err.message} (256 MiB)`
          : `no answer from the broker at ${req.url}: ${why(err)}`,
      sentXml: envelope,
    };
  }
  const durationMs = Math.round(performance.now() - started);
  return {
    httpStatus: status,
    durationMs,
    sentXml: envelope,
    ...decode(req.transaction, status, contentType, body),
  };
}

type Decoded = Pick<StepOutcome, 'soapFault' | 'status' | 'errors' | 'items' | 'problem' | 'receivedXml'>;

function decode(
  transaction: 'ITI-38' | 'ITI-39',
  status: number,
  contentType: string | undefined,
  body: Buffer,
): Decoded {
  let msg: ReadSoapMessage;
  try {
    msg = readSoapMessage(body, contentType, [], { enforceMustUnderstand: false });
  } catch (err) {
    const reason = err instanceof SoapFaultError ? err.reason : why(err);
    return {
      errors: [],
      items: [],
      problem: `HTTP ${status} with a body that is not a SOAP 1.2 message (${reason})`,
    };
  }
  return { ...decodeMessage(transaction, msg), receivedXml: msg.rawXml };
}

function decodeMessage(transaction: 'ITI-38' | 'ITI-39', msg: ReadSoapMessage): Decoded {
  const el = msg.envelope.body;
  if (isFaultEnvelope(msg.envelope)) {
    const f = parseSoapFault(el!);
    return {
      soapFault: {
        code: f.code,
        reason: f.reason,
        ...(f.subcode !== undefined ? { subcode: f.subcode } : {}),
      },
      errors: [],
      items: [],
    };
  }
  if (!el) return { errors: [], items: [], problem: 'the SOAP Body is empty' };
  try {
    if (transaction === 'ITI-38') {
      const r = decodeAdhocQueryResponse(el);
      return { status: r.status, errors: r.errors, items: r.objects.map(queryItem) };
    }
    const r = decodeRetrieveDocumentSetResponse(el, (d) => resolveXopContent(d, msg.attachments));
    return {
      status: r.status,
      errors: r.errors,
      items: r.documents.map((d) => ({
        ...(d.homeCommunityId !== '' ? { home: d.homeCommunityId } : {}),
        document: {
          uniqueId: d.documentUniqueId,
          repositoryUniqueId: d.repositoryUniqueId,
          home: d.homeCommunityId,
        },
      })),
    };
  } catch (err) {
    if (err instanceof XcaDecodeError || err instanceof MtomError)
      return { errors: [], items: [], problem: `the response is not valid: ${err.message}` };
    throw err;
  }
}

/** An ITI-38 registry object; an ExtrinsicObject that decodes becomes retrievable. */
function queryItem(o: RegistryObjectXml): ReturnedItem {
  const item: ReturnedItem = o.home !== undefined ? { home: o.home } : {};
  if (o.kind !== 'ExtrinsicObject') return item;
  try {
    const e = decodeExtrinsicObject(parseXml(o.xml).documentElement!);
    if (e.uniqueId !== '' && e.repositoryUniqueId !== '')
      item.document = {
        uniqueId: e.uniqueId,
        repositoryUniqueId: e.repositoryUniqueId,
        home: o.home ?? '',
        ...(/^[0-9a-f]{40}$/i.test(e.hash) ? { sha1Hex: e.hash.toLowerCase() } : {}),
        ...(Number.isSafeInteger(e.size) ? { size: e.size } : {}),
        ...(e.mimeType !== '' ? { mimeType: e.mimeType } : {}),
      };
  } catch {
    // An entry that does not decode is still counted; it just cannot be picked for a retrieve.
  }
  return item;
}

/** One phrase: the failure's code (ECONNREFUSED, a TLS code) or what went wrong. */
function why(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof HttpTransportError) {
    if (err.kind === 'timeout') return 'no answer in time (timed out)';
    return err.code ?? err.message;
  }
  return err.message;
}
