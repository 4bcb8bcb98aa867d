/**
 * The broker's WADO-RS Retrieve Study (DICOM PS3.18 10.4.1; IHE RAD-107 WADO-RS Retrieve, as IHE
 * WIA and the NHS draft imaging specification use it): `GET {FhirPath.wadoRs}/{homeCommunityId}/
 * studies/{studyInstanceUid}` answered `multipart/related; type="application/dicom"` with every
 * instance of the study, served by the federation core's XCA legs. The broker stores nothing, so
 * it learns the study's instances from the community that holds it:
 * 1. ITI-38 FindDocumentsByReferenceId (ITI TF-2 3.18.4.1.2.3.7.14) for the token's patient and
 *    the Study Instance UID as a CXi (`<uid>^^^^urn:ihe:iti:xds:2016:studyInstanceUID`), home =
 *    that community: the study's KOS manifest DocumentEntry (XDS-I.b, RAD TF-3 4.68.4.1.2.3);
 * 2. ITI-39 the manifest (`crossGatewayRetrieve`), read by wado-rs-kos.ts (bounded);
 * 3. RAD-75 every image it references (`crossGatewayRetrieveImagingDocumentSet`, streaming),
 *    written as multipart parts while they arrive (wado-rs-multipart.ts).
 * The patient comes from the bearer token (wado-rs-token.ts): validated on the integration port,
 * read unverified on the sandbox port. Answers: 200 every instance; 206 some instances (others
 * failed: PS3.18 10.4.3 Partial Content); 400 a bad UID or token; 401 no token; 404 unknown
 * community (XDSUnknownCommunity coding) or study; 406 an Accept it cannot answer, or a transfer
 * syntax the community cannot give; 502 / 504 a failed or timed-out community, or an unusable
 * manifest. Recorded before the first byte: a TransactionEvent (WADO-RS, protocol mhd, `studies`,
 * every leg with its transaction), or a FaultEvent for a refusal.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { LegEvent, RequestedStudy, TransactionEvent } from '../events/transaction-events.js';
import { operationOutcome } from '../fhir/operation-outcome.js';
import { registryErrorToIssue } from '../mhd/registry-errors.js';
import { MhdTransaction } from '../shared/fhir-endpoints.js';
import { isHomeCommunityId, isOid } from '../shared/ids.js';
import { deliver } from '../soap/delivery.js';
import { EntryStatus, ErrorCode, ReferenceIdType, StoredQueryId, Transaction } from '../xca/constants.js';
import { encodeStringList, quoteString } from '../xca/slot-value.js';
import { QueryParam } from '../xca/stored-query-params.js';
import type { AdhocQueryRequest, RetrieveDocumentSetResponse } from '../xca/types.js';
import type { RetrieveImagingDocumentSetRequest } from '../xca/retrieve-imaging-document-set.js';
import { forRequest, type BrokerContext } from './context.js';
import { crossGatewayQuery } from './cross-gateway-query.js';
import { crossGatewayRetrieve } from './cross-gateway-retrieve.js';
import {
  DEFAULT_IMAGING_IDLE_TIMEOUT_MS,
  crossGatewayRetrieveImagingDocumentSet,
} from './cross-gateway-retrieve-imaging.js';
import { documentEntriesOf } from './retrieve-document-entry.js';
import { fhirRequestFacts } from './fhir-record.js';
import { unverifiedRequester, type FhirSecurity } from './iua-enforcement.js';
import {
  admitOrRefuse,
  errorOutcome,
  noteArrival,
  recordTransaction,
  refuse,
  requestContextOf,
  sendOutcome,
} from './retrieve-document-http.js';
import type { AssertionForwarder } from './xua-forward.js';
import { retrieveFailure, type RetrieveFailure } from './retrieve-document-outcome.js';
import { resolveTarget } from './targets.js';
import { readDicomAccept, type AcceptedDicom } from './wado-rs-accept.js';
import { KOS_SOP_CLASS, KosManifestError, readKosManifest, type KosSeries } from './wado-rs-kos.js';
import { newBoundary, wadoRsEntity } from './wado-rs-multipart.js';
import { tokenPatient } from './wado-rs-token.js';

/** Options of {@link wadoRsRouter}. */
export interface WadoRsOptions {
  context: BrokerContext;
  /**
   * The integration port: mutual TLS and a valid IUA token (iua-enforcement.ts), whose patient the
   * study is looked up for; absent: the open sandbox port (the token read unverified).
   */
  security?: FhirSecurity;
  /** Make every leg carry a broker-signed XUA assertion naming the patient (secured communities). */
  forward?: AssertionForwarder;
  /** How long a community's DICOM parts may stall once its root part is in, ms (default 5 minutes). */
  imagingIdleTimeoutMs?: number;
}

