/** Building consumer-mode verdicts the same way in every check (consumer-check.ts). */
import type { ConsumerVerdict } from './consumer-check.js';
import type { ConsumerRequest } from './consumer-request.js';
import type { CheckOutcome } from './check.js';

/** A verdict of check `id`. */
export function verdict(id: string, outcome: CheckOutcome, message: string): ConsumerVerdict {
  return { id, outcome, message };
}

/**
 * WS-Security fault subcodes (OASIS WSS SOAP Message Security 1.1 §12, Tables 1 and 2), by local
 * name: the broker's XUA refusals carry one of them.
 */
const WSS_SUBCODES: ReadonlySet<string> = new Set([
  'UnsupportedSecurityToken',
  'UnsupportedAlgorithm',
  'InvalidSecurity',
  'InvalidSecurityToken',
  'FailedAuthentication',
  'FailedCheck',
  'SecurityTokenUnavailable',
  'MessageExpired',
]);

/** The local name of a subcode written `prefix:local`. */
const localName = (qname: string): string => qname.slice(qname.indexOf(':') + 1);

/** True when the request was refused with a WS-Security fault (a XUA refusal). */
export function refusedBySecurity(r: ConsumerRequest): boolean {
  const s = r.refusal?.subcode;
  return s !== undefined && WSS_SUBCODES.has(localName(s));
}

/** A subcode as the report shows it: WS-Security ones as `wsse:<local>` whatever prefix the fault used. */
const subcodeText = (s: string): string => (WSS_SUBCODES.has(localName(s)) ? `wsse:${localName(s)}` : s);

/** `, refused by the broker: Sender wsse:InvalidSecurity "..."` for a refused request, else ''. */
export function refusalNote(r: ConsumerRequest): string {
  const f = r.refusal;
  if (!f) return '';
  const what = [f.code, f.subcode === undefined ? undefined : subcodeText(f.subcode)]
    .filter((s) => s !== undefined)
    .join(' ');
  return ` (the broker refused the request: HTTP ${f.httpStatus}${what ? ` ${what}` : ''}${
    f.reason !== undefined ? ` "${f.reason}"` : ''
  })`;
}

/**
 * The verdict of a check that reads the SOAP envelope when it has none to read: skipped for a
 * request that was not SOAP (ITI-67, ITI-68, WADO-RS) or whose envelope could not be read (that is
 * CON-SOAP-MESSAGE's failure); undefined when the envelope is there.
 */
export function withoutEnvelope(id: string, r: ConsumerRequest): ConsumerVerdict | undefined {
  if (r.protocol !== 'xca')
    return verdict(
      id,
      'skipped',
      `${r.transaction} is FHIR REST; consumer checks read SOAP requests (ITI-38, ITI-39, RAD-75)`,
    );
  if (!r.envelope)
    return verdict(
      id,
      'skipped',
      `no request envelope to read: ${r.envelopeProblem ?? 'not recorded'} (see CON-SOAP-MESSAGE)`,
    );
  return undefined;
}
