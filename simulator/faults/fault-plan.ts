/**
 * From the faults chosen for one request to what the gateway does: a delay, then either an answer
 * replaced outright (a SOAP Fault or a transport directive) or the normal answer with its content
 * changed, delivered normally or not (docs/architecture.md "Fault model": message and transport
 * points).
 */
import type { TransportDirective } from '../soap/transport-directive.js';
import type { AppliedFault } from './fault-store.js';
import { HTTP_STATUS_DEFAULT_BODY, HTTP_STATUS_DEFAULT_CONTENT_TYPE, type FaultSpec } from './fault-spec.js';

/**
 * What the community speaks (events/transaction-events.ts WireProtocol): `xca` (SOAP 1.2) or
 * `mhd` (FHIR R4 JSON). It picks the bodies a fault sends in place of the answer.
 */
export type FaultProtocol = 'xca' | 'mhd';

/** Faults that change the typed response. */
export type ContentFault = Extract<
  FaultSpec,
  {
    kind:
      | 'registry-error'
      | 'unknown-patient'
      | 'drop-documents'
      | 'missing-home'
      | 'wrong-home'
      | 'status-mismatch'
      | 'drop-slot'
      | 'wrong-slot'
      | 'registry-error-location'
      | 'corrupt-document'
      | 'swap-documents'
      | 'not-part10'
      | 'rewrite-error';
  }
>;

/** What to do for one request. */
export interface FaultPlan {
  /** Wait this long before answering, ms (latency faults, jitter drawn). */
  delayMs: number;
  /** Answer with this SOAP Fault instead. */
  soapFault?: { code: 'Sender' | 'Receiver'; reason: string };
  /** Replace or alter the delivery (timeout, reset, slow body, raw bytes, truncation). */
  delivery?: TransportDirective;
  /**
   * Put the response body's namespace wrong (malformed-xml `wrong-namespace`, malformed-json
   * `wrong-resource-type`); on an MHD community, the answer's resourceType.
   */
  wrongNamespace: boolean;
  /** Give each MTOM part a Content-ID its xop:Include does not name (`mtom-wrong-content-id`). */
  wrongContentId?: true;
  /** Content changes, in the order the faults were added. */
  content: ContentFault[];
  /** Provisioning faults seen (they act on certificates, not on requests). */
  provisioning: FaultSpec[];
  /** Names of the faults that applied, for logs and the transaction log. */
  applied: string[];
}

/** A body that is not well-formed XML (mismatched end tags), for malformed-xml `not-well-formed`. */
const NOT_WELL_FORMED = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><broken></env:Body></env:Envelope>',
);

/** A body that is not JSON (an unclosed array), for malformed-* `not-well-formed` on an MHD community. */
const NOT_JSON = Buffer.from('{"resourceType":"Bundle","type":"searchset","entry":[}');

/** Content-Type of each protocol's answers. */
const CONTENT_TYPE: Record<FaultProtocol, string> = {
  xca: 'application/soap+xml; charset=UTF-8',
  mhd: 'application/fhir+json; charset=utf-8',
};

/**
 * An OperationOutcome (FHIR R4) of one error issue, as JSON: an MHD community's body for an
 * `http-status` fault with the default body, and for a `soap-fault` (issue code by status).
 */
export function operationOutcomeJson(code: string, diagnostics: string): Buffer {
  return Buffer.from(
    JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] }),
  );
}

/** The IssueType (FHIR R4) an HTTP error status stands for. */
function issueCodeOf(status: number): string {
  if (status === 503 || status === 429) return status === 429 ? 'throttled' : 'transient';
  if (status === 504 || status === 408) return 'timeout';
  if (status === 404) return 'not-found';
  if (status === 401 || status === 403) return 'security';
  if (status >= 500) return 'exception';
  return status >= 400 ? 'processing' : 'informational';
}

/** The `replace` directive of an `http-status` fault: its own body, or on MHD an OperationOutcome for the default one. */
function httpStatusBody(
  f: Extract<FaultSpec, { kind: 'http-status' }>,
  protocol: FaultProtocol,
): TransportDirective {
  if (
    protocol === 'mhd' &&
    f.body === HTTP_STATUS_DEFAULT_BODY &&
    f.contentType === HTTP_STATUS_DEFAULT_CONTENT_TYPE
  )
    return {
      kind: 'replace',
      status: f.status,
      contentType: CONTENT_TYPE.mhd,
      body: operationOutcomeJson(issueCodeOf(f.status), `simulated HTTP ${f.status}`),
    };
  return { kind: 'replace', status: f.status, contentType: f.contentType, body: Buffer.from(f.body) };
}