const WADO = MhdTransaction.WadoRs;

/** The path under the router's mount point (FhirPath.wadoRs). */
export const WADO_RS_STUDY_ROUTE = '/:homeCommunityId/studies/:studyInstanceUid';

/**
 * The WADO-RS router, to mount at `FhirPath.wadoRs`: `GET /{homeCommunityId}/studies/
 * {studyInstanceUid}`. `homeCommunityId` is `urn:oid:<oid>` (or the bare OID).
 */
export function wadoRsRouter(opts: WadoRsOptions): Router {
  const router = express.Router();
  let seq = 0;
  router.get(WADO_RS_STUDY_ROUTE, (req, res, next) => {
    retrieveStudy(opts, `wado.${++seq}`, req, res).catch(next);
  });
  return router;
}

/** FindDocumentsByReferenceId for the study's manifest (Approved entries of the patient). */
export function studyManifestQuery(
  patientCx: string,
  studyInstanceUid: string,
  home: string,
): AdhocQueryRequest {
  return {
    returnType: 'LeafClass',
    returnComposedObjects: true,
    queryId: StoredQueryId.FindDocumentsByReferenceId,
    home,
    slots: [
      { name: QueryParam.patientId, values: [quoteString(patientCx)] },
      { name: QueryParam.status, values: [encodeStringList([EntryStatus.Approved])] },
      {
        name: QueryParam.referenceIdList,
        values: [encodeStringList([`${studyInstanceUid}^^^^${ReferenceIdType.studyInstanceUid}`])],
      },
    ],
  };
}

