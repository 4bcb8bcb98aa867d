/**
 * The broker's FHIR face (IHE MHD 4.2.x Document Responder grouped with the XCA Initiating
 * Gateway, MHD 1:33.6.2): an express Router mounted at `FhirPath.fhirBase` on the sandbox port and
 * on the integration port, serving
 * - `GET metadata`: the CapabilityStatement (FHIR R4 HTTP 3.1.0.13; mhd/capability-statement.ts);
 * - `GET DocumentReference?...` and `POST DocumentReference/_search` (an
 *   application/x-www-form-urlencoded body, FHIR R4 Search 3.1.1.3): ITI-67 Find Document
 *   References (find-document-references.ts).
 * JSON only (FHIR R4 HTTP 3.1.0.6): `_format` or `Accept` asking for anything else (XML included)
 * is 406 with an OperationOutcome. Each search goes through the broker's admission queue like the
 * SOAP endpoints (admission.ts): refused when full or past its deadline in the queue with 503,
 * `Retry-After` and an OperationOutcome (`throttled` / `timeout`). With `security` (the
 * integration port) every search needs a valid IUA bearer token (iua-enforcement.ts).
 * Records (fhir-record.ts): every answer's TransactionEvent is recorded before the answer is
 * written (a recorder that rejects turns it into 500, fail closed); every refusal (4xx, 503, 500)
 * a FaultEvent, sent even when recording it fails.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { BrokerRecord, RequesterIdentity } from '../events/transaction-events.js';
import { issue, operationOutcome } from '../fhir/operation-outcome.js';
import { documentResponderCapabilityStatement } from '../mhd/capability-statement.js';
import { searchHandling } from '../mhd/find-document-references.js';
import { FhirPath, MhdTransaction } from '../shared/fhir-endpoints.js';
import { forRequest, type BrokerContext, type RequestContext } from './context.js';
import {
  fhirFaultEvent,
  fhirRequestFacts,
  fhirTransactionEvent,
  type FhirRequestFacts,
} from './fhir-record.js';
import { findDocumentReferences } from './find-document-references.js';
import { FhirRefusal, admitBearer, unverifiedRequester, type FhirSecurity } from './iua-enforcement.js';
import {
  bodyOf,
  holdSlot,
  notJson,
  overloaded,
  readForm,
  sendJson,
  softwareVersion,
  type Refusal,
} from './fhir-http.js';
import type { AssertionForwarder } from './xua-forward.js';

/** What the FHIR router serves with. */
export interface FhirRouterOptions {
  context: BrokerContext;
  /** IUA + mutual TLS on every search (the integration port); absent on the open sandbox port. */
  security?: FhirSecurity;
  /** Make every community leg carry a broker-signed XUA assertion (when the communities require one). */
  forward?: AssertionForwarder;
}

