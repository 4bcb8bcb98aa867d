/**
 * NIR's initiating side, as the kit plays it against a supplier's responding gateway: sends one
 * ITI-38, ITI-39 or RAD-75 request (SOAP 1.2 with WS-Addressing, IHE ITI TF-2 3.38.4.1.2 / 3.39 /
 * RAD TF-2 4.75), over plain HTTP or mutual TLS with NIR's client certificate, with a signed XUA
 * assertion in wsse:Security when the run has one (ITI TF-2 3.40), and keeps every exchange whole
 * for the evidence bundle. Each request may override the TLS material or the security header (the
 * security checks send an expired certificate, an unsigned assertion, ...), or send raw bytes.
 */
import { soapXmlContentType } from '../soap/content-type.js';
import { buildSoapEnvelope } from '../soap/envelope.js';
import { SoapFaultError } from '../soap/fault.js';
import { readSoapMessage, type ReadSoapMessage } from '../soap/message-body.js';
import type { DeadlineClock } from '../shared/clock.js';
import { HttpAgent, type ClientTls } from '../transport/http-agent.js';
import { HttpTransportError, httpExchange } from '../transport/http-client.js';
import { SoapAction } from '../xca/constants.js';
import { headerMap, type ExchangeRecord } from './exchange-record.js';

/** The SOAP transactions the initiator sends. */
export type InitiatedTransaction = 'ITI-38' | 'ITI-39' | 'RAD-75';

const ACTIONS: Record<InitiatedTransaction, string> = {
  'ITI-38': SoapAction.CrossGatewayQuery,
  'ITI-39': SoapAction.CrossGatewayRetrieve,
  'RAD-75': SoapAction.CrossGatewayRetrieveImagingDocumentSet,
};

/** Largest answer read, bytes (256 MiB, as the broker reads from one community leg). */
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** Default deadline of one exchange, ms (NIR's per-community deadline in nir-sim's broker: 10 s). */
export const DEFAULT_EXCHANGE_TIMEOUT_MS = 10_000;

/** The security NIR sends with every request unless a request overrides it. */
export interface InitiatorSecurity {
  /** TLS for https: targets: NIR's client certificate and the CAs that sign the supplier's server. */
  tls?: ClientTls;
  /**
   * The wsse:Security header block (serialised XML, ITI TF-2 3.40.4.1) NIR sends for a request
   * about `patientCx` (the resource-id; absent for retrieves) to `audience` (the endpoint URL).
   */
  securityHeader?: (req: { patientCx?: string; audience: string }) => Promise<string>;
}

/** Options of {@link Initiator}. */
export interface InitiatorOptions {
  /** Deadlines and latency run on it (tests pass a virtual clock). */
  clock: DeadlineClock;
  /** Deadline of each exchange, ms; default {@link DEFAULT_EXCHANGE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Response cap, bytes; default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
  security?: InitiatorSecurity;
  /**
   * The wsa:MessageID of each envelope built (WS-Addressing 1.0 Core §3.2); default a random
   * `urn:uuid:`. A run passes ids derived from its seed, so that runs repeat exactly.
   */
  newMessageId?: () => string;
}

/** One request to send. */
export interface SendRequest {
  /** The check it serves, and a short kebab-case label; the record is named `<checkId>-<nn>-<label>`. */
  checkId: string;
  label: string;
  transaction: InitiatedTransaction;
  url: string;
  /** The env:Body content: one serialised element (AdhocQueryRequest, RetrieveDocumentSetRequest, ...). */
  bodyXml: string;
  /** The queried patient as an NHS-number CX, for the assertion's resource-id. */
  patientCx?: string;
  /** TLS for this request only; `null`: the run's CA trust without a client certificate. */
  tls?: ClientTls | null;
  /** The security header for this request only, used as is; `null`: none. */
  securityHeaderXml?: string | null;
  /** Send these bytes instead of building an envelope (e.g. a tampered message). */
  raw?: { body: Buffer; contentType: string };
  /** Deadline of this exchange, ms. */
  timeoutMs?: number;
}

/**
 * What came back. `message` is the parsed SOAP message (a Fault too) when the body was one;
 * otherwise `problem` says why not (no answer, not SOAP 1.2, bad MTOM). Never both absent.
 */
export interface SentExchange {
  record: ExchangeRecord;
  message?: ReadSoapMessage;
  problem?: string;
}

/** Sends requests and keeps their records in order. Call {@link close} when done. */
export class Initiator {
  readonly #records: ExchangeRecord[] = [];
  readonly #agents = new Map<ClientTls | null | undefined, HttpAgent>();
  readonly #counts = new Map<string, number>();

