/**
 * The NIR broker's consumer-facing face: a responding gateway towards suppliers on the sandbox
 * port (`POST /xca/iti38`, `POST /xca/iti39`), an initiating gateway towards the communities.
 * Open access like NIR's sandbox: a wsse:Security header is accepted and not enforced here.
 */
import express from 'express';
import { WSSE_NS } from '../soap/namespaces.js';
import { createSoapEndpoint, type SoapRequest } from '../soap/server.js';
import type { TransactionEvent } from '../control/events.js';
import { decodeAdhocQueryRequest } from '../xca/adhoc-query-request.js';
import { encodeAdhocQueryResponse } from '../xca/adhoc-query-response.js';
import { SoapAction } from '../xca/constants.js';
import { decodeRetrieveDocumentSetRequest } from '../xca/retrieve-document-set.js';
import { decodeBody, retrieveResponseParts } from '../xca/soap-binding.js';
import type { BrokerContext, RequestContext } from './context.js';
import { crossGatewayQuery } from './cross-gateway-query.js';
import { crossGatewayRetrieve } from './cross-gateway-retrieve.js';

/** The broker's consumer-facing paths. */
export const BrokerPath = { iti38: '/xca/iti38', iti39: '/xca/iti39' } as const;

/** HTTP header naming the consumer profile on the sandbox port. */
export const CONSUMER_HEADER = 'x-nir-consumer';

/** Options for the sandbox listener. */
export interface BrokerAppOptions {
  context: BrokerContext;
  /** Largest request accepted, bytes. */
  maxBodyBytes: number;
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
      ...(messageId !== undefined ? { messageId } : {}),
      ...(typeof consumer === 'string' && consumer !== '' ? { consumerId: consumer } : {}),
    };
  };
  const emit = (event: TransactionEvent, responseXml: string): void => {
    bc.events?.emit('transaction', { ...event, responseXml });
  };
  app.get('/health', (_req, res) => {
    res.json({ status: 'up', communities: bc.directory.communities.map((c) => c.homeCommunityId) });
  });
  app.post(
    BrokerPath.iti38,
    createSoapEndpoint({
      action: SoapAction.CrossGatewayQuery,
      maxBodyBytes: opts.maxBodyBytes,
      logger: bc.logger,
      understoodHeaders,
      handler: async (sreq) => {
        const req = decodeBody(() => decodeAdhocQueryRequest(sreq.body));
        const { response, event } = await crossGatewayQuery(req, requestContext(sreq), bc);
        const bodyXml = encodeAdhocQueryResponse(response);
        emit(event, bodyXml);
        return { action: SoapAction.CrossGatewayQueryResponse, bodyXml };
      },
    }),
  );
  app.post(
    BrokerPath.iti39,
    createSoapEndpoint({
      action: SoapAction.CrossGatewayRetrieve,
      maxBodyBytes: opts.maxBodyBytes,
      logger: bc.logger,
      understoodHeaders,
      handler: async (sreq) => {
        const req = decodeBody(() => decodeRetrieveDocumentSetRequest(sreq.body));
        const { response, event } = await crossGatewayRetrieve(req, requestContext(sreq), bc);
        const parts = retrieveResponseParts(response, `nir.${++seq}`);
        emit(event, parts.bodyXml);
        return { action: SoapAction.CrossGatewayRetrieveResponse, ...parts };
      },
    }),
  );
  return app;
}
