/**
 * One GET of a leg to an MHD community (IHE MHD 4.2.x over FHIR R4 REST: ITI-67 search, ITI-68
 * document), through the one HTTP client (transport/http-client.ts): the LegTransport's keep-alive
 * pool for the URL's scheme (`httpsAgent` for https:, mutual TLS with the broker's client
 * certificate when security is on), the leg's AbortSignal as deadline, the body read within
 * `maxResponseBytes`, and the broker's bearer token when the transport carries one (IHE IUA,
 * RFC 6750 section 2.1).
 */
import { httpRequest, readBody } from '../transport/http-client.js';
import type { LegTransport } from './community-client.js';

/** FHIR R4 JSON (FHIR R4 "http" 3.1.0.1.10, the MIME type of the JSON format). */
export const FHIR_JSON = 'application/fhir+json';

/**
 * The leg transport of an MHD leg: its `bearerToken` is the broker-minted IUA access token
 * (IHE ITI TF-2 3.71.4.2.2), as `securityHeader` carries the forwarded XUA assertion to XCA
 * communities.
 */
export type MhdLegTransport = LegTransport;

/** An answer read whole. */
export interface FhirGetAnswer {
  /** `GET <url>`, for the transaction log. */
  requestLine: string;
  status: number;
  /** The media type of the answer, parameters dropped, lower case; undefined when absent. */
  contentType: string | undefined;
  body: Buffer;
}

/**
 * GET `url` with `Accept: accept` and read the answer (any status) within `t.maxResponseBytes`.
 * @throws HttpTransportError `refused`, `timeout`, `reset` or `too-large` (mhd-leg-errors.ts
 *   classifies it); the bearer token's own rejection, as it is.
 */
export async function fhirGet(
  url: URL,
  accept: string,
  signal: AbortSignal,
  t: MhdLegTransport,
): Promise<FhirGetAnswer> {
  const agent = url.protocol === 'https:' ? t.httpsAgent : t.agent;
  const token = t.bearerToken ? await t.bearerToken(url) : undefined;
  const a = await httpRequest({
    method: 'GET',
    url,
    headers: { accept, ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
    signal,
    ...(agent ? { agent } : {}),
  });
  const body = await readBody(a, t.maxResponseBytes, { signal });
  const ct = a.headers['content-type'];
  const contentType = (Array.isArray(ct) ? ct[0] : ct)?.split(';')[0]?.trim().toLowerCase();
  return { requestLine: `GET ${url.href}`, status: a.status, contentType: contentType || undefined, body };
}
