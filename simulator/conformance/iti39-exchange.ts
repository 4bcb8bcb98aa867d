/**
 * What the ITI-39 and RAD-75 checks share: send one retrieve through the run's initiator and read
 * the answer as an xdsb:RetrieveDocumentSetResponse (ITI TF-2 3.39.4.2.2; RAD-75 answers with the
 * same body, RAD TF-3 4.75.4.2), resolving each xdsb:Document's xop:Include against the MTOM
 * parts (XOP 1.0 §3.2) without giving up on the whole answer when one does not resolve, and say
 * in one sentence what differs from the single RegistryError a refused request must carry.
 */
import { SoapNs } from '../soap/namespaces.js';
import { parseSoapFault } from '../soap/fault.js';
import { MtomError, resolveXopContent } from '../soap/mtom.js';
import { ErrorSeverity, ResponseStatus } from '../xca/constants.js';
import { decodeRetrieveDocumentSetResponse } from '../xca/retrieve-document-set.js';
import type { DocumentResponse, RegistryError, RetrieveDocumentSetResponse } from '../xca/types.js';
import { result, type CheckDefinition, type CheckResult } from './check.js';
import type { InitiatedTransaction, SentExchange } from './initiator.js';
import type { ProviderCheck, ProviderContext } from './provider-check.js';

/** A retrieve sent and read. */
export interface RetrieveExchange {
  sent: SentExchange;
  /** The decoded answer; absent when there was none to decode (then `problem` says why). */
  response?: RetrieveDocumentSetResponse;
  /** Per DocumentResponse index, why its xdsb:Document did not give bytes (e.g. an href with no part). */
  unresolved: Map<number, string>;
  problem?: string;
}

/**
 * Send `bodyXml` (a RetrieveDocumentSetRequest or RetrieveImagingDocumentSetRequest) to `url` and
 * decode the answer. Never throws for what the target does: an HTTP status other than 200, a SOAP
 * Fault, no answer or an undecodable body is a `problem`.
 */
