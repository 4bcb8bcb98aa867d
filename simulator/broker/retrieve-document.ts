/**
 * The broker's ITI-68 Retrieve Document (IHE MHD 4.2.x, ITI TF-2 3.68), served by XCA as IHE's
 * "XDS on FHIR" grouping does (MHD 1:33.6.2: an MHD Document Responder grouped with an XCA
 * Initiating Gateway): `GET {FhirPath.iti68}?homeCommunityId=&repositoryUniqueId=&uniqueId=` is
 * routed by homeCommunityId through the federation core's streamed retrieve of one document
 * (retrieve-document-stream.ts: the same legs, deadlines and consolidation as an XCA consumer's
 * ITI-39; to an XCA community one ITI-39, to an MHD one ITI-67 + ITI-68). The bytes are piped to
 * the consumer as they arrive (retrieve-document-send.ts, iti68-relay.ts), never held whole; the
 * leg's deadline covers the answer up to the document's first byte, then the community may stay
 * silent at most `idleTimeoutMs` between chunks.
 *
 * Deprecated documents (MHD ITI TF-2 3.68.4.2.3: 410 Gone): ITI-39 carries no availabilityStatus,
 * so the broker asks the same community an ITI-38 GetDocuments by uniqueId (AdhocQuery/@home =
 * that community, ITI TF-2 3.18.4.1.2.3.7.5) in parallel with the ITI-39. Cost: one more leg per
 * ITI-68 to the same community, no added latency beyond the slower of the two (both run under
 * the same per-community deadline). The query also names the document's patient for the audit.
 * Its failure does not fail the retrieve: the bytes are served if ITI-39 returned them.
 *
 * Answers: 200 the bytes with their mimeType, Content-Length when the size is known, ETag (the
 * DocumentEntry hash, ITI TF-3 4.2.3.2.12) when the GetDocuments answer arrived; 400 a bad request (OperationOutcome naming the
 * parameter); 404 unknown document or community (XDSUnknownCommunity coding for an unknown or
 * excluded homeCommunityId); 410 a Deprecated entry; 406 when Accept excludes the mimeType; 502 /
 * 504 a failed or timed-out community; each of these before any byte of a document. Every answer
 * is recorded before its first byte: a TransactionEvent (transaction ITI-68, protocol mhd) once
 * legs ran, a FaultEvent for a refusal. A document whose stream fails after its head has left
 * (broken, silent, or bytes that differ from the DocumentEntry's size and hash, checked on the
 * way) aborts the consumer's connection and is recorded once more as failed
 * (retrieve-document-send.ts).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { OperationOutcome } from 'fhir/r4.js';
import type { LegEvent, TransactionEvent } from '../events/transaction-events.js';
import { issue, operationOutcome } from '../fhir/operation-outcome.js';
import { registryErrorToIssue } from '../mhd/registry-errors.js';
import { MhdTransaction } from '../shared/fhir-endpoints.js';
import { EntryStatus, ErrorCode, StoredQueryId } from '../xca/constants.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import { QueryParam } from '../xca/stored-query-params.js';
import { encodeStringList } from '../xca/slot-value.js';
import type { AdhocQueryRequest, DocumentResponse } from '../xca/types.js';
import { describeCommunity } from './leg-errors.js';
import { forRequest, type BrokerContext } from './context.js';
import { crossGatewayQuery } from './cross-gateway-query.js';
import { crossGatewayRetrieveStream } from './retrieve-document-stream.js';
import { sendDocument } from './retrieve-document-send.js';
import { documentEntriesOf } from './retrieve-document-entry.js';
import {
  MAX_RETRIEVE_URL_CHARS,
  admitOrRefuse,
  errorOutcome,
  noteArrival,
  recordTransaction,
  refusalAnswer,
  refuse,
  requestContextOf,
  sendOutcome,
} from './retrieve-document-http.js';
import { fhirRequestFacts, fhirTransactionEvent } from './fhir-record.js';
import {
  FhirRefusal,
  unverifiedRequester,
  type FhirAdmission,
  type FhirSecurity,
} from './iua-enforcement.js';
import type { AssertionForwarder } from './xua-forward.js';
import { isMediaType, retrieveFailure } from './retrieve-document-outcome.js';

export { isMediaType } from './retrieve-document-outcome.js';
import { readRetrieveDocumentRequest, type RetrieveDocumentTarget } from './retrieve-document-request.js';
import { resolveTarget } from './targets.js';

/** Options of {@link retrieveDocumentHandler}. */
export interface RetrieveDocumentOptions {
  context: BrokerContext;
  /**
   * The integration port: mutual TLS and a valid IUA token (iua-enforcement.ts), and the token's
   * patient must be the document's (read from the GetDocuments answer), else 403; absent: the
   * open sandbox port.
   */
  security?: FhirSecurity;
  /** Make every leg carry a broker-signed XUA assertion (when the communities require one). */
  forward?: AssertionForwarder;
  /**
   * Once a document's bytes have begun, the longest the community may send nothing, ms of the
   * broker's clock (default {@link DEFAULT_DOCUMENT_IDLE_TIMEOUT_MS}).
   */
  idleTimeoutMs?: number;
}