async function retrieveStudy(opts: WadoRsOptions, tag: string, req: Request, res: Response): Promise<void> {
  noteArrival(opts.context, res);
  const bc = forRequest(opts.context);
  const facts = fhirRequestFacts(req);
  const unverified = unverifiedRequester(facts.consumerId, req.headers.authorization);
  const rawHome = String(req.params.homeCommunityId ?? '');
  const home = rawHome.startsWith('urn:oid:') ? rawHome : `urn:oid:${rawHome}`;
  const study = String(req.params.studyInstanceUid ?? '');
  if (!isHomeCommunityId(home)) {
    const bad = errorOutcome(
      'invalid',
      `'${rawHome.slice(0, 80)}' is not a homeCommunityId: expected urn:oid:<OID>, at most 64 characters`,
      'homeCommunityId',
    );
    return refuse(bc, facts, res, WADO, 400, bad, unverified);
  }
  if (!isOid(study)) {
    const bad = errorOutcome(
      'invalid',
      `'${study.slice(0, 80)}' is not a Study Instance UID: dotted digits, at most 64 characters (DICOM PS3.5 9.1)`,
      'studyInstanceUid',
    );
    return refuse(bc, facts, res, WADO, 400, bad, unverified);
  }
  const accepted = readDicomAccept(req.headers.accept);
  if ('notAcceptable' in accepted)
    return refuse(
      bc,
      facts,
      res,
      WADO,
      406,
      errorOutcome('not-supported', accepted.notAcceptable),
      unverified,
    );
  const admission = await admitOrRefuse(bc, req, res, facts, WADO, opts.security, opts.forward);
  if (!admission) return;
  const requester = admission.requester;
  const token = tokenPatient(req, admission);
  if (!token.ok) return refuse(bc, facts, res, WADO, token.status, token.outcome, requester, token.headers);
  const routed = resolveTarget(bc.directory, facts.consumerId, home);
  if ('error' in routed) {
    const unknown = operationOutcome([registryErrorToIssue({ ...routed.error, location: home })]);
    return refuse(bc, facts, res, WADO, 404, unknown, requester);
  }
  const rc = requestContextOf(facts, requester, admission.deadlineAt);
  // Every leg about the token's patient (the broker-signed assertion names it when forwarding).
  const ctx = admission.contextFor(token.patientCx);
  const startedAt = bc.clock.now();
  const legs: LegEvent[] = [];
  /** What this request's event says whatever the core's events say (the MHD request's own facts). */
  const own = {
    transaction: WADO,
    protocol: 'mhd' as const,
    endpoint: facts.endpoint,
    requestLine: facts.requestLine,
    patient: token.nhsNumber,
    patientId: token.patientCx,
    startedAt,
    legs,
  };
  const finish = (e: TransactionEvent): TransactionEvent => ({
    ...e,
    legs,
    durationMs: bc.clock.now() - startedAt,
  });
  const fail = async (
    event: TransactionEvent,
    f: { status: number; outcome: RetrieveFailure['outcome'] },
  ) => {
    const body = JSON.stringify(f.outcome);
    if (await recordTransaction(bc, res, finish({ ...event, resultCount: 0, responseBody: body })))
      sendOutcome(res, f.status, f.outcome);
  };

  // 1. The study's manifest entry.
  const query = await crossGatewayQuery(
    studyManifestQuery(token.patientCx, study, home),
    token.patientCx,
    rc,
    ctx,
    { transaction: WADO },
  );
  legs.push(...query.event.legs);
  const head: TransactionEvent = { ...query.event, ...own };
  const manifest = documentEntriesOf(query.response.objects, bc.logger).find(
    (e) => e.formatCode.code === KOS_SOP_CLASS || e.mimeType === 'application/dicom',
  );
  if (!manifest) {
    const failed = query.response.errors.some((e) => e.errorCode === ErrorCode.XDSUnavailableCommunity);
    const notFound = `no imaging manifest of study ${study} for patient ${token.nhsNumber} in ${home}`;
    return fail(
      head,
      failed ? retrieveFailure(query.response.errors, legs, notFound) : retrieveFailure([], [], notFound),
    );
  }
  // 2. The manifest itself.
  const kosRequest = {
    homeCommunityId: manifest.homeCommunityId !== '' ? manifest.homeCommunityId : home,
    repositoryUniqueId: manifest.repositoryUniqueId,
    documentUniqueId: manifest.uniqueId,
  };
  const kos = await crossGatewayRetrieve({ documents: [kosRequest] }, rc, ctx, { transaction: WADO });
  legs.push(...kos.event.legs);
  const kosEvent: TransactionEvent = { ...head, status: kos.event.status, errors: kos.event.errors };
  const kosDoc = kos.response.documents.find((d) => d.documentUniqueId === manifest.uniqueId);
  if (!kosDoc)
    return fail(
      kosEvent,
      retrieveFailure(
        kos.response.errors,
        legs,
        `the manifest ${manifest.uniqueId} of study ${study} was not returned`,
      ),
    );
  let series: KosSeries[];
  try {
    series = readKosManifest(kosDoc.content, study);
  } catch (err) {
    if (!(err instanceof KosManifestError)) throw err;
    return fail(kosEvent, {
      status: 502,
      outcome: errorOutcome(
        'processing',
        `${home} returned a manifest for study ${study} the broker cannot read: ${err.message}`,
      ),
    });
  }
  if (series.length === 0)
    return fail(
      kosEvent,
      retrieveFailure([], [], `the manifest of study ${study} in ${home} references no image of it`),
    );

  // 3. The images, streamed.
  const imaging = imagingRequest(study, series, home, accepted);
  const result = await crossGatewayRetrieveImagingDocumentSet(imaging.request, rc, ctx, {
    idleTimeoutMs: opts.imagingIdleTimeoutMs ?? DEFAULT_IMAGING_IDLE_TIMEOUT_MS,
    messageTag: tag,
  });
  try {
    legs.push(...result.event.legs.map((l) => ({ ...l, transaction: Transaction.Rad75 })));
    const studies: RequestedStudy[] = (result.event.studies ?? []).map((s) => ({
      ...s,
      patient: token.nhsNumber,
    }));
    const event: TransactionEvent = {
      ...head,
      status: result.event.status,
      errors: result.event.errors,
      resultCount: result.response.documents.length,
      studies,
    };
    if (result.response.documents.length === 0) {
      result.parts.close();
      return fail(event, imagingFailure(result.response, legs, accepted, study, home));
    }
    if (!(await recordTransaction(bc, res, finish(event)))) return;
    const partial = result.response.documents.length < imaging.count;
    try {
      await deliver(
        res,
        partial ? 206 : 200,
        wadoRsEntity(result.parts, newBoundary(), accepted.partTransferSyntax),
      );
      if (!res.writableEnded) res.end();
    } catch (err) {
      // The status line is out: only an aborted connection tells the consumer the body is incomplete.
      bc.logger.error(
        { err, study, home },
        'WADO-RS: the study could not be relayed whole; connection aborted',
      );
      res.destroy();
    }
  } finally {
    result.parts.close();
  }
}

