/**
 * How the ITI-38 checks ask a supplier's responding gateway: the stored queries they send
 * (FindDocuments and GetDocuments, ITI TF-2 3.18.4.1.2.3.7.1 / .5, in an ITI-38 Cross Gateway
 * Query, ITI TF-2 3.38.4.1.2) and what came back, read with the xca codecs: a decoded
 * AdhocQueryResponse, or one sentence saying why there is none (no answer, an HTTP error, a SOAP
 * Fault, a body that is not an AdhocQueryResponse).
 */
import { parseSoapFault } from '../soap/fault.js';
import { SoapNs } from '../soap/namespaces.js';
import { decodeAdhocQueryResponse } from '../xca/adhoc-query-response.js';
import { encodeAdhocQueryRequest } from '../xca/adhoc-query-request.js';
import { EntryStatus, StoredQueryId } from '../xca/constants.js';
import { XcaDecodeError } from '../xca/decode-error.js';
import { encodeStringList, quoteString } from '../xca/slot-value.js';
import { QueryParam } from '../xca/stored-query-params.js';
import type { AdhocQueryResponse, QuerySlot } from '../xca/types.js';
import { result, type CheckDefinition, type CheckResult } from './check.js';
import type { ProviderCheck, ProviderContext } from './provider-check.js';

/** Most ids one GetDocuments carries (a bound on the request the kit builds). */
export const MAX_GET_DOCUMENTS_IDS = 100;

/** What one ITI-38 exchange gave: the decoded response, or why there is none. */
export type QueryOutcome =
  | { ok: true; exchange: string; response: AdhocQueryResponse }
  | { ok: false; exchange: string; problem: string };

/**
 * A FindDocuments AdhocQueryRequest body for `patientCx`, Approved entries only, with `more`
 * slots (already in stored-query syntax).
 */
export function findDocumentsXml(
  patientCx: string,
  returnType: 'LeafClass' | 'ObjectRef',
  more: QuerySlot[] = [],
): string {
  return encodeAdhocQueryRequest({
    returnType,
    returnComposedObjects: true,
    queryId: StoredQueryId.FindDocuments,
    slots: [
      { name: QueryParam.patientId, values: [quoteString(patientCx)] },
      { name: QueryParam.status, values: [encodeStringList([EntryStatus.Approved])] },
      ...more,
    ],
  });
}

/**
 * A FindDocuments body without $XDSDocumentEntryPatientId, a required parameter (ITI TF-2
 * 3.18.4.1.2.3.7.1): a query every registry must refuse with XDSStoredQueryMissingParam.
 */
export function findDocumentsWithoutPatientXml(): string {
  return encodeAdhocQueryRequest({
    returnType: 'LeafClass',
    returnComposedObjects: true,
    queryId: StoredQueryId.FindDocuments,
    slots: [{ name: QueryParam.status, values: [encodeStringList([EntryStatus.Approved])] }],
  });
}

/**
 * A GetDocuments body (ITI TF-2 3.18.4.1.2.3.7.5) by entryUUID or uniqueId, with
 * AdhocQuery/@home = `home` (ITI TF-2 3.38.4.1.2.1: required on queries not based on a patient id).
 * @throws RangeError for no ids or more than {@link MAX_GET_DOCUMENTS_IDS}.
 */
export function getDocumentsXml(home: string, by: 'entryUUID' | 'uniqueId', ids: readonly string[]): string {
  if (ids.length === 0 || ids.length > MAX_GET_DOCUMENTS_IDS)
    throw new RangeError(`GetDocuments takes 1..${MAX_GET_DOCUMENTS_IDS} ids, not ${ids.length}`);
  return encodeAdhocQueryRequest({
    returnType: 'LeafClass',
    returnComposedObjects: true,
    queryId: StoredQueryId.GetDocuments,
    home,
    slots: [
      {
        name: by === 'entryUUID' ? QueryParam.entryUUID : QueryParam.uniqueId,
        values: [encodeStringList(ids)],
      },
    ],
  });
}

/**
 * Send one ITI-38 request for check `checkId` through the run's initiator and read the answer.
 * Never throws for what the gateway does.
 */
export async function sendQuery(
  ctx: ProviderContext,
  checkId: string,
  label: string,
  bodyXml: string,
  patientCx?: string,
): Promise<QueryOutcome> {
  const sent = await ctx.initiator.send({
    checkId,
    label,
    transaction: 'ITI-38',
    url: ctx.target.iti38Url,
    bodyXml,
    ...(patientCx !== undefined ? { patientCx } : {}),
  });
  const exchange = sent.record.name;
  const status = sent.record.response?.status;
  const body = sent.message?.envelope.body;
  if (!sent.message) return { ok: false, exchange, problem: sent.problem ?? 'no SOAP answer' };
  if (body?.namespaceURI === SoapNs.soap12 && body.localName === 'Fault') {
    const f = parseSoapFault(body);
    return {
      ok: false,
      exchange,
      problem: `the gateway answered HTTP ${status} with a SOAP Fault (${f.code}${f.subcode ? ` ${f.subcode}` : ''}: ${f.reason}) where a query:AdhocQueryResponse was due`,
    };
  }
  if (status !== 200)
    return { ok: false, exchange, problem: `the gateway answered HTTP ${status}; ITI-38 answers with 200` };
  if (!body) return { ok: false, exchange, problem: 'the answer has an empty env:Body' };
  try {
    return { ok: true, exchange, response: decodeAdhocQueryResponse(body) };
  } catch (err) {
    if (!(err instanceof XcaDecodeError)) throw err;
    return { ok: false, exchange, problem: `the answer is not a valid AdhocQueryResponse: ${err.message}` };
  }
}

/** `ids` for a message: the first `max`, then "and n more". */
export function listSome(ids: readonly string[], max = 5): string {
  const shown = ids.slice(0, max).join(', ');
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

/** The last part of a status or severity URN: `Success`, `PartialSuccess`, `Failure`, `Error`, `Warning`. */
export function shortUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf(':') + 1);
}

/** RegistryErrors for a message: `XDSRegistryError (Error at urn:oid:1.2): text`, joined by `; `. */
export function errorsText(errors: AdhocQueryResponse['errors']): string {
  if (errors.length === 0) return 'no RegistryError';
  return errors
    .map(
      (e) =>
        `${e.errorCode} (${shortUrn(e.severity)}${e.location !== undefined ? ` at ${e.location}` : ', no location'}): ${e.codeContext}`,
    )
    .join('; ');
}

/**
 * A check's result from what it found: `failed` with `failLead` and every problem when there is
 * one, else `passed` with `passText`.
 */
export function verdict(
  id: string,
  problems: readonly string[],
  passText: string,
  failLead: string,
  exchanges: readonly string[],
): CheckResult {
  return problems.length > 0
    ? result(id, 'failed', `${failLead}: ${problems.join('; ')}.`, exchanges)
    : result(id, 'passed', passText, exchanges);
}

/** A ProviderCheck whose `run` is given the check's id (no `this`: a run may call it detached). */
export function iti38Check(
  definition: CheckDefinition,
  run: (ctx: ProviderContext, id: string) => Promise<CheckResult>,
): ProviderCheck {
  return { definition, run: (ctx) => run(ctx, definition.id) };
}
