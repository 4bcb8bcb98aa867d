/**
 * AuditEvent.outcome and outcomeDesc from what the broker answered (FHIR R4 AuditEventOutcome,
 * DICOM PS3.15 A.5.1 EventOutcomeIndicator):
 * - Success (Warnings allowed) -> 0;
 * - PartialSuccess -> 4 (minor failure: the action completed in part);
 * - Failure after every community leg failed -> 12 (major failure: the action was unavailable);
 * - any other Failure (NIR refused the request: invalid NHS number, bad parameters, unknown
 *   community) -> 8 (serious failure: the action was terminated);
 * - SOAP Fault: env:Receiver (NIR's own failure) -> 12; any other code (the request could not be
 *   processed) -> 8.
 * - A refused FHIR request (ITI-67, ITI-68, WADO-RS answered with an HTTP error and an
 *   OperationOutcome, FHIR R4 3.1.0.4 / http.html): a 5xx (NIR's own failure) -> 12; a 4xx (401
 *   no valid access token, 400 bad parameters, 406, ...) -> 8.
 */
import { ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';
import type { FaultEvent, TransactionEvent } from '../events/transaction-events.js';
import { AuditEventOutcome } from './codes.js';

/** An outcome code with its human text. */
export interface Outcome {
  outcome: AuditEventOutcome;
  /** e.g. `PartialSuccess: XDSUnavailableCommunity at urn:oid:1.2.3`. */
  description: string;
}

const STATUS_NAME: Record<string, string> = {
  [ResponseStatus.Success]: 'Success',
  [ResponseStatus.PartialSuccess]: 'PartialSuccess',
  [ResponseStatus.Failure]: 'Failure',
};

/** The outcome of an answered transaction, from its consolidated status, errors and legs. */
export function transactionOutcome(tx: Pick<TransactionEvent, 'status' | 'errors' | 'legs'>): Outcome {
  const name = STATUS_NAME[tx.status] ?? tx.status;
  const description = tx.errors.length === 0 ? name : `${name}: ${tx.errors.map(errorText).join('; ')}`;
  switch (tx.status) {
    case ResponseStatus.Success:
      return { outcome: AuditEventOutcome.Success, description };
    case ResponseStatus.PartialSuccess:
      return { outcome: AuditEventOutcome.MinorFailure, description };
    default: {
      const unavailable = tx.legs.length > 0 && tx.legs.every((l) => l.outcome === 'failed');
      return {
        outcome: unavailable ? AuditEventOutcome.MajorFailure : AuditEventOutcome.SeriousFailure,
        description,
      };
    }
  }
}

/** The outcome of a request answered with a SOAP Fault. */
export function faultOutcome(f: Pick<FaultEvent, 'code' | 'subcode' | 'reason' | 'httpStatus'>): Outcome {
  const code = f.code ?? (f.httpStatus >= 500 ? 'Receiver' : 'Sender');
  const sub = f.subcode !== undefined ? ` (${f.subcode})` : '';
  const reason = f.reason !== undefined ? `: ${f.reason}` : '';
  return {
    outcome: code === 'Receiver' ? AuditEventOutcome.MajorFailure : AuditEventOutcome.SeriousFailure,
    description: `SOAP Fault env:${code}${sub}${reason} (HTTP ${f.httpStatus})`,
  };
}

/**
 * The outcome of a FHIR request refused with an HTTP error (FaultEvent of ITI-67, ITI-68, WADO-RS:
 * `code` the OperationOutcome issue code, `reason` its diagnostics), e.g.
 * `HTTP 401 OperationOutcome issue login: the access token has expired`.
 */
export function refusalOutcome(f: Pick<FaultEvent, 'code' | 'reason' | 'httpStatus'>): Outcome {
  const issue = f.code !== undefined ? ` OperationOutcome issue ${f.code}` : '';
  const reason = f.reason !== undefined ? `: ${f.reason}` : '';
  return {
    outcome: f.httpStatus >= 500 ? AuditEventOutcome.MajorFailure : AuditEventOutcome.SeriousFailure,
    description: `HTTP ${f.httpStatus}${issue}${reason}`,
  };
}

function errorText(e: RegistryError): string {
  const warning = e.severity === ErrorSeverity.Warning ? ' (Warning)' : '';
  return `${e.errorCode}${warning}${e.location !== undefined ? ` at ${e.location}` : ''}`;
}
