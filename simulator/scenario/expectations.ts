/**
 * Comparing what came back with what a step expects, and saying the difference in lines a tester
 * can read: status (ITI TF-3 4.2.4.2), the exact RegistryErrorList as a multiset (errorCode,
 * severity, location by community name, optional codeContext substring), documents in total and
 * per community, HTTP status, SOAP Fault code, and the optional wall-clock response-time ceiling
 * (`maxResponseMs`, for deployed systems; shipped scenarios check the broker's deadline instead).
 */
import { faultHttpStatus } from '../soap/fault.js';
import { ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import type { RegistryError } from '../xca/types.js';
import type { EnvironmentCommunity } from './environment.js';
import type { StepOutcome } from './exchange.js';
import { multisetDifference } from './multiset.js';
import { communityNameOf, homeCommunityIdOf } from './requests.js';
import type { ErrorExpectationSpec, ExpectationSpec } from './scenario-spec.js';

/** An outcome as reports show it: short status and severity, locations by community name. */
export interface ActualSummary {
  httpStatus?: number;
  status?: string;
  soapFault?: string;
  errors: { errorCode: string; severity: string; location: string; codeContext: string }[];
  documents: number;
  documentsPerCommunity: Record<string, number>;
  durationMs: number;
  problem?: string;
}

const shortStatus = (urn: string): string =>
  (Object.keys(ResponseStatus) as (keyof typeof ResponseStatus)[]).find((k) => ResponseStatus[k] === urn) ??
  urn;
const shortSeverity = (urn: string): string =>
  urn === ErrorSeverity.Warning ? 'Warning' : urn === ErrorSeverity.Error ? 'Error' : urn;

/** Summarise an outcome with community names. */
export function summarise(o: StepOutcome, communities: readonly EnvironmentCommunity[]): ActualSummary {
  const perCommunity: Record<string, number> = {};
  for (const item of o.items) {
    const name = item.home === undefined ? '(no home)' : communityNameOf(item.home, communities);
    perCommunity[name] = (perCommunity[name] ?? 0) + 1;
  }
  return {
    ...(o.httpStatus !== undefined ? { httpStatus: o.httpStatus } : {}),
    ...(o.status !== undefined ? { status: shortStatus(o.status) } : {}),
    ...(o.soapFault ? { soapFault: o.soapFault.code } : {}),
    errors: o.errors.map((e) => ({
      errorCode: e.errorCode,
      severity: shortSeverity(e.severity),
      location: e.location === undefined ? 'none' : communityNameOf(e.location, communities),
      codeContext: e.codeContext,
    })),
    documents: o.items.length,
    documentsPerCommunity: perCommunity,
    durationMs: o.durationMs,
    ...(o.problem !== undefined ? { problem: o.problem } : {}),
  };
}

/**
 * Every difference between `expect` and the outcome, one line each; empty when the step passes.
 * Omitted `errors` mean none; omitted `httpStatus` means 200, or the fault's status for `soapFault`.
 */
export function compareOutcome(
  expect: ExpectationSpec,
  o: StepOutcome,
  communities: readonly EnvironmentCommunity[],
): string[] {
  const out: string[] = [];
  const actual = summarise(o, communities);
  const wantHttp = expect.httpStatus ?? (expect.soapFault ? faultHttpStatus(expect.soapFault) : 200);
  if (o.problem !== undefined) out.push(`answer: ${o.problem}`);
  if (o.httpStatus !== undefined && o.httpStatus !== wantHttp)
    out.push(`httpStatus: expected ${wantHttp}, got ${o.httpStatus}`);
  if (expect.soapFault !== undefined) {
    if (!o.soapFault) out.push(`soapFault: expected ${expect.soapFault}, got ${gotInstead(actual)}`);
    else if (o.soapFault.code !== expect.soapFault)
      out.push(`soapFault: expected ${expect.soapFault}, got ${o.soapFault.code} (${o.soapFault.reason})`);
  } else if (o.soapFault) {
    out.push(`soapFault: expected none, got ${o.soapFault.code} (${o.soapFault.reason})`);
  }
  if (
    expect.status !== undefined &&
    o.problem === undefined &&
    !o.soapFault &&
    actual.status !== expect.status
  )
    out.push(`status: expected ${expect.status}, got ${actual.status ?? '(none)'}`);
  if (expect.status !== undefined && !o.soapFault && o.problem === undefined)
    out.push(...compareErrors(expect.errors ?? [], o.errors, communities));
  out.push(...compareDocumentCounts(expect, actual));
  out.push(...compareResponseTime(expect, o.durationMs));
  return out;
}

/**
 * The document counts a step expects (in all, and per community name; a community left out
 * expects 0) against those of the answer: one line per difference. Shared by the ITI-38 and
 * ITI-67 steps (fhir-expectations.ts).
 */
export function compareDocumentCounts(
  expect: {
    documents?: number | undefined;
    documentsPerCommunity?: Readonly<Record<string, number>> | undefined;
  },
  actual: { documents: number; documentsPerCommunity: Readonly<Record<string, number>> },
): string[] {
  const out: string[] = [];
  if (expect.documents !== undefined && actual.documents !== expect.documents)
    out.push(`documents: expected ${expect.documents}, got ${actual.documents}`);
  if (expect.documentsPerCommunity !== undefined) {
    const names = new Set([
      ...Object.keys(expect.documentsPerCommunity),
      ...Object.keys(actual.documentsPerCommunity),
    ]);
    for (const name of names) {
      const want = expect.documentsPerCommunity[name] ?? 0;
      const got = actual.documentsPerCommunity[name] ?? 0;
      if (want !== got) out.push(`documentsPerCommunity.${name}: expected ${want}, got ${got}`);
    }
  }
  return out;
}

/** The step's response-time ceiling (`maxResponseMs`, ms, the runner's wall clock) against `durationMs`. */
export function compareResponseTime(
  expect: { maxResponseMs?: number | undefined },
  durationMs: number,
): string[] {
  if (expect.maxResponseMs === undefined || durationMs <= expect.maxResponseMs) return [];
  return [`response time: ${durationMs} ms, over the ceiling of ${expect.maxResponseMs} ms (maxResponseMs)`];
}

function gotInstead(a: ActualSummary): string {
  if (a.problem !== undefined) return 'no readable answer';
  return `no SOAP Fault (a response with status ${a.status ?? '(none)'})`;
}

/** Does one returned error satisfy one expected entry? */
function matches(
  want: ErrorExpectationSpec,
  got: RegistryError,
  communities: readonly EnvironmentCommunity[],
): boolean {
  if (got.errorCode !== want.errorCode) return false;
  if (shortSeverity(got.severity) !== want.severity) return false;
  const location = want.location === 'none' ? undefined : homeCommunityIdOf(want.location, communities);
  if (got.location !== location) return false;
  return want.contextIncludes === undefined || got.codeContext.includes(want.contextIncludes);
}

/**
 * The exact error list, order-insensitive: each entry stands for `count` errors, matched as a
 * multiset (multiset.ts), then one line per expected entry left unmatched (with how many times)
 * and per returned error left over.
 */
export function compareErrors(
  wanted: readonly ErrorExpectationSpec[],
  actual: readonly RegistryError[],
  communities: readonly EnvironmentCommunity[],
): string[] {
  const d = multisetDifference(
    wanted,
    actual,
    (e) => e.count,
    (w, a) => matches(w, a, communities),
  );
  const out: string[] = [];
  const lines = new Map<string, number>();
  for (const { entry: e, times } of d.missing) {
    const ctx = e.contextIncludes === undefined ? '' : ` with codeContext including "${e.contextIncludes}"`;
    const line = `errors: missing ${e.errorCode} (${e.severity}) at ${e.location}${ctx}`;
    lines.set(line, (lines.get(line) ?? 0) + times);
  }
  for (const [line, n] of lines) out.push(n > 1 ? `${line} (${n} times)` : line);
  for (const e of d.unexpected) {
    const at = e.location === undefined ? 'none' : communityNameOf(e.location, communities);
    out.push(`errors: unexpected ${e.errorCode} (${shortSeverity(e.severity)}) at ${at}: "${e.codeContext}"`);
  }
  return out;
}
