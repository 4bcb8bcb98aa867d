/**
 * Response status derived from content, never trusted from a peer's `@status`
 * (ITI TF-3 4.2.4.2; ihe-xca.md section 5 on inconsistent field data).
 */
import { ErrorSeverity, ResponseStatus } from './constants.js';
import type { RegistryError } from './types.js';

/**
 * Success when no RegistryError has severity Error (Warnings allowed); otherwise PartialSuccess
 * when `somethingUseful` (results returned, or part of the request was answered cleanly);
 * otherwise Failure.
 */
export function deriveStatus(errors: readonly RegistryError[], somethingUseful: boolean): ResponseStatus {
  const failed = errors.some((e) => e.severity === ErrorSeverity.Error);
  if (!failed) return ResponseStatus.Success;
  return somethingUseful ? ResponseStatus.PartialSuccess : ResponseStatus.Failure;
}

/** A RegistryError of severity Error. */
export function registryError(errorCode: string, codeContext: string, location?: string): RegistryError {
  return location === undefined
    ? { errorCode, codeContext, severity: ErrorSeverity.Error }
    : { errorCode, codeContext, severity: ErrorSeverity.Error, location };
}

/** A RegistryError of severity Warning. */
export function registryWarning(errorCode: string, codeContext: string, location?: string): RegistryError {
  return location === undefined
    ? { errorCode, codeContext, severity: ErrorSeverity.Warning }
    : { errorCode, codeContext, severity: ErrorSeverity.Warning, location };
}
