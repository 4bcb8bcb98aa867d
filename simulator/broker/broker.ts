/**
 * The NIR broker's consumer-facing face: a responding gateway towards suppliers on the sandbox
 * port (`POST /xca/iti38`, `POST /xca/iti39`, `POST /xcai/rad75`; `GET <path>?wsdl` describes each),
 * an initiating gateway towards the communities.
 * Open access on the sandbox port, like NIR's sandbox: a wsse:Security header is accepted and not
 * enforced. With `security` (the integration port, README "Security") the same endpoints deny by default:
 * no handler runs before xua-enforcement.ts admits the request.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import { WSSE_NS } from '../soap/namespaces.js';
import {
  createSoapEndpoint,
  requestEnvelopeOf,
  responseEnvelope,
  type SoapRequest,
  type SoapResponse,
} from '../soap/server.js';
import { newUrnUuid } from '../shared/ids.js';
import { serialize } from '../soap/xml.js';
import type { FaultEvent, TransactionEvent } from '../control/events.js';
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
} from './transaction-record.js';
import { admit, type BrokerSecurity } from './xua-enforcement.js';
import type { AssertionForwarder } from './xua-forward.js';
import { admissionControl } from './overload.js';

/** The broker's consumer-facing paths: the XCA endpoint table, the same paths a gateway serves. */
export const BrokerPath = XcaPath;

/** HTTP header naming the consumer profile on the sandbox port. */
export const CONSUMER_HEADER = 'x-nir-consumer';

