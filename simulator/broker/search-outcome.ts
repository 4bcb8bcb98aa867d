/**
 * What an ITI-67 answer says about the communities (IHE MHD 4.2.x ITI TF-2 3.67.4.2; FHIR R4
 * search 3.1.1.5.1; issue table in docs/mhd.md "The broker's FHIR face"): the consolidated XCA
 * status and RegistryErrors (ITI TF-2 3.38.4.1.3, docs/concepts.md) turned into the HTTP status and
 * the issues of the OperationOutcome.
 * - Success / PartialSuccess, or Failure with no community asked (every target unknown or
 *   excluded): 200; each RegistryError is one issue (mhd/registry-errors.ts), a community whose leg
 *   timed out with IssueType `timeout`.
 * - Failure after asking at least one community (every community failed, on the wire or with an
 *   Error): 504 Gateway Timeout when every leg timed out (RFC 9110 §15.6.5: no timely answer from
 *   upstream), else 502 Bad Gateway (§15.6.3: upstream answers that could not be used, or no answer
 *   at all), with the same OperationOutcome.
 * Pure: no HTTP here.
 */
import type { OperationOutcomeIssue } from 'fhir/r4.js';
import type { LegEvent } from '../events/transaction-events.js';
import { registryErrorToIssue } from '../mhd/registry-errors.js';
import { ResponseStatus } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';

/** The HTTP status of a search answer and the issues of its OperationOutcome (none: no outcome). */
export interface SearchOutcome {
  /** 200 (a searchset), 502 or 504 (an OperationOutcome alone). */
  httpStatus: 200 | 502 | 504;
  issues: OperationOutcomeIssue[];
}

/** What the federated query came to. */
export interface ConsolidatedSearch {
  /** The consolidated ResponseStatus URN. */
  status: string;
  errors: readonly RegistryError[];
  /** The legs of the request (which communities were asked, which failed and why). */
  legs: readonly Pick<LegEvent, 'homeCommunityId' | 'outcome' | 'failure'>[];
}

/**
 * The HTTP status and issues of an ITI-67 answer: the issues of `search`'s RegistryErrors, in
 * their order, after `before` (the search's own warnings) and followed by `after` (issues about
 * objects that could not be DocumentReferences).
 */
export function searchOutcome(
  search: ConsolidatedSearch,
  before: readonly OperationOutcomeIssue[] = [],
  after: readonly OperationOutcomeIssue[] = [],
): SearchOutcome {
  const timedOut = new Set(
    search.legs.filter((l) => l.failure?.reason === 'timeout').map((l) => l.homeCommunityId),
  );
  const issues = [
    ...before,
    ...search.errors.map((e) =>
      registryErrorToIssue(e, { timedOut: e.location !== undefined && timedOut.has(e.location) }),
    ),
    ...after,
  ];
  const allFailed = search.status === ResponseStatus.Failure && search.legs.length > 0;
  if (!allFailed) return { httpStatus: 200, issues };
  const everyLegTimedOut = search.legs.every((l) => l.failure?.reason === 'timeout');
  return { httpStatus: everyLegTimedOut ? 504 : 502, issues };
}
