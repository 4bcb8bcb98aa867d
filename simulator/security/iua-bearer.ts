/**
 * Reading the access token of a request (IHE ITI TF-2 3.72.6, Incorporate Access Token [ITI-72]:
 * "a HTTP Authorization header of the type Bearer"; RFC 6750 §2.1): exactly one Authorization
 * header, scheme `Bearer` (case-insensitive, RFC 9110 §11.1), one b64token. The form-body and
 * query-parameter methods (RFC 6750 §2.2, §2.3) are not accepted: IUA names the header only.
 */
import { IuaError } from './iua-error.js';

/** RFC 6750 §2.1 b64token: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The bearer token in `authorization` (the request's Authorization header values as node:http
 * gives them: one string, several, or none), before any other check but its length.
 * @param maxBytes the largest token accepted (IuaPolicy.maxTokenBytes): a longer one is refused
 *   before it is read further.
 * @throws IuaError `no-token` (no header, or another scheme: RFC 6750 §3.1 then answers a bare
 *   challenge), `invalid-request` (several Authorization headers, or a Bearer value that is not one
 *   b64token), `oversize`.
 */
export function bearerTokenOf(
  authorization: string | readonly string[] | undefined,
  maxBytes: number,
): string {
  const values =
    authorization === undefined ? [] : typeof authorization === 'string' ? [authorization] : authorization;
  if (values.length === 0) throw new IuaError('no-token', 'the request has no Authorization header');
  if (values.length > 1)
    throw new IuaError('invalid-request', `the request has ${values.length} Authorization headers`);
  const value = values[0]!.trim();
  const space = value.indexOf(' ');
  const scheme = space < 0 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer')
    throw new IuaError('no-token', `the Authorization scheme is '${scheme.slice(0, 32)}', not Bearer`);
  const token = space < 0 ? '' : value.slice(space + 1).trim();
  if (Buffer.byteLength(token) > maxBytes)
    throw new IuaError(
      'oversize',
      `the bearer token is ${Buffer.byteLength(token)} bytes; at most ${maxBytes} are accepted`,
    );
  if (!B64TOKEN.test(token))
    throw new IuaError('invalid-request', 'the Bearer credentials are not one b64token (RFC 6750 §2.1)');
  return token;
}
