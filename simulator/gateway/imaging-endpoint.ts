/**
 * The responding gateway's `POST /xcai/rad75` endpoint: RAD-75 over SOAP 1.2 with a streamed
 * MTOM/XOP answer (IHE RAD TF-3 4.75; ITI TF-2 Appendix V). Faults for transaction `RAD-75` apply
 * here as for ITI-38/39: latency, SOAP fault, content faults, and transport directives that the
 * SOAP server carries out on the streamed body (reset, throttle, truncate, replace, hold).
 */
import type { RequestHandler } from 'express';
import type { FaultStore } from '../faults/fault-store.js';
import { applyToRetrieveResponse } from '../faults/message-effects.js';
import type { DeadlineClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { QName } from '../soap/namespaces.js';
import { createSoapEndpoint, type SoapRequest } from '../soap/server.js';
import { SoapAction, Transaction } from '../xca/constants.js';
import { decodeRetrieveImagingDocumentSetRequest } from '../xca/retrieve-imaging-document-set.js';
import { decodeBody } from '../xca/soap-binding.js';
import { XCA_WSDL } from '../xca/wsdl.js';
import type { CommunityStore } from './community-store.js';
import {
  imagingPatient,
  imagingResponseParts,
  respondToImagingRetrieve,
} from './cross-gateway-retrieve-imaging.js';
import { beginFaults, finishWithFaults } from './fault-injection.js';

/**
 * The express handlers of one community's RAD-75 endpoint (wsa:Action
 * urn:ihe:rad:2011:CrossGatewayRetrieveImagingDocumentSet; answer ...Response). With security on,
 * `authorize` runs first (the gateway's XUA check; it throws the SOAP Fault) and
 * `understoodHeaders` names the wsse:Security header it processes.
 */
export function createImagingEndpoint(opts: {
  community: CommunityStore;
  logger: Logger;
  maxBodyBytes: number;
  faults?: FaultStore;
  understoodHeaders?: QName[];
  authorize?: (sreq: SoapRequest) => void;
  /** Time for latency faults. */
  clock: DeadlineClock;
}): RequestHandler[] {
  const { community: c, logger, faults } = opts;
  const ctx = { homeCommunityId: c.homeCommunityId, displayName: c.displayName };
  let seq = 0;
  return createSoapEndpoint({
    action: SoapAction.CrossGatewayRetrieveImagingDocumentSet,
    wsdl: XCA_WSDL[Transaction.Rad75],
    maxBodyBytes: opts.maxBodyBytes,
    logger,
    ...(opts.understoodHeaders ? { understoodHeaders: opts.understoodHeaders } : {}),
    handler: async (sreq) => {
      opts.authorize?.(sreq);
      const req = decodeBody(() => decodeRetrieveImagingDocumentSetRequest(sreq.body));
      const patient = imagingPatient(req, c);
      const plan = await beginFaults(
        faults,
        { gateway: c.name, transaction: Transaction.Rad75, ...(patient ? { patient } : {}) },
        logger,
        opts.clock,
      );
      const result = await respondToImagingRetrieve(req, c);
      const resp = applyToRetrieveResponse(result.response, plan.content, ctx);
      const { bodyXml, parts } = imagingResponseParts(resp, result.bodies, `${c.name}.rad75.${++seq}`);
      return finishWithFaults(plan, {
        action: SoapAction.CrossGatewayRetrieveImagingDocumentSetResponse,
        bodyXml,
        ...(parts.length > 0 ? { streamedAttachments: parts } : {}),
      });
    },
  });
}
