/**
 * The NIR broker's consumer-facing face: a responding gateway towards suppliers on the sandbox
 * port (`POST /xca/iti38`, `POST /xca/iti39`, `POST /xcai/rad75`; `GET <path>?wsdl` describes each),
 * an initiating gateway towards the communities.
 * Open access on the sandbox port, like NIR's sandbox: a wsse:Security header is accepted and not
 * enforced. With `security` (the integration port, docs/security.md) the same endpoints deny by default:
 * no handler runs before xua-enforcement.ts admits the request.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { BrokerRecord, TransactionEvent } from '../events/transaction-events.js';
import { WSSE_NS } from '../soap/namespaces.js';
import { faultHttpResponse } from '../soap/fault.js';
import {
  createSoapEndpoint,
  responseEnvelopeParts,
  type SoapFaultReport,
  type SoapRequest,
  type SoapResponse,
} from '../soap/server.js';
import type { Clock } from '../shared/clock.js';
import { newUrnUuid } from '../shared/ids.js';
import { serialize } from '../soap/xml.js';
import { decodeAdhocQueryRequest } from '../xca/adhoc-query-request.js';
import { encodeAdhocQueryResponse } from '../xca/adhoc-query-response.js';
import { SoapAction, Transaction } from '../xca/constants.js';
import { XcaPath } from '../shared/xca-endpoints.js';
import { storedQueryPatientId } from '../xca/stored-query.js';
import { decodeRetrieveDocumentSetRequest } from '../xca/retrieve-document-set.js';
import { decodeBody, retrieveResponseParts } from '../xca/soap-binding.js';
import { forRequest, type BrokerContext, type RequestContext } from './context.js';
import { crossGatewayQuery } from './cross-gateway-query.js';
import { crossGatewayRetrieve } from './cross-gateway-retrieve.js';
import { ebrimObjects } from './ebrim-objects.js';
import {
  DEFAULT_IMAGING_IDLE_TIMEOUT_MS,
  crossGatewayRetrieveImagingDocumentSet,
} from './cross-gateway-retrieve-imaging.js';
import { decodeRetrieveImagingDocumentSetRequest } from '../xca/retrieve-imaging-document-set.js';
import { XCA_WSDL } from '../xca/wsdl.js';
import {
  attachmentRefs,
  faultEvent,
  requesterFromRequest,
  returnedDocuments,
  returnedObjectRefs,
  type HttpFacts,
} from './transaction-record.js';
import { admit, type BrokerSecurity } from './xua-enforcement.js';
import type { AssertionForwarder } from './xua-forward.js';
import { admissionControl } from './overload.js';

/** HTTP header naming the consumer profile on the sandbox port. */
export const CONSUMER_HEADER = 'x-nir-consumer';

/** Options for the sandbox listener. */
export interface BrokerAppOptions {
  context: BrokerContext;
  /** Largest request accepted, bytes. */
  maxBodyBytes: number;
  /** Enforce mTLS + XUA on every request (the integration port); absent on the open sandbox port. */
  security?: BrokerSecurity;
  /** Make every community leg carry a broker-signed XUA assertion (when the communities require one). */
  forward?: AssertionForwarder;
  /**
   * RAD-75: how long a community's DICOM parts may stall once its root part is in, ms (default
   * DEFAULT_IMAGING_IDLE_TIMEOUT_MS, 5 minutes; the per-community deadline covers the root part).
   */
  imagingIdleTimeoutMs?: number;
}

/**
 * The broker's express app (sandbox port). Every POST is recorded through `context.recorder`
 * before its answer's first byte is written (docs/architecture.md "Audit pipeline"): a
 * TransactionEvent built by the handler, or a FaultEvent for a SOAP Fault (reported by the SOAP
 * endpoint's `onFault`, or by admission control when it refuses the request). A recorder that
 * rejects turns an answer into env:Receiver (no answer without its record); a fault is sent anyway.
 */