/** Default idle timeout of a document's bytes once they have begun: 5 minutes (as RAD-75's parts), ms. */
export const DEFAULT_DOCUMENT_IDLE_TIMEOUT_MS = 300_000;

/**
 * The `GET {FhirPath.iti68}` handler (mount it at `FhirPath.iti68`). Never throws to express for a
 * protocol problem: each is an OperationOutcome; an unexpected error goes to `next`.
 */
export function retrieveDocumentHandler(opts: RetrieveDocumentOptions): RequestHandler {
  return (req, res, next) => {
    retrieveDocument(opts, req, res).catch(next);
  };
}

/** The ITI-38 GetDocuments of one uniqueId at its home (LeafClass: the entry's status and patient). */
export function getDocumentsByUniqueId(t: RetrieveDocumentTarget): AdhocQueryRequest {
  return {
    returnType: 'LeafClass',
    returnComposedObjects: true,
    queryId: StoredQueryId.GetDocuments,
    home: t.homeCommunityId,
    slots: [{ name: QueryParam.uniqueId, values: [encodeStringList([t.uniqueId])] }],
  };
}

const ITI68 = MhdTransaction.Iti68;

async function retrieveDocument(opts: RetrieveDocumentOptions, req: Request, res: Response): Promise<void> {
  noteArrival(opts.context, res);
  const bc = forRequest(opts.context);
  const facts = fhirRequestFacts(req);
  const unverified = unverifiedRequester(facts.consumerId, req.headers.authorization);
  if (req.originalUrl.length > MAX_RETRIEVE_URL_CHARS) {
    const tooLong = errorOutcome(
      'too-long',
      `the request URL is longer than ${MAX_RETRIEVE_URL_CHARS} characters`,
    );
    return refuse(bc, facts, res, ITI68, 414, tooLong, unverified);
  }
  const parsed = readRetrieveDocumentRequest(req.originalUrl.split('?')[1] ?? '');
  if (!parsed.ok) return refuse(bc, facts, res, ITI68, 400, operationOutcome(parsed.issues), unverified);
  const target = parsed.target;
  const admission = await admitOrRefuse(bc, req, res, facts, ITI68, opts.security, opts.forward);
  if (!admission) return;
  const routed = resolveTarget(bc.directory, facts.consumerId, target.homeCommunityId);
  if ('error' in routed) {
    const unknown = operationOutcome([
      registryErrorToIssue({ ...routed.error, location: target.homeCommunityId }),
    ]);
    return refuse(bc, facts, res, ITI68, 404, unknown, admission.requester);
  }
  const rc = requestContextOf(facts, admission.requester, admission.deadlineAt);
  // The request names no patient: legs carry none (as the SOAP ITI-39 endpoint's do).
  const ctx = admission.contextFor(undefined);
  const startedAt = bc.clock.now();
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_DOCUMENT_IDLE_TIMEOUT_MS;
  const streaming = crossGatewayRetrieveStream(
    {
      homeCommunityId: target.homeCommunityId,
      repositoryUniqueId: target.repositoryUniqueId,
      documentUniqueId: target.uniqueId,
    },
    routed.community,
    rc,
    ctx,
    { transaction: ITI68, idleTimeoutMs },
  );
  const querying = crossGatewayQuery(getDocumentsByUniqueId(target), undefined, rc, ctx, {
    transaction: ITI68,
  });
  // Whichever fails (no time left to start the legs), the other's document stream is dropped.
  const [queried, streamed] = await Promise.allSettled([querying, streaming]);
  if (queried.status === 'rejected' || streamed.status === 'rejected') {
    if (streamed.status === 'fulfilled') streamed.value.stream?.body.destroy();
    throw queried.status === 'rejected' ? queried.reason : (streamed as PromiseRejectedResult).reason;
  }
  const query = queried.value;
  const retrieve = streamed.value;
  const stream = retrieve.stream;
  const entry = documentEntriesOf(query.response.objects, bc.logger).find(
    (e) => e.uniqueId === target.uniqueId,
  );
  const nhs = entry ? nhsNumberFromPatientId(entry.patientId) : undefined;
  const patient = nhs?.ok ? nhs.nhsNumber : undefined;
  const doc = retrieve.response.documents.find((d) => d.documentUniqueId === target.uniqueId);
  // Each leg names what it sent (the core sets ITI-39 / ITI-38 on XCA legs, ITI-68 / ITI-67 on MHD ones).
  const legs: LegEvent[] = [...retrieve.event.legs, ...query.event.legs];
  const event: TransactionEvent = {
    ...retrieve.event,
    transaction: ITI68,
    startedAt,
    durationMs: bc.clock.now() - startedAt,
    legs,
    documents: [
      {
        homeCommunityId: target.homeCommunityId,
        repositoryUniqueId: target.repositoryUniqueId,
        documentUniqueId: target.uniqueId,
        ...(patient !== undefined ? { patient } : {}),
      },
    ],
    ...(patient !== undefined ? { patient } : {}),
    ...(entry ? { patientId: entry.patientId } : {}),
  };
  // Integration port, entry unknown because its community failed: that failure, not a 403.
  const queryFailed =
    opts.security !== undefined &&
    !entry &&
    query.response.errors.some((e) => e.errorCode === ErrorCode.XDSUnavailableCommunity);
  const answer:
    | { doc: DocumentResponse }
    | { status: number; outcome: OperationOutcome; headers?: Record<string, string> } = queryFailed
    ? retrieveFailure(query.response.errors, legs, `the entry of ${target.uniqueId} was not returned`)
    : (permitted(opts.security, admission, entry?.patientId) ??
      decide(req, target, entry?.availabilityStatus, doc, retrieve.response.errors, legs));
  if ('outcome' in answer || !stream) {
    stream?.body.destroy();
    if (!('outcome' in answer)) throw new Error('a document was decided without its stream');
    const body = JSON.stringify(answer.outcome);
    const failed = fhirTransactionEvent({ ...event, resultCount: 0 }, facts, { responseBody: body });
    if (await recordTransaction(bc, res, failed))
      sendOutcome(res, answer.status, answer.outcome, answer.headers);
    return;
  }
  const served = fhirTransactionEvent(event, facts, { responseBody: '' });
  delete served.responseBody; // the body is the document, not JSON (TransactionEvent.responseBody)
  if (!(await recordTransaction(bc, res, served))) {
    stream.body.destroy();
    return;
  }
  const about = {
    ...(entry ? { entry: { size: entry.size, hash: entry.hash } } : {}),
    who: describeCommunity(routed.community),
    homeCommunityId: target.homeCommunityId,
    uniqueId: target.uniqueId,
  };
  await sendDocument(bc, res, stream, about, served, idleTimeoutMs);
}