/** Options for the sandbox listener. */
export interface BrokerAppOptions {
  context: BrokerContext;
  /** Largest request accepted, bytes. */
  maxBodyBytes: number;
  /**
   * Called for each consumer request answered with a SOAP Fault, synchronously, before the fault
   * is written (so an audit record exists before the answer). Default: emit `fault` on
   * `context.events`. A throw is logged, never turned into another answer.
   */
  onFault?: (event: FaultEvent) => void;
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

/** The broker's express app (sandbox port). */
export function createBrokerApp(opts: BrokerAppOptions): express.Express {
  const bc = opts.context;
  const app = express();
  app.disable('x-powered-by');
  let seq = 0;
  const understoodHeaders = [{ ns: WSSE_NS, local: 'Security' }];
  const requestContext = (sreq: SoapRequest): RequestContext => {
    const consumer = sreq.httpHeaders[CONSUMER_HEADER];
    const messageId = sreq.envelope.addressing.messageId;
    return {
      requestXml: sreq.rawXml,
      ...(sreq.deadlineAt !== undefined ? { deadlineAt: sreq.deadlineAt } : {}),
      ...(messageId !== undefined ? { messageId } : {}),
      ...(typeof consumer === 'string' && consumer !== '' ? { consumerId: consumer } : {}),
    };
  };
  /**
   * Emit the transaction with the response envelope exactly as the server will send it (its
   * wsa:MessageID fixed here; MTOM parts by reference), and return the answer carrying that id.
   */
  const emit = <R extends SoapResponse>(sreq: SoapRequest, event: TransactionEvent, answer: R): R => {
    const sent = { ...answer, messageId: newUrnUuid() };
    if (!bc.events || bc.events.listenerCount('transaction') === 0) return sent;
    const responseXml = responseEnvelope(sreq.envelope.addressing.messageId, sent);
    const attachments = answer.attachments ?? [];
    bc.events?.emit('transaction', {
      ...event,
      responseXml,
      ...(attachments.length > 0 ? { responseAttachments: attachmentRefs(attachments) } : {}),
    });
    return sent;
  };
  const auditing = (): boolean => (bc.events?.listenerCount('transaction') ?? 0) > 0;
  /** What the audit trail needs beyond the transaction itself (only computed when someone listens). */
  const auditFacts = (
    sreq: SoapRequest,
    path: string,
    validated?: TransactionEvent['requester'],
  ): Partial<TransactionEvent> => {
    const rc = requestContext(sreq);
    const host = sreq.httpHeaders.host;
    return {
      requester: validated ?? requesterFromRequest(rc.consumerId, sreq.envelope.headerBlocks),
      ...(host !== undefined ? { endpoint: `${sreq.tls ? 'https' : 'http'}://${host}${path}` } : {}),
      ...(sreq.remoteAddress !== undefined ? { remoteAddress: sreq.remoteAddress } : {}),
    };
  };
  const onFault = opts.onFault ?? ((e: FaultEvent) => void bc.events?.emit('fault', e));
  const admission = bc.admission ? admissionControl(bc.admission, bc.clock, bc.logger) : undefined;
  const audited = (transaction: Transaction, path: string): RequestHandler[] => [
    auditFaults(transaction, path, opts, onFault),
    ...(admission ? [admission.onArrival] : []),
  ];
  const afterBodyRead = admission ? { afterBodyRead: admission.afterBodyRead } : {};
  app.get('/health', (_req, res) => {
    res.json({ status: 'up', communities: bc.directory.communities.map((c) => c.homeCommunityId) });
  });
  app.all(
    BrokerPath.iti38,
    ...audited(Transaction.Iti38, BrokerPath.iti38),
    createSoapEndpoint({
      action: SoapAction.CrossGatewayQuery,
      wsdl: XCA_WSDL[Transaction.Iti38],
      maxBodyBytes: opts.maxBodyBytes,
      logger: bc.logger,
      understoodHeaders,
      ...afterBodyRead,
      handler: async (sreq) => {
        const admission = admit(sreq, forRequest(bc), opts.security, opts.forward);
        const req = decodeBody(() => decodeAdhocQueryRequest(sreq.body));
        const patientId = storedQueryPatientId(req);
        const ctx = admission.contextFor(patientId);
        const { response, event } = await crossGatewayQuery(req, requestContext(sreq), ctx);
        const bodyXml = encodeAdhocQueryResponse(response);
        const facts: Partial<TransactionEvent> = auditing()
          ? {
              ...auditFacts(sreq, BrokerPath.iti38, admission.requester),
              ...(patientId !== undefined ? { patientId } : {}),
              queryXml: serialize(sreq.body),
              returnedDocuments: returnedDocuments(response.objects),
              returnedObjectRefs: returnedObjectRefs(response.objects),
            }
          : {};
        return emit(sreq, { ...event, ...facts }, { action: SoapAction.CrossGatewayQueryResponse, bodyXml });
      },
    }),
  );
  app.all(
    BrokerPath.iti39,
    ...audited(Transaction.Iti39, BrokerPath.iti39),
    createSoapEndpoint({
      action: SoapAction.CrossGatewayRetrieve,
      wsdl: XCA_WSDL[Transaction.Iti39],
      maxBodyBytes: opts.maxBodyBytes,
      logger: bc.logger,
      understoodHeaders,
      ...afterBodyRead,
      handler: async (sreq) => {
        const admission = admit(sreq, forRequest(bc), opts.security, opts.forward);
        const req = decodeBody(() => decodeRetrieveDocumentSetRequest(sreq.body));
        const ctx = admission.contextFor(undefined);
        const { response, event } = await crossGatewayRetrieve(req, requestContext(sreq), ctx);
        const parts = retrieveResponseParts(response, `nir.${++seq}`);
        const facts = auditing() ? auditFacts(sreq, BrokerPath.iti39, admission.requester) : {};
        return emit(
          sreq,
          { ...event, ...facts },
          { action: SoapAction.CrossGatewayRetrieveResponse, ...parts },
        );
      },
    }),
  );
  app.all(
    BrokerPath.rad75,
    ...audited(Transaction.Rad75, BrokerPath.rad75),
    createSoapEndpoint({
      action: SoapAction.CrossGatewayRetrieveImagingDocumentSet,
      wsdl: XCA_WSDL[Transaction.Rad75],
      maxBodyBytes: opts.maxBodyBytes,
      logger: bc.logger,
      understoodHeaders,
      ...afterBodyRead,
      handler: async (sreq) => {
        const admission = admit(sreq, forRequest(bc), opts.security, opts.forward);
        const req = decodeBody(() => decodeRetrieveImagingDocumentSetRequest(sreq.body));
        // The parts stream after the answer's event is emitted: the patients they named follow it
        // as a 'relayed-patients' event for the same transaction (README "Audit (PARS)").
        let emitted: TransactionEvent | undefined;
        const answer = await crossGatewayRetrieveImagingDocumentSet(
          req,
          requestContext(sreq),
          admission.contextFor(undefined),
          {
            idleTimeoutMs: opts.imagingIdleTimeoutMs ?? DEFAULT_IMAGING_IDLE_TIMEOUT_MS,
            messageTag: `nir.${++seq}`,
            onRelayedPatients: (patients) => {
              if (!emitted || !bc.events || bc.events.listenerCount('relayed-patients') === 0) return;
              try {
                bc.events.emit('relayed-patients', { transaction: emitted, patients });
              } catch (err) {
                // The answer has left: the failure can only be logged (the relay must not break).
                bc.logger.error(
                  { err, messageId: emitted.messageId },
                  'could not record the patients of RAD-75 parts',
                );
              }
            },
          },
        );
        try {
          const facts = auditing() ? auditFacts(sreq, BrokerPath.rad75, admission.requester) : {};
          emitted = { ...answer.event, ...facts };
          return emit(sreq, emitted, {
            action: SoapAction.CrossGatewayRetrieveImagingDocumentSetResponse,
            bodyXml: answer.bodyXml,
            streamedAttachments: answer.parts,
          });
        } catch (err) {
          answer.parts.close();
          throw err;
        }
      },
    }),
  );
  return app;
}

/**
 * Express middleware in front of a SOAP endpoint: when the answer turns out to be a SOAP Fault
 * (HTTP status >= 400 at the first byte written), build a FaultEvent from the request and the
 * fault and hand it to `onFault` before that byte leaves. The SOAP layer is not changed: this
 * watches the response's first write.
 */
function auditFaults(
  transaction: Transaction,
  path: string,
  opts: BrokerAppOptions,
  onFault: (e: FaultEvent) => void,
): RequestHandler {
  const bc = opts.context;
  return (req, res, next) => {
    // Only POST is an exchange; GET ?wsdl and 405s are not transactions to audit.
    if (req.method !== 'POST') {
      next();
      return;
    }
    const startedAt = bc.clock.now();
    let seen = false;
    const observe = (chunk: unknown): void => {
      if (seen) return;
      seen = true;
      if (res.statusCode < 400) return;
      try {
        onFault(
          faultEvent(faultSource(req, res, path), res.statusCode, chunk, transaction, startedAt, bc.clock),
        );
      } catch (err) {
        bc.logger.error({ err }, 'could not record the SOAP fault for audit');
      }
    };
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => typeof res;
    res.write = ((...a: unknown[]) => {
      observe(a[0]);
      return write(...a);
    }) as typeof res.write;
    res.end = ((...a: unknown[]) => {
      observe(typeof a[0] === 'function' ? undefined : a[0]);
      return end(...a);
    }) as typeof res.end;
    next();
  };
}

function faultSource(req: Request, res: Response, path: string): Parameters<typeof faultEvent>[0] {
  const consumer = req.headers[CONSUMER_HEADER];
  const host = req.headers.host;
  const envelope = requestEnvelopeOf(res);
  return {
    ...(Buffer.isBuffer(req.body) ? { body: req.body } : {}),
    ...(envelope !== undefined ? { envelope } : {}),
    ...(req.headers['content-type'] !== undefined ? { contentType: req.headers['content-type'] } : {}),
    ...(typeof consumer === 'string' && consumer !== '' ? { consumerId: consumer } : {}),
    ...(host !== undefined ? { endpoint: `${req.protocol}://${host}${path}` } : {}),
    ...(req.socket.remoteAddress !== undefined ? { remoteAddress: req.socket.remoteAddress } : {}),
  };
}