export function createBrokerApp(opts: BrokerAppOptions): express.Express {
  const bc = opts.context;
  const app = express();
  app.disable('x-powered-by');
  let seq = 0;
  const understoodHeaders = [{ ns: WSSE_NS, local: 'Security' }];
  /** What the SOAP layer and admission know of the request, read once. */
  const requestContext = (
    sreq: SoapRequest,
    path: string,
    validated: RequestContext['requester'],
  ): RequestContext => {
    const consumer = sreq.httpHeaders[CONSUMER_HEADER];
    const consumerId = typeof consumer === 'string' && consumer !== '' ? consumer : undefined;
    const messageId = sreq.envelope.addressing.messageId;
    const host = sreq.httpHeaders.host;
    return {
      requestXml: sreq.rawXml,
      ...(sreq.deadlineAt !== undefined ? { deadlineAt: sreq.deadlineAt } : {}),
      ...(messageId !== undefined ? { messageId } : {}),
      ...(consumerId !== undefined ? { consumerId } : {}),
      requester: validated ?? requesterFromRequest(consumerId, sreq.envelope.headerBlocks),
      ...(host !== undefined ? { endpoint: `${sreq.tls ? 'https' : 'http'}://${host}${path}` } : {}),
      ...(sreq.remoteAddress !== undefined ? { remoteAddress: sreq.remoteAddress } : {}),
    };
  };
  const record = async (r: BrokerRecord): Promise<void> => {
    await bc.recorder?.record(r);
  };
  /**
   * Record the transaction with the response envelope exactly as the server will send it (its
   * wsa:MessageID fixed here; MTOM parts by reference), then return the answer carrying that id.
   */
  const answer = async <R extends SoapResponse>(
    sreq: SoapRequest,
    event: TransactionEvent,
    response: R,
  ): Promise<R> => {
    const sent = { ...response, messageId: newUrnUuid() };
    if (!bc.recorder) return sent;
    // Built once: the record holds its text, the server sends its pieces.
    const envelope = responseEnvelopeParts(sreq.envelope.addressing.messageId, sent);
    const attachments = response.attachments ?? [];
    await record({
      kind: 'transaction',
      event: {
        ...event,
        responseXml: envelope.head + envelope.body + envelope.tail,
        ...(attachments.length > 0 ? { responseAttachments: attachmentRefs(attachments) } : {}),
      },
    });
    return { ...sent, envelope };
  };
  /** Records the faults the SOAP endpoint and admission answer at `path` as FaultEvents. */
  const faultRecorder = (transaction: Transaction, path: string) => {
    return async (report: SoapFaultReport, req: Request, res: Response): Promise<void> => {
      if (!bc.recorder) return;
      const arrived: unknown = res.locals[RECEIVED_AT];
      const startedAt = typeof arrived === 'number' ? arrived : bc.clock.now();
      await record({
        kind: 'fault',
        event: faultEvent(report, httpFacts(req, path), transaction, startedAt, bc.clock),
      });
    };
  };
  /** The handlers of one endpoint: arrival time, admission control, the SOAP endpoint. */
  const endpoint = (
    transaction: Transaction,
    path: string,
    action: string,
    handler: (sreq: SoapRequest) => Promise<SoapResponse>,
  ): RequestHandler[] => {
    const onFault = faultRecorder(transaction, path);
    const admission =
      bc.admission &&
      admissionControl(bc.admission, bc.clock, bc.logger, (req, res, fault) =>
        onFault({ fault, httpStatus: faultHttpResponse(fault).status }, req, res),
      );
    return [
      noteArrival(bc.clock),
      ...(admission ? [admission.onArrival] : []),
      ...createSoapEndpoint({
        action,
        wsdl: XCA_WSDL[transaction],
        maxBodyBytes: opts.maxBodyBytes,
        logger: bc.logger,
        understoodHeaders,
        onFault,
        ...(admission ? { afterBodyRead: admission.afterBodyRead } : {}),
        handler,
      }),
    ];
  };
  app.get('/health', (_req, res) => {
    res.json({ status: 'up', communities: bc.directory.communities.map((c) => c.homeCommunityId) });
  });
  app.all(
    XcaPath.iti38,
    ...endpoint(Transaction.Iti38, XcaPath.iti38, SoapAction.CrossGatewayQuery, async (sreq) => {
      const admission = admit(sreq, forRequest(bc), opts.security, opts.forward);
      const req = decodeBody(() => decodeAdhocQueryRequest(sreq.body));
      // The patient id is read here, once: admission checks it against the assertion's
      // resource-id, the query plans its legs with it, the audit records it as sent.
      const patientId = storedQueryPatientId(req);
      const ctx = admission.contextFor(patientId);
      const rc = requestContext(sreq, XcaPath.iti38, admission.requester);
      const { response, event } = await crossGatewayQuery(req, patientId, rc, ctx);
      const objects = ebrimObjects(response.objects, req.returnType);
      const bodyXml = encodeAdhocQueryResponse({ ...response, objects });
      return answer(
        sreq,
        {
          ...event,
          queryXml: serialize(sreq.body),
          storedQuery: { id: req.queryId, ...(req.home ? { home: req.home } : {}) },
          returnedDocuments: returnedDocuments(response.objects, req.returnType),
          returnedObjectRefs: returnedObjectRefs(response.objects, req.returnType),
        },
        { action: SoapAction.CrossGatewayQueryResponse, bodyXml },
      );
    }),
  );
  app.all(
    XcaPath.iti39,
    ...endpoint(Transaction.Iti39, XcaPath.iti39, SoapAction.CrossGatewayRetrieve, async (sreq) => {
      const admission = admit(sreq, forRequest(bc), opts.security, opts.forward);
      const req = decodeBody(() => decodeRetrieveDocumentSetRequest(sreq.body));
      const ctx = admission.contextFor(undefined);
      const rc = requestContext(sreq, XcaPath.iti39, admission.requester);
      const { response, event } = await crossGatewayRetrieve(req, rc, ctx);
      const parts = retrieveResponseParts(response, `nir.${++seq}`);
      return answer(sreq, event, { action: SoapAction.CrossGatewayRetrieveResponse, ...parts });
    }),
  );
  app.all(
    XcaPath.rad75,
    ...endpoint(
      Transaction.Rad75,
      XcaPath.rad75,
      SoapAction.CrossGatewayRetrieveImagingDocumentSet,
      async (sreq) => {
        const admission = admit(sreq, forRequest(bc), opts.security, opts.forward);
        const req = decodeBody(() => decodeRetrieveImagingDocumentSetRequest(sreq.body));
        const rc = requestContext(sreq, XcaPath.rad75, admission.requester);
        // The parts stream after the answer's TransactionEvent is recorded: the patients they
        // named follow it as a 'relayed-patients' record of the same transaction (docs/audit.md).
        let recorded: TransactionEvent | undefined;
        const result = await crossGatewayRetrieveImagingDocumentSet(
          req,
          rc,
          admission.contextFor(undefined),
          {
            idleTimeoutMs: opts.imagingIdleTimeoutMs ?? DEFAULT_IMAGING_IDLE_TIMEOUT_MS,
            messageTag: `nir.${++seq}`,
            onRelayedPatients: (patients) => {
              if (!recorded) return;
              const transaction = recorded;
              // The answer has left: a failure can only be logged (the relay must not break).
              record({ kind: 'relayed-patients', event: { transaction, patients } }).catch((err: unknown) =>
                bc.logger.error(
                  { err, messageId: transaction.messageId },
                  'could not record the patients of RAD-75 parts',
                ),
              );
            },
          },
        );
        try {
          recorded = result.event;
          return await answer(sreq, result.event, {
            action: SoapAction.CrossGatewayRetrieveImagingDocumentSetResponse,
            bodyXml: result.bodyXml,
            streamedAttachments: result.parts,
          });
        } catch (err) {
          result.parts.close();
          throw err;
        }
      },
    ),
  );
  return app;
}

/** res.locals key of the time a request arrived (the broker's clock), epoch ms. */
const RECEIVED_AT = 'brokerReceivedAt';

/** Note when the request arrived, before its body is read: a FaultEvent's `startedAt`. */
function noteArrival(clock: Clock): RequestHandler {
  return (_req, res, next) => {
    res.locals[RECEIVED_AT] = clock.now();
    next();
  };
}

/** The consumer, the URL called and the peer address of a request, from its HTTP exchange. */
function httpFacts(req: Request, path: string): HttpFacts {
  const consumer = req.headers[CONSUMER_HEADER];
  const host = req.headers.host;
  return {
    ...(typeof consumer === 'string' && consumer !== '' ? { consumerId: consumer } : {}),
    ...(host !== undefined ? { endpoint: `${req.protocol}://${host}${path}` } : {}),
    ...(req.socket.remoteAddress !== undefined ? { remoteAddress: req.socket.remoteAddress } : {}),
  };
}
