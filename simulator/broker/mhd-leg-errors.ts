/**
 * How a leg to an MHD community (ITI-67 / ITI-68 over FHIR R4 REST, IHE MHD 4.2.x) fails, and the
 * classification of whatever it threw into the LegFailure the federation core consolidates
 * (the same kinds as an XCA leg, community-client.ts classifyLegError):
 * - transport (transport/http-client.ts HttpTransportError): `refused` (a certificate problem
 *   named as on an XCA leg, leg-certificate.ts), `timeout`, `reset`, `too-large`;
 * - {@link MhdLegError}: the leg decided the answer is unusable (`http-status`, `malformed`,
 *   `invalid-response`);
 * - fhir/bundle.ts FhirReadError (a Bundle over its nesting or entry bounds, or not valid against
 *   the FHIR R4 schema): `invalid-response` with every issue (the byte bound is the read's own,
 *   `too-large`, before any parse);
 * - anything else: `invalid-response` with its message.
 * A fired deadline (`timedOut`) wins over the error's own kind.
 */
import { FhirReadError } from '../fhir/bundle.js';
import { soapCallError } from '../soap/client.js';
import { HttpTransportError } from '../transport/http-client.js';
import { classifyLegError } from './community-client.js';
import type { LegFailure } from './leg.js';

/** A leg whose answer the broker cannot use; `failure` is what the core reports. */
export class MhdLegError extends Error {
  override readonly name = 'MhdLegError';
  /** The status of the community's answer, when one arrived (the transaction log shows it). */
  readonly httpStatus?: number;
  constructor(
    readonly failure: Exclude<LegFailure, { reason: 'timeout' | 'soap-fault' }>,
    httpStatus?: number,
  ) {
    super(failure.detail);
    if (httpStatus !== undefined) this.httpStatus = httpStatus;
  }
}

/** Map whatever an MHD leg threw to a LegFailure; `timedOut` wins over the error's own kind. */
export function classifyMhdLegError(error: unknown, timedOut: boolean, deadlineMs: number): LegFailure {
  if (timedOut) return { reason: 'timeout', deadlineMs };
  if (error instanceof MhdLegError) return error.failure;
  // The SOAP leg's classification of the same transport kinds, certificate problems included.
  if (error instanceof HttpTransportError) return classifyLegError(soapCallError(error), false, deadlineMs);
  if (error instanceof FhirReadError)
    return { reason: 'invalid-response', detail: `the searchset Bundle is not usable: ${error.message}` };
  return { reason: 'invalid-response', detail: error instanceof Error ? error.message : String(error) };
}
