/**
 * What an MHD community's ITI-67 answer means to the broker (IHE MHD 4.2.x ITI TF-2 3.67.4.2;
 * FHIR R4 "http" 3.1.0.4 and "Search" 3.1.1.5.1), per HTTP status class (docs/mhd.md
 * "MHD communities"):
 * - 2xx: a searchset Bundle, read bounded and validated (fhir/bundle.ts readSearchsetBundle).
 *   A body that is not JSON (or not UTF-8, or cut short) is `malformed`; valid JSON that is not a
 *   valid searchset Bundle is `invalid-response`, except a valid OperationOutcome holding an
 *   `error` or `fatal` issue: the success status is not trusted and the outcome's issues are the
 *   answer, as RegistryErrors (the FHIR form of an XCA `status="Success"` with an Error entry,
 *   ITI TF-3 4.2.4.2, whose Error the broker forwards too).
 * - 4xx with an OperationOutcome body: the community refused the search and said why (unknown
 *   patient, a parameter it does not serve): an answer whose issues are RegistryErrors located at
 *   the community (mhd/registry-errors.ts), as an XCA community's RegistryErrorList would be.
 * - 5xx (with or without an OperationOutcome), any other status, 4xx without an OperationOutcome:
 *   the community could not answer: an `http-status` failure whose detail carries the outcome's
 *   diagnostics, which the core reports as XDSUnavailableCommunity like an XCA leg's HTTP 500.
 */
import type { OperationOutcome } from 'fhir/r4.js';
import { FhirReadError, readSearchsetBundle, type ReadSearchset } from '../fhir/bundle.js';
import { validateFhirResource } from '../fhir/schema-validator.js';
import { operationOutcomeToRegistryErrors } from '../mhd/registry-errors.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../shared/json-depth.js';
import type { RegistryError } from '../xca/types.js';
import type { FhirGetAnswer } from './mhd-leg-http.js';
import { MhdLegError } from './mhd-leg-errors.js';

/** Most entries read from one searchset (fhir/bundle.ts DEFAULT_BUNDLE_READ_LIMITS). */
export const MAX_SEARCHSET_ENTRIES = 5000;

/** A 2xx searchset, or a refusal as RegistryErrors (a 4xx, or a 2xx, with an OperationOutcome). */
export type SearchAnswer =
  { kind: 'searchset'; read: ReadSearchset } | { kind: 'refused'; errors: RegistryError[] };

/**
 * Read an ITI-67 answer from `homeCommunityId`.
 * @throws MhdLegError `malformed`, `invalid-response` (JSON, but not a valid searchset Bundle),
 *   `http-status`; each with the answer's HTTP status.
 */
export function readSearchAnswer(a: FhirGetAnswer, homeCommunityId: string): SearchAnswer {
  if (a.status >= 200 && a.status < 300) {
    try {
      return {
        kind: 'searchset',
        read: readSearchsetBundle(a.body, {
          maxBytes: a.body.byteLength,
          maxEntries: MAX_SEARCHSET_ENTRIES,
          maxDepth: MAX_JSON_DEPTH,
        }),
      };
    } catch (err) {
      if (!(err instanceof FhirReadError)) throw err;
      const outcome = operationOutcomeIn(a.body);
      if (outcome?.issue.some((i) => i.severity === 'error' || i.severity === 'fatal'))
        return { kind: 'refused', errors: operationOutcomeToRegistryErrors(outcome, homeCommunityId).errors };
      throw new MhdLegError(
        isJson(a.body)
          ? { reason: 'invalid-response', detail: `the searchset Bundle is not usable: ${err.message}` }
          : { reason: 'malformed', detail: `the ITI-67 answer is not FHIR JSON (${err.message})` },
        a.status,
      );
    }
  }
  const outcome = operationOutcomeIn(a.body);
  if (a.status >= 400 && a.status < 500 && outcome)
    return { kind: 'refused', errors: operationOutcomeToRegistryErrors(outcome, homeCommunityId).errors };
  throw new MhdLegError(
    {
      reason: 'http-status',
      httpStatus: a.status,
      detail: outcome
        ? outcomeText(outcome)
        : `the body is not an OperationOutcome (${a.contentType ?? 'no Content-Type'}, ${a.body.byteLength} bytes)`,
    },
    a.status,
  );
}

/** The body as a valid FHIR R4 OperationOutcome (FHIR R4 "http" 3.1.0.4: errors carry one), else undefined. */
export function operationOutcomeIn(body: Buffer): OperationOutcome | undefined {
  const value = parseJson(body);
  if (
    typeof value !== 'object' ||
    value === null ||
    (value as { resourceType?: unknown }).resourceType !== 'OperationOutcome' ||
    jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH ||
    !validateFhirResource('OperationOutcome', value).ok
  )
    return undefined;
  return value as OperationOutcome;
}

/** The outcome's issues as one line: `severity code: diagnostics`. */
export function outcomeText(o: OperationOutcome): string {
  return o.issue
    .map((i) => `${i.severity} ${i.code}${i.diagnostics !== undefined ? `: ${i.diagnostics}` : ''}`)
    .join('; ');
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return undefined;
  }
}

function isJson(body: Buffer): boolean {
  return parseJson(body) !== undefined;
}