/** The RAD-75 request for the manifest's series (home from the manifest, else the community asked). */
function imagingRequest(
  study: string,
  series: readonly KosSeries[],
  home: string,
  accepted: AcceptedDicom,
): { request: RetrieveImagingDocumentSetRequest; count: number } {
  let count = 0;
  const request: RetrieveImagingDocumentSetRequest = {
    studies: [
      {
        studyInstanceUid: study,
        series: series.map((s) => ({
          seriesInstanceUid: s.seriesInstanceUid,
          documents: s.sopInstanceUids.map((uid) => {
            count++;
            return {
              homeCommunityId: s.homeCommunityId ?? home,
              repositoryUniqueId: s.repositoryUniqueId,
              documentUniqueId: uid,
            };
          }),
        })),
      },
    ],
    transferSyntaxUids: accepted.transferSyntaxUids,
  };
  return { request, count };
}

/**
 * No image came back. When the consumer named one transfer syntax and the community refused every
 * image with XDSRepositoryError (the RAD-75 answer to a transfer syntax it cannot give, RAD TF-3
 * 4.75.4.1.3 / RAD-69), that is a 406 carrying the community's errors (they say what it serves);
 * otherwise as any failed retrieve (retrieve-document-outcome.ts).
 */
function imagingFailure(
  response: RetrieveDocumentSetResponse,
  legs: readonly LegEvent[],
  accepted: AcceptedDicom,
  study: string,
  home: string,
): { status: number; outcome: RetrieveFailure['outcome'] } {
  const errors = response.errors;
  if (
    accepted.partTransferSyntax !== undefined &&
    errors.length > 0 &&
    errors.every((e) => e.errorCode === ErrorCode.XDSRepositoryError)
  )
    return {
      status: 406,
      outcome: operationOutcome(
        errors.map((e) => ({ ...registryErrorToIssue(e), code: 'not-supported' as const })),
      ),
    };
  return retrieveFailure(errors, legs, `no image of study ${study} was returned by ${home}`);
}