/** The router (mount it at `FhirPath.fhirBase`). */
export function fhirRouter(opts: FhirRouterOptions): Router {
  const bc = opts.context;
  const router = express.Router();
  const date = new Date(bc.clock.now()).toISOString();

  const record = async (r: BrokerRecord): Promise<void> => {
    await bc.recorder?.record(r);
  };
  /** Answer a refusal with its OperationOutcome, after recording its FaultEvent (a failure to record is logged). */
  const refuse = async (
    res: Response,
    facts: FhirRequestFacts,
    r: Refusal,
    requester: RequesterIdentity,
    startedAt: number,
    pretty: boolean,
  ): Promise<void> => {
    const body = bodyOf(
      operationOutcome([issue({ severity: 'error', code: r.code, diagnostics: r.diagnostics })]),
      pretty,
    );
    await sendRefusal(res, facts, r, body, requester, startedAt);
  };
  const sendRefusal = async (
    res: Response,
    facts: FhirRequestFacts,
    r: Refusal,
    body: string,
    requester: RequesterIdentity,
    startedAt: number,
  ): Promise<void> => {
    await record({
      kind: 'fault',
      event: fhirFaultEvent(MhdTransaction.Iti67, facts, r, requester, startedAt, bc.clock),
    }).catch((err: unknown) => bc.logger.error({ err }, 'could not record a refused FHIR request'));
    sendJson(res, r.httpStatus, body, r.headers);
  };

  router.get('/metadata', (req, res) => {
    const params = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const pretty = params.get('_pretty') === 'true';
    const facts = fhirRequestFacts(req);
    const wrong = notJson(req, params.get('_format'));
    if (wrong !== undefined) {
      sendJson(
        res,
        406,
        bodyOf(
          operationOutcome([issue({ severity: 'error', code: 'not-supported', diagnostics: wrong })]),
          pretty,
        ),
      );
      return;
    }
    const cs = documentResponderCapabilityStatement({
      fhirBase: `${facts.origin}${FhirPath.fhirBase}`,
      date,
      version: softwareVersion(),
      integration: opts.security !== undefined,
    });
    sendJson(res, 200, bodyOf(cs, pretty));
  });

  const search =
    (method: 'GET' | 'POST') =>
    async (req: Request, res: Response): Promise<void> => {
      const startedAt = bc.clock.now();
      const query = req.originalUrl.split('?')[1] ?? '';
      let facts = fhirRequestFacts(req);
      const consumerId = facts.consumerId;
      let requester = unverifiedRequester(consumerId, req.headers.authorization);
      const queryParams = new URLSearchParams(query);
      let pretty = queryParams.get('_pretty') === 'true';
      const wrong = notJson(req, queryParams.get('_format'));
      if (wrong !== undefined)
        return refuse(
          res,
          facts,
          { httpStatus: 406, code: 'not-supported', diagnostics: wrong },
          requester,
          startedAt,
          pretty,
        );
      if (bc.admission?.refuseIfFull()) {
        bc.logger.warn({ path: req.path, ...bc.admission.stats() }, 'request refused: broker overloaded');
        return refuse(res, facts, overloaded(bc, 'queue-full'), requester, startedAt, pretty);
      }
      let text = query;
      if (method === 'POST') {
        const form = await readForm(req);
        if (typeof form !== 'string') return refuse(res, facts, form, requester, startedAt, pretty);
        facts = fhirRequestFacts(req, form);
        text = query === '' ? form : form === '' ? query : `${query}&${form}`;
        const formParams = new URLSearchParams(form);
        pretty ||= formParams.get('_pretty') === 'true';
        const wrongForm = notJson(req, formParams.get('_format'));
        if (wrongForm !== undefined)
          return refuse(
            res,
            facts,
            { httpStatus: 406, code: 'not-supported', diagnostics: wrongForm },
            requester,
            startedAt,
            pretty,
          );
      }
      const slot = await holdSlot(bc, startedAt, res);
      if (slot === undefined) return;
      if ('httpStatus' in slot) {
        bc.logger.warn({ code: slot.code, path: req.path }, 'request refused: broker overloaded');
        return refuse(res, facts, slot, requester, startedAt, pretty);
      }
      try {
        const ctx = forRequest(bc);
        const admission = await admitBearer(req, consumerId, ctx, opts.security, opts.forward);
        requester = admission.requester;
        const rc: RequestContext = {
          ...(facts.messageId !== undefined ? { messageId: facts.messageId } : {}),
          ...(consumerId !== undefined ? { consumerId } : {}),
          ...(slot.deadlineAt !== undefined ? { deadlineAt: slot.deadlineAt } : {}),
          requester,
          endpoint: facts.endpoint,
          ...(facts.remoteAddress !== undefined ? { remoteAddress: facts.remoteAddress } : {}),
        };
        const answer = await findDocumentReferences(
          { text, handling: searchHandling(req.get('prefer')), origin: facts.origin, admission },
          rc,
          ctx,
        );
        const body = bodyOf(answer.body, pretty);
        if (answer.kind === 'refused') {
          await sendRefusal(
            res,
            facts,
            {
              httpStatus: answer.httpStatus,
              code: answer.code,
              diagnostics: answer.diagnostics,
            },
            body,
            requester,
            startedAt,
          );
          return;
        }
        try {
          await record({
            kind: 'transaction',
            event: fhirTransactionEvent(answer.event, facts, {
              responseBody: body,
              searchParameters: answer.searchParameters,
            }),
          });
        } catch (err) {
          bc.logger.error({ err }, 'could not record an ITI-67 answer: answering 500 instead');
          return refuse(
            res,
            facts,
            {
              httpStatus: 500,
              code: 'exception',
              diagnostics: 'the answer could not be recorded (audit); nothing was sent: try again',
            },
            requester,
            startedAt,
            pretty,
          );
        }
        sendJson(res, answer.httpStatus, body);
      } catch (err) {
        if (err instanceof FhirRefusal)
          return refuse(
            res,
            facts,
            {
              httpStatus: err.status,
              code: err.issueCode,
              diagnostics: err.diagnostics,
              ...(err.wwwAuthenticate !== undefined
                ? { headers: { 'WWW-Authenticate': err.wwwAuthenticate } }
                : {}),
            },
            requester,
            startedAt,
            pretty,
          );
        bc.logger.error({ err, path: req.path }, 'ITI-67 failed');
        return refuse(
          res,
          facts,
          {
            httpStatus: 500,
            code: 'exception',
            diagnostics: 'the broker could not answer this search (internal error)',
          },
          requester,
          startedAt,
          pretty,
        );
      }
    };
  const notAllowed =
    (allow: string) =>
    (req: Request, res: Response): void => {
      sendJson(
        res,
        405,
        JSON.stringify(
          operationOutcome([
            issue({
              severity: 'error',
              code: 'not-supported',
              diagnostics: `${req.method.slice(0, 16)} is not served here: this endpoint answers ${allow} (ITI-67 Find Document References)`,
            }),
          ]),
        ),
        { Allow: allow },
      );
    };
  const run =
    (method: 'GET' | 'POST') =>
    (req: Request, res: Response): void => {
      search(method)(req, res).catch((err: unknown) => {
        bc.logger.warn({ err, path: req.path }, 'ITI-67 request abandoned');
        if (!res.headersSent) res.destroy();
      });
    };
  router.get('/DocumentReference', run('GET'));
  router.all('/DocumentReference', notAllowed('GET'));
  router.post('/DocumentReference/_search', run('POST'));
  router.all('/DocumentReference/_search', notAllowed('POST'));
  return router;
}