/**
 * Fold the applied faults, in order, into a plan. The first fault that replaces the answer (SOAP
 * Fault, timeout, reset, refuse, HTTP status, empty or malformed body) wins over later ones;
 * latencies add up; content faults all apply. `protocol` picks the replacement bodies: SOAP /
 * XML for `xca`, FHIR JSON for `mhd` (docs/faults.md "MHD communities").
 */
export function planFaults(applied: readonly AppliedFault[], protocol: FaultProtocol = 'xca'): FaultPlan {
  const plan: FaultPlan = { delayMs: 0, wrongNamespace: false, content: [], provisioning: [], applied: [] };
  for (const { fault: f, draw } of applied) {
    plan.applied.push(f.name);
    const replaced = plan.soapFault !== undefined || plan.delivery !== undefined;
    switch (f.kind) {
      case 'latency':
        plan.delayMs += Math.max(0, Math.round(f.latencyMs + (2 * draw - 1) * f.jitterMs));
        break;
      case 'soap-fault':
        if (!replaced) plan.soapFault = { code: f.code, reason: f.reason };
        break;
      case 'http-status':
        if (!replaced) plan.delivery = httpStatusBody(f, protocol);
        break;
      case 'timeout':
        if (!replaced) plan.delivery = { kind: 'no-response' };
        break;
      case 'connection-reset':
        if (!replaced) plan.delivery = { kind: 'reset', afterBytes: f.afterBytes };
        break;
      case 'refuse':
        // A conditional refuse acts per request: the connection is reset before any byte.
        if (!replaced) plan.delivery = { kind: 'reset', afterBytes: 0 };
        break;
      case 'slow-body':
        if (!replaced) plan.delivery = { kind: 'throttle', bytesPerSecond: f.bytesPerSecond };
        break;
      case 'empty-body':
        if (!replaced)
          plan.delivery = {
            kind: 'replace',
            status: f.status,
            contentType: CONTENT_TYPE[protocol],
            body: Buffer.alloc(0),
          };
        break;
      case 'malformed-xml':
      case 'malformed-json':
        // The variants of either kind in the community's own format (docs/faults.md).
        if (f.variant === 'wrong-namespace' || f.variant === 'wrong-resource-type')
          plan.wrongNamespace = true;
        else if (!replaced) {
          plan.delivery =
            f.variant === 'truncated'
              ? { kind: 'truncate', fraction: 0.5 }
              : {
                  kind: 'replace',
                  status: 200,
                  contentType: CONTENT_TYPE[protocol],
                  body: protocol === 'mhd' ? NOT_JSON : NOT_WELL_FORMED,
                };
        }
        break;
      case 'registry-error':
      case 'unknown-patient':
      case 'drop-documents':
      case 'missing-home':
      case 'wrong-home':
      case 'status-mismatch':
      case 'drop-slot':
      case 'wrong-slot':
      case 'registry-error-location':
        plan.content.push(f);
        break;
      case 'cert-expired':
      case 'cert-revoked':
      case 'cert-untrusted':
        plan.provisioning.push(f);
        break;
      case 'pars-down':
      case 'pars-slow':
        break; // faults of the simulated PARS (docs/audit.md), applied there, never on a gateway
      case 'corrupt-document':
      case 'swap-documents':
      case 'not-part10':
      case 'rewrite-error':
        plan.content.push(f);
        break;
      case 'mtom-wrong-content-id':
        plan.wrongContentId = true;
        break;
    }
  }
  return plan;
}

/** The certificate a simulated gateway presents: its good one, or the one a provisioning fault names. */
export type ProvisionedCertificate = 'good' | 'expired' | 'revoked' | 'untrusted';

/**
 * The certificate `gateway` presents under the provisioning faults in `faults`
 * (docs/architecture.md "Fault model": the provisioning point): `cert-expired`, `cert-revoked` or
 * `cert-untrusted` aimed at it (the first added wins), else `good`. They hold while present,
 * whatever their request filters.
 */
export function provisionedCertificate(
  faults: readonly FaultSpec[],
  gateway: string,
): ProvisionedCertificate {
  for (const f of faults) {
    if (f.gateway !== gateway) continue;
    if (f.kind === 'cert-expired') return 'expired';
    if (f.kind === 'cert-revoked') return 'revoked';
    if (f.kind === 'cert-untrusted') return 'untrusted';
  }
  return 'good';
}