  constructor(private readonly opts: InitiatorOptions) {}

  /** Every exchange so far, in the order they were sent. */
  records(): readonly ExchangeRecord[] {
    return this.#records;
  }

  /** Send one request and read the answer whole. Never throws for what the target does. */
  async send(req: SendRequest): Promise<SentExchange> {
    const name = this.#name(req.checkId, req.label);
    const { body, contentType } = req.raw ?? (await this.#envelope(req));
    const headers = { 'content-type': contentType, 'content-length': String(body.length) };
    const clock = this.opts.clock;
    const started = clock.now();
    const deadline = clock.deadline(req.timeoutMs ?? this.opts.timeoutMs ?? DEFAULT_EXCHANGE_TIMEOUT_MS);
    const base = {
      name,
      checkId: req.checkId,
      transaction: req.transaction,
      url: req.url,
      startedAt: new Date(started).toISOString(),
      request: { method: 'POST', headers, body },
    };
    try {
      const res = await httpExchange(
        {
          method: 'POST',
          url: new URL(req.url),
          headers,
          body: [body],
          signal: deadline.signal,
          agent: this.#agent(req.tls),
        },
        this.opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      );
      const record: ExchangeRecord = {
        ...base,
        durationMs: clock.now() - started,
        response: { status: res.status, headers: headerMap(res.headers), body: res.body },
      };
      this.#records.push(record);
      return { record, ...read(res.body, record.response!.headers['content-type']) };
    } catch (err) {
      const failure = failureOf(err);
      const record: ExchangeRecord = { ...base, durationMs: clock.now() - started, failure };
      this.#records.push(record);
      return { record, problem: `no answer from ${req.url}: ${failure.detail}` };
    } finally {
      deadline.clear();
    }
  }

  /** Close every connection pool. */
  async close(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((a) => a.close()));
    this.#agents.clear();
  }

  #name(checkId: string, label: string): string {
    const n = (this.#counts.get(checkId) ?? 0) + 1;
    this.#counts.set(checkId, n);
    const safe = label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    return `${checkId}-${String(n).padStart(2, '0')}-${safe || 'request'}`;
  }

  async #envelope(req: SendRequest): Promise<{ body: Buffer; contentType: string }> {
    const action = ACTIONS[req.transaction];
    const headersXml =
      req.securityHeaderXml !== undefined
        ? (req.securityHeaderXml ?? undefined)
        : await this.opts.security?.securityHeader?.({
            ...(req.patientCx !== undefined ? { patientCx: req.patientCx } : {}),
            audience: req.url,
          });
    const xml = buildSoapEnvelope({
      action,
      to: req.url,
      bodyXml: req.bodyXml,
      ...(this.opts.newMessageId ? { messageId: this.opts.newMessageId() } : {}),
      ...(headersXml !== undefined ? { headersXml } : {}),
    });
    return { body: Buffer.from(xml, 'utf8'), contentType: soapXmlContentType(action) };
  }

  /** One pool per TLS material: the run's (undefined), none (null) or a request's own. */
  #agent(tls: ClientTls | null | undefined): HttpAgent {
    let agent = this.#agents.get(tls);
    if (!agent) {
      const material = tls === undefined ? this.opts.security?.tls : tls === null ? this.#trustOnly() : tls;
      agent = new HttpAgent(material ? { tls: material } : {});
      this.#agents.set(tls, agent);
    }
    return agent;
  }

  #trustOnly(): ClientTls | undefined {
    const t = this.opts.security?.tls;
    return t ? { caPem: t.caPem, ...(t.crlPem ? { crlPem: t.crlPem } : {}) } : undefined;
  }
}

function read(body: Buffer, contentType: string | undefined): Pick<SentExchange, 'message' | 'problem'> {
  try {
    return { message: readSoapMessage(body, contentType, [], { enforceMustUnderstand: false }) };
  } catch (err) {
    const why = err instanceof SoapFaultError ? err.reason : err instanceof Error ? err.message : String(err);
    return { problem: `the answer is not a SOAP 1.2 message (${why})` };
  }
}

const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|CRL_|HOSTNAME_MISMATCH)/;

function failureOf(err: unknown): NonNullable<ExchangeRecord['failure']> {
  if (err instanceof HttpTransportError) {
    const tls = err.code !== undefined && TLS_CODE.test(err.code);
    return {
      kind: tls ? 'tls' : err.kind,
      ...(err.code !== undefined ? { code: err.code } : {}),
      detail: err.message,
    };
  }
  return { kind: 'reset', detail: err instanceof Error ? err.message : String(err) };
}
