/**
 * One HTTP exchange the kit made (provider mode) or observed (consumer mode), kept whole for the
 * evidence bundle: the request and response bytes as they were on the wire, named after the check
 * that produced them.
 */
import type { HttpTransportErrorKind } from '../transport/http-client.js';

/** The transactions the kit sends or observes (IHE ITI TF-2 3.38, 3.39; RAD TF-2 4.75; MHD ITI-67/68). */
export type ExchangeTransaction = 'ITI-38' | 'ITI-39' | 'RAD-75' | 'ITI-67' | 'ITI-68';

/** Headers as sent or received, lower-case names; repeated headers joined with ", ". */
export type HeaderMap = Record<string, string>;

/**
 * An exchange.
 * - `name`: unique within a run and file-name safe: `<checkId>-<nn>-<label>` (e.g.
 *   `ITI38-HOME-01-find-documents`); the bundle writes `<name>.request.*` and `<name>.response.*`.
 * - `startedAt`: ISO 8601 on the run's clock; `durationMs`: from the first byte sent to the last
 *   byte read, ms (the NFT-01 measure).
 * - `response`: absent when no HTTP answer came; then `failure` says why (`tls` for a handshake
 *   refused, with the OpenSSL/Node code, e.g. `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`).
 */
export interface ExchangeRecord {
  name: string;
  checkId: string;
  transaction: ExchangeTransaction;
  url: string;
  startedAt: string;
  durationMs: number;
  request: { method: string; headers: HeaderMap; body: Buffer };
  response?: { status: number; headers: HeaderMap; body: Buffer };
  failure?: { kind: HttpTransportErrorKind | 'tls'; code?: string; detail: string };
}

/** `raw` headers as a {@link HeaderMap}. */
export function headerMap(raw: Record<string, string | string[] | undefined>): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
