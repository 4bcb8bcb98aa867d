/**
 * A client of a running simulator's control API (used by `sim fault ...` and `sim status`). Every
 * failure is a SimError: an API that does not answer is SIM_ERR_NOT_RUNNING; a 400 lists every
 * problem the API found, one per line after a first line (SIM_ERR_BAD_ARGUMENT, exit 64). Calls go
 * through the one HTTP client (transport/http-client.ts); answers are read within MAX_ANSWER_BYTES.
 */
import type { FaultSpec } from '../faults/fault-spec.js';
import type { FaultStatus } from '../faults/fault-store.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import {
  HttpTransportError,
  httpExchange,
  jsonBody,
  parseJsonBody,
  type HttpRequest,
  type HttpResponse,
} from '../transport/http-client.js';
import type { BrokerSettingsValue } from './broker-settings.js';
import { BROKER_SETTINGS_PATH } from './broker-settings-path.js';
import type { TopologyResponse } from './control-api.js';
import type { ControlError } from './json-http.js';
import type { BrokerTransaction, TransactionEvent } from '../events/transaction-events.js';
import type { TransactionSummary } from './transaction-log.js';

/** How long one control API call may take, ms. */
const TIMEOUT_MS = 10_000;

/**
 * Largest answer read from the control API, bytes (16 MiB): its largest answer, the transaction
 * log's summaries (at most 500 by default) or the fault list, is well below that.
 */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** Typed calls to one control API. */
export class ControlClient {
  /** @param baseUrl `http://host:port` of the control API. */
  constructor(readonly baseUrl: string) {}

  /** `GET /faults`. */
  async listFaults(): Promise<FaultStatus[]> {
    return (await this.json<{ faults: FaultStatus[] }>('GET', '/faults')).faults;
  }

  /**
   * `POST /faults` with one fault, an array, or `{ faults: [...] }`; all are added or none.
   * @throws SimError SIM_ERR_BAD_ARGUMENT listing every problem when the API refuses them.
   */
  async addFaults(body: unknown): Promise<FaultSpec[]> {
    return (await this.json<{ faults: FaultSpec[] }>('POST', '/faults', body)).faults;
  }

  /** `DELETE /faults/:name`; false when there was no such fault. */
  async removeFault(name: string): Promise<boolean> {
    const res = await this.call('DELETE', `/faults/${encodeURIComponent(name)}`);
    if (res.status === 404) return false;
    this.expectOk(res);
    return true;
  }

  /** `POST /reset`: remove every fault. */
  async reset(): Promise<void> {
    this.expectOk(await this.call('POST', '/reset'));
  }

  /** `GET /topology`. */
  async topology(): Promise<TopologyResponse> {
    return this.json<TopologyResponse>('GET', '/topology');
  }

  /**
   * `GET /broker/settings`: the broker's deadline (ms) and consumer profiles; undefined when the
   * API has no such route (a simulator of an older version).
   */
  async brokerSettings(): Promise<BrokerSettingsValue | undefined> {
    const res = await this.call('GET', BROKER_SETTINGS_PATH);
    if (res.status === 404) return undefined;
    this.expectOk(res);
    return parseJsonBody(res) as BrokerSettingsValue;
  }

  /**
   * `PUT /broker/settings` (every setting) or, with `partial`, `PATCH` (the fields given).
   * Communities of a profile by name or homeCommunityId.
   * @returns the settings now in force.
   * @throws SimError SIM_ERR_BAD_ARGUMENT listing every problem when the API refuses them.
   */
  async setBrokerSettings(body: unknown, partial = false): Promise<BrokerSettingsValue> {
    return this.json<BrokerSettingsValue>(partial ? 'PATCH' : 'PUT', BROKER_SETTINGS_PATH, body);
  }

  /** `GET /transactions?limit=N`, newest first. */
  async transactions(limit?: number): Promise<TransactionSummary[]> {
    return (await this.transactionLog({ ...(limit !== undefined ? { limit } : {}) })).transactions;
  }

  /**
   * `GET /transactions?limit=N&transaction=T`: the newest N transactions (of T), newest first, and
   * how many the log holds per transaction (`counts`; absent from a simulator of an older version).
   * @throws SimError SIM_ERR_BAD_ARGUMENT listing every problem when the API refuses the query.
   */
  async transactionLog(q: { limit?: number; transaction?: BrokerTransaction }): Promise<{
    transactions: TransactionSummary[];
    counts?: Partial<Record<BrokerTransaction, number>>;
  }> {
    const params = new URLSearchParams();
    if (q.limit !== undefined) params.set('limit', String(q.limit));
    if (q.transaction !== undefined) params.set('transaction', q.transaction);
    const query = params.size > 0 ? `?${params.toString()}` : '';
    return this.json('GET', `/transactions${query}`);
  }

  /**
   * `GET /transactions/:id`: one transaction with its bodies.
   * @throws SimError SIM_ERR_BAD_ARGUMENT when the log has no such transaction (any more).
   */
  async transaction(id: string): Promise<TransactionEvent> {
    return this.json<TransactionEvent>('GET', `/transactions/${encodeURIComponent(id)}`);
  }

  private async json<T>(method: HttpRequest['method'], path: string, body?: unknown): Promise<T> {
    const res = await this.call(method, path, body);
    this.expectOk(res);
    return parseJsonBody(res) as T;
  }

  /**
   * @throws SimError SIM_ERR_NOT_RUNNING when the API does not answer (refused, timed out, reset);
   *   SIM_ERR_INTERNAL when its answer exceeds MAX_ANSWER_BYTES.
   */
  private async call(method: HttpRequest['method'], path: string, body?: unknown): Promise<HttpResponse> {
    try {
      return await httpExchange(
        {
          method,
          url: new URL(this.baseUrl + path),
          signal: AbortSignal.timeout(TIMEOUT_MS),
          ...(body !== undefined ? jsonBody(body) : {}),
        },
        MAX_ANSWER_BYTES,
      );
    } catch (err) {
      if (err instanceof HttpTransportError && err.kind === 'too-large')
        throw new SimError(
          SimErrorCode.Internal,
          `the control API at ${this.baseUrl} answered ${method} ${path} with more than ${MAX_ANSWER_BYTES} bytes`,
          { cause: err },
        );
      const cause =
        err instanceof HttpTransportError && err.kind === 'timeout'
          ? `no answer within ${TIMEOUT_MS} ms`
          : err instanceof Error
            ? err.message
            : String(err);
      throw new SimError(
        SimErrorCode.NotRunning,
        `the control API at ${this.baseUrl} did not answer (${cause}): is nir-sim running? (npm run sim status)`,
        { cause: err },
      );
    }
  }

  private expectOk(res: HttpResponse): void {
    if (res.status >= 200 && res.status < 300) return;
    let body: ControlError | undefined;
    try {
      body = parseJsonBody(res) as ControlError;
    } catch {
      body = undefined;
    }
    const what = body?.error ?? `HTTP ${res.status}`;
    const problems = body?.problems ?? [];
    if (res.status === 400) {
      throw new SimError(
        SimErrorCode.BadArgument,
        [`the control API refused the request (${what}):`, ...problems.map((p) => `  ${p}`)].join('\n'),
      );
    }
    if (res.status === 404) throw new SimError(SimErrorCode.BadArgument, what);
    throw new SimError(SimErrorCode.Internal, `the control API answered HTTP ${res.status}: ${what}`);
  }
}
