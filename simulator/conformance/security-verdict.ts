/**
 * Reading what a supplier's gateway did with one request of a security check: refused it (and
 * how: a TLS alert, the connection closed before any answer, an HTTP 4xx, a SOAP Fault), answered
 * it, or could not be reached, or presented a server certificate NIR cannot verify (then the check
 * cannot tell anything about the gateway's own verification).
 */
import { parseSoapFault, type ParsedSoapFault } from '../soap/fault.js';
import { isFaultEnvelope } from '../soap/envelope.js';
import { WSSE_NS } from '../soap/namespaces.js';
import type { SentExchange } from './initiator.js';

/**
 * Codes with which NIR's own side (the TLS client) rejects the gateway's server certificate
 * (OpenSSL X509_V_ERR_* names as Node reports them, RFC 5280 §6.1; RFC 6125 host names): the
 * gateway refused nothing then.
 */
const SERVER_CERT_CODE =
  /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|CRL_|HOSTNAME_MISMATCH|ERR_TLS_CERT_ALTNAME_INVALID|INVALID_CA|PATH_LENGTH_EXCEEDED)/;

/** How a request of a security check ended. */
export type SecurityVerdict =
  /** The gateway refused before returning any data; `how` says what was seen. */
  | { kind: 'refused'; how: string; fault?: ParsedSoapFault; status?: number }
  /** The gateway answered (2xx, not a SOAP Fault): it accepted the request. */
  | { kind: 'accepted'; status: number; what: string }
  /** NIR could not verify the gateway's certificate (`code`): nothing was sent. */
  | { kind: 'server-cert'; code: string; detail: string }
  /** No verdict on security: unreachable, timed out, or an answer that is neither (5xx, not SOAP). */
  | { kind: 'inconclusive'; why: string };

/** The verdict on `sent`. */
export function securityVerdict(sent: SentExchange): SecurityVerdict {
  const { record } = sent;
  const f = record.failure;
  if (f) {
    const code = f.code ?? '';
    if (SERVER_CERT_CODE.test(code)) return { kind: 'server-cert', code, detail: f.detail };
    if (f.kind === 'tls') return { kind: 'refused', how: `the TLS handshake failed (${code || f.detail})` };
    if (f.kind === 'reset')
      return {
        kind: 'refused',
        how: `the gateway closed the connection before any HTTP answer (${code || f.detail})`,
      };
    return { kind: 'inconclusive', why: `no answer (${f.kind}: ${f.detail})` };
  }
  const status = record.response!.status;
  const env = sent.message?.envelope;
  if (env && isFaultEnvelope(env)) {
    const fault = parseSoapFault(env.body!);
    return {
      kind: 'refused',
      how: `HTTP ${status} with a SOAP Fault (${describeFault(fault)})`,
      fault,
      status,
    };
  }
  if (status >= 400 && status < 500) return { kind: 'refused', how: `HTTP ${status}`, status };
  if (status >= 200 && status < 300)
    return {
      kind: 'accepted',
      status,
      what: `HTTP ${status} ${env?.body ? `with ${env.body.localName}` : `(${sent.problem ?? 'no SOAP body'})`}`,
    };
  return { kind: 'inconclusive', why: `HTTP ${status} without a SOAP Fault` };
}

/**
 * `env:Sender / wsse:FailedAuthentication: "<reason>"`: the fault's code, subcode (with the prefix
 * `wsse` for the WS-Security namespace whatever prefix the gateway used, else as sent) and reason.
 */
export function describeFault(f: ParsedSoapFault): string {
  const q = f.subcodeQName;
  const sub = q?.ns === WSSE_NS ? ` / wsse:${q.local}` : f.subcode ? ` / ${f.subcode}` : '';
  return `env:${f.code}${sub}${f.reason ? `: "${f.reason}"` : ''}`;
}

/**
 * The WS-Security fault codes (OASIS WSS SOAP Message Security 1.1 §12, Tables 1 and 2): the
 * subcodes with which a receiver refuses a wsse:Security header or its token.
 */
export const WSS_FAULT_CODES: ReadonlySet<string> = new Set([
  'UnsupportedSecurityToken',
  'UnsupportedAlgorithm',
  'InvalidSecurity',
  'InvalidSecurityToken',
  'FailedAuthentication',
  'FailedCheck',
  'SecurityTokenUnavailable',
  'MessageExpired',
]);

/** True when `f` is a WS-Security refusal: env:Sender with a wsse: subcode of {@link WSS_FAULT_CODES}. */
export function isWssFault(f: ParsedSoapFault): boolean {
  return f.code === 'Sender' && f.subcodeQName?.ns === WSSE_NS && WSS_FAULT_CODES.has(f.subcodeQName.local);
}

/** What a skipped check says when NIR cannot verify the gateway's own certificate. */
export function serverCertSkip(v: { code: string }): string {
  return `not shown: NIR's side could not verify the gateway's server certificate (${v.code}), so no request reached it; SEC-TLS-SERVER-CERT says why`;
}