export async function sendRetrieve(
  ctx: ProviderContext,
  req: { checkId: string; label: string; transaction: InitiatedTransaction; url: string; bodyXml: string },
): Promise<RetrieveExchange> {
  const sent = await ctx.initiator.send(req);
  const unresolved = new Map<number, string>();
  const fail = (problem: string): RetrieveExchange => ({ sent, unresolved, problem });
  if (!sent.message) return fail(sent.problem ?? `no SOAP message from ${req.url}`);
  const body = sent.message.envelope.body;
  if (body?.namespaceURI === SoapNs.soap12 && body.localName === 'Fault') {
    const f = parseSoapFault(body);
    return fail(
      `${req.url} answered a SOAP Fault (${f.code}${f.subcode ? ` ${f.subcode}` : ''}: ${f.reason})`,
    );
  }
  const status = sent.record.response?.status;
  if (status !== 200) return fail(`${req.url} answered HTTP ${String(status)} (expected 200)`);
  if (!body) return fail(`${req.url} answered an empty env:Body`);
  let index = 0;
  try {
    const response = decodeRetrieveDocumentSetResponse(body, (documentEl) => {
      const i = index++;
      try {
        return resolveXopContent(documentEl, sent.message!.attachments);
      } catch (err) {
        if (!(err instanceof MtomError)) throw err;
        unresolved.set(i, err.reason);
        return Buffer.alloc(0);
      }
    });
    return { sent, response, unresolved };
  } catch (err) {
    return fail(
      `the answer is not a valid xdsb:RetrieveDocumentSetResponse: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Most problems a message lists; the rest are counted (a study may have thousands of images). */
export const MAX_LISTED = 10;

/** `items` joined with `sep`, at most {@link MAX_LISTED} of them, then "and n more". */
export function listed(items: readonly string[], sep = '; '): string {
  const shown = items.slice(0, MAX_LISTED).join(sep);
  return items.length > MAX_LISTED ? `${shown}${sep}and ${items.length - MAX_LISTED} more` : shown;
}

/** A RegistryError as a supplier reads it in a message. */
export function describeError(e: RegistryError): string {
  const severity = e.severity.slice(e.severity.lastIndexOf(':') + 1);
  return `${e.errorCode} (${severity}, location ${e.location ?? '(none)'}: "${e.codeContext}")`;
}

/** The last segment of a status URN (`Success`, `PartialSuccess`, `Failure`). */
export const statusName = (s: string): string => s.slice(s.lastIndexOf(':') + 1);

/**
 * What is wrong with an answer that must refuse every requested document with `errorCode`
 * (ITI TF-2 3.39.4.1.3; RAD TF-3 4.75.4.1.3): status Failure, no DocumentResponse, and
 * `expectedErrors` RegistryErrors (at least one when undefined), each `errorCode`, severity Error,
 * `location` = the responding gateway's homeCommunityId (ITI39-012, RAD75-004). Undefined when
 * nothing is.
 */
export function refusalProblem(
  ex: RetrieveExchange,
  errorCode: string,
  home: string,
  expectedErrors?: number,
): string | undefined {
  if (!ex.response) return ex.problem;
  const r = ex.response;
  const errors = listed(r.errors.map(describeError)) || 'none';
  const wrong = r.errors.filter(
    (e) => e.errorCode !== errorCode || e.severity !== ErrorSeverity.Error || e.location !== home,
  );
  const countOk = expectedErrors === undefined ? r.errors.length > 0 : r.errors.length === expectedErrors;
  if (r.status !== ResponseStatus.Failure || r.documents.length > 0 || wrong.length > 0 || !countOk)
    return (
      `expected status Failure, no DocumentResponse and ${expectedErrors ?? 'one or more'} RegistryError ${errorCode} ` +
      `(severity Error, location ${home}); got status ${statusName(r.status)}, ${r.documents.length} DocumentResponse(s), errors: ${errors}`
    );
  return undefined;
}

/**
 * What is wrong with an answer that must return exactly the requested documents: status Success,
 * no RegistryError, one DocumentResponse per requested DocumentUniqueId (none missing, none
 * repeated, none other). Undefined when nothing is.
 */
export function completeProblem(ex: RetrieveExchange, requested: readonly string[]): string | undefined {
  if (!ex.response) return ex.problem;
  const r = ex.response;
  const got = r.documents.map((d) => d.documentUniqueId);
  const missing = requested.filter((u) => !got.includes(u));
  const extra = got.filter((u, i) => !requested.includes(u) || got.indexOf(u) !== i);
  if (
    r.status === ResponseStatus.Success &&
    r.errors.length === 0 &&
    missing.length === 0 &&
    extra.length === 0
  )
    return undefined;
  const parts = [
    `status ${statusName(r.status)}`,
    `${got.length} of ${requested.length} DocumentResponse(s)`,
  ];
  if (missing.length > 0) parts.push(`missing ${listed(missing, ', ')}`);
  if (extra.length > 0) parts.push(`unrequested or repeated ${listed(extra, ', ')}`);
  if (r.errors.length > 0) parts.push(`errors: ${listed(r.errors.map(describeError))}`);
  return `expected status Success, no RegistryError and one DocumentResponse per requested document (${requested.length}); got ${parts.join(', ')}`;
}

/** The documents of an answer with their bytes, skipping those whose bytes did not resolve. */
export function resolvedDocuments(ex: RetrieveExchange): DocumentResponse[] {
  return (ex.response?.documents ?? []).filter((_, i) => !ex.unresolved.has(i));
}

/** A check whose run gets the definition's id and is timed on the run's clock. */
export function check(
  definition: CheckDefinition,
  run: (ctx: ProviderContext, id: string) => Promise<CheckResult>,
): ProviderCheck {
  return {
    definition,
    async run(ctx) {
      const started = ctx.clock.now();
      const r = await run(ctx, definition.id);
      return { ...r, durationMs: ctx.clock.now() - started };
    },
  };
}

/** passed/failed from a problem (undefined: passed with `ok`). */
export const verdict = (
  id: string,
  ex: RetrieveExchange,
  problem: string | undefined,
  ok: string,
): CheckResult =>
  result(id, problem === undefined ? 'passed' : 'failed', problem ?? ok, [ex.sent.record.name]);
