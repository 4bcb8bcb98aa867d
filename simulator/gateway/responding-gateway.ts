/**
 * A simulated XCA responding gateway for one community: `POST /xca/iti38` and `POST /xca/iti39`
 * over SOAP 1.2 (ITI TF-2 3.38, 3.39), `POST /xcai/rad75` (IHE RAD TF-3 4.75, imaging-endpoint.ts),
 * plus `GET /health`; `GET <path>?wsdl` describes each SOAP endpoint. Faults from the topology's
 * fault store apply here and nowhere else.
 */
import express from 'express';
import type { FaultStore } from '../faults/fault-store.js';
import { applyToQueryResponse, applyToRetrieveResponse } from '../faults/message-effects.js';
import { systemClock, type DeadlineClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { WSSE_NS } from '../soap/namespaces.js';
import { createSoapEndpoint, type SoapRequest } from '../soap/server.js';
import { XuaError } from '../security/xua-error.js';
import { checkResourceId, type XuaValidator } from '../security/xua-validate.js';
import { storedQueryPatientId } from '../xca/stored-query.js';
import { decodeAdhocQueryRequest } from '../xca/adhoc-query-request.js';
import { encodeAdhocQueryResponse } from '../xca/adhoc-query-response.js';
import { SoapAction, Transaction } from '../xca/constants.js';
import { XcaPath } from '../shared/xca-endpoints.js';
import { decodeRetrieveDocumentSetRequest } from '../xca/retrieve-document-set.js';
import { decodeBody, retrieveResponseParts } from '../xca/soap-binding.js';
import { XCA_WSDL } from '../xca/wsdl.js';
import type { CommunityStore } from './community-store.js';
import { respondToQuery } from './cross-gateway-query.js';
import { cachedEntryEncoder } from './encoded-entries.js';
import { respondToRetrieve } from './cross-gateway-retrieve.js';
import { beginFaults, finishWithFaults } from './fault-injection.js';
import { createImagingEndpoint } from './imaging-endpoint.js';
import { queryPatient, retrievePatient } from './request-patient.js';

/** Options for one simulated responding gateway. */
export interface RespondingGatewayOptions {
  community: CommunityStore;
  logger: Logger;
  /** Largest request accepted, bytes. */
  maxBodyBytes: number;
  /** The topology's faults; none apply when absent. */
  faults?: FaultStore;
  /**
   * Security on (docs/security.md): ITI-38 / ITI-39 must carry a valid XUA assertion (IHE ITI-40) from the
   * broker (audience: this community's homeCommunityId; trust pinned to NIR's signing
   * certificate), else a SOAP Fault wsse:InvalidSecurity / wsse:FailedAuthentication.
   */
  xua?: XuaValidator;
  /**
   * Time for latency faults and XUA validity (NotBefore / NotOnOrAfter, wsu:Timestamp, the
   * signer's certificate validity, replay expiry); default the system clock.
   */
  clock?: DeadlineClock;
}

/**
 * Run an XUA check (validation, or the resource-id rule) for `sreq`; its XuaError becomes the fault.
 * @throws SoapFaultError Sender with the wsse subcode when it fails.
 */
export function xuaCheck<T>(sreq: SoapRequest, logger: Logger, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof XuaError)) throw err;
    logger.warn({ failure: err.failure, detail: err.detail }, 'XUA: request refused');
    throw err.toSoapFault(sreq.envelope.addressing.messageId);
  }
}

/** An express app serving one community. */
export function createRespondingGateway(opts: RespondingGatewayOptions): express.Express {
  const { community: c, logger, maxBodyBytes, faults, xua } = opts;
  const clock = opts.clock ?? systemClock;
  const checkXua = (sreq: SoapRequest) =>
    xua && xuaCheck(sreq, logger, () => xua.validate(sreq.envelope, sreq.rawXml, new Date(clock.now())));
  const understoodHeaders = xua ? [{ ns: WSSE_NS, local: 'Security' }] : [];
  const ctx = { homeCommunityId: c.homeCommunityId, displayName: c.displayName };
  const app = express();
  app.disable('x-powered-by');
  let seq = 0;
  const encodeEntry = cachedEntryEncoder();
  app.get('/health', (_req, res) => {
    res.json({ community: c.name, homeCommunityId: c.homeCommunityId, status: 'up' });
  });
  app.all(
    XcaPath.iti38,
    ...createSoapEndpoint({
      action: SoapAction.CrossGatewayQuery,
      wsdl: XCA_WSDL[Transaction.Iti38],
      maxBodyBytes,
      logger,
      understoodHeaders,
      handler: async (sreq) => {
        const claims = checkXua(sreq);
        const req = decodeBody(() => decodeAdhocQueryRequest(sreq.body));
        if (claims) xuaCheck(sreq, logger, () => checkResourceId(claims, storedQueryPatientId(req)));
        const patient = queryPatient(req);
        const plan = await beginFaults(
          faults,
          { gateway: c.name, transaction: Transaction.Iti38, ...(patient ? { patient } : {}) },
          logger,
          clock,
        );
        const resp = applyToQueryResponse(respondToQuery(req, c, encodeEntry), plan.content, ctx);
        return finishWithFaults(plan, {
          action: SoapAction.CrossGatewayQueryResponse,
          bodyXml: encodeAdhocQueryResponse(resp),
        });
      },
    }),
  );
  app.all(
    XcaPath.iti39,
    ...createSoapEndpoint({
      action: SoapAction.CrossGatewayRetrieve,
      wsdl: XCA_WSDL[Transaction.Iti39],
      maxBodyBytes,
      logger,
      understoodHeaders,
      handler: async (sreq) => {
        checkXua(sreq);
        const req = decodeBody(() => decodeRetrieveDocumentSetRequest(sreq.body));
        const patient = retrievePatient(req, c);
        const plan = await beginFaults(
          faults,
          { gateway: c.name, transaction: Transaction.Iti39, ...(patient ? { patient } : {}) },
          logger,
          clock,
        );
        const resp = applyToRetrieveResponse(await respondToRetrieve(req, c), plan.content, ctx);
        const parts = retrieveResponseParts(resp, `${c.name}.${++seq}`);
        return finishWithFaults(plan, { action: SoapAction.CrossGatewayRetrieveResponse, ...parts });
      },
    }),
  );
  app.all(
    XcaPath.rad75,
    ...createImagingEndpoint({
      community: c,
      logger,
      maxBodyBytes,
      understoodHeaders,
      ...(faults ? { faults } : {}),
      clock,
      ...(xua ? { authorize: (sreq) => void checkXua(sreq) } : {}),
    }),
  );
  return app;
}