/**
 * On the integration port, the token's patient must be the document's (default deny: a document
 * whose DocumentEntry did not come back cannot be shown to be the patient's, so it is refused
 * too, unless its community failed: then that 502 / 504, which tells nothing of the document);
 * undefined when permitted (and always on the sandbox port).
 */
function permitted(
  security: FhirSecurity | undefined,
  admission: FhirAdmission,
  patientId: string | undefined,
): { status: number; outcome: OperationOutcome; headers: Record<string, string> } | undefined {
  if (!security) return undefined;
  try {
    admission.checkPatient(patientId ?? '');
    return undefined;
  } catch (err) {
    if (!(err instanceof FhirRefusal)) throw err;
    return { status: err.status, ...refusalAnswer(err) };
  }
}

/** The answer: the document, or the status and OperationOutcome that say why not. */
function decide(
  req: Request,
  target: RetrieveDocumentTarget,
  availabilityStatus: string | undefined,
  doc: DocumentResponse | undefined,
  errors: TransactionEvent['errors'],
  legs: readonly LegEvent[],
):
  | { doc: DocumentResponse }
  | { status: number; outcome: OperationOutcome; headers?: Record<string, string> } {
  const named = `document ${target.uniqueId} in repository ${target.repositoryUniqueId} of ${target.homeCommunityId}`;
  if (availabilityStatus === EntryStatus.Deprecated) {
    return {
      status: 410,
      outcome: operationOutcome([
        issue({
          severity: 'error',
          code: 'deleted',
          diagnostics: `${named} is Deprecated (DocumentReference.status superseded): search ITI-67 with status=current for its replacement`,
        }),
      ]),
    };
  }
  if (!doc) return retrieveFailure(errors, legs, `${named} was not returned by its community`);
  if (!isMediaType(doc.mimeType)) {
    return {
      status: 502,
      outcome: operationOutcome([
        issue({
          severity: 'error',
          code: 'processing',
          diagnostics: `${target.homeCommunityId} returned ${named} with mimeType '${doc.mimeType.slice(0, 100)}', which is not a media type (RFC 9110 §8.3.1): the broker cannot send it as Content-Type`,
        }),
      ]),
    };
  }
  if (req.accepts(doc.mimeType) === false) {
    return {
      status: 406,
      outcome: operationOutcome([
        issue({
          severity: 'error',
          code: 'not-supported',
          diagnostics: `${named} is ${doc.mimeType}, which the Accept header '${String(req.headers.accept).slice(0, 200)}' excludes: accept ${doc.mimeType} (or */*)`,
        }),
      ]),
    };
  }
  return { doc };
}
