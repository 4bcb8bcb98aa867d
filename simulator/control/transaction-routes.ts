/**
 * `/transactions` of the control API: the consumer requests the broker answered, newest first,
 * each with its per-community legs (community, start, duration ms, HTTP status, outcome, errors),
 * and the bodies retrievable by id (docs/faults.md "The control API"): SOAP envelopes as
 * `application/xml`; a FHIR request's request line as `text/plain` and its FHIR JSON response as
 * `application/fhir+json` (`text/plain` when cut by the log's bound, no longer whole JSON).
 * `?transaction=ITI-67` lists one transaction's requests; `counts` gives the log's per transaction.
 */
import express, { type Response, type Router } from 'express';
import { sendError } from './json-http.js';
import type { BrokerTransaction } from '../events/transaction-events.js';
import type { TransactionLog, TransactionSummary } from './transaction-log.js';

/** `GET /transactions` answer: the transactions asked for, and how many the log holds per transaction. */
interface TransactionsResponse {
  transactions: TransactionSummary[];
  counts: Partial<Record<BrokerTransaction, number>>;
}

/** The transactions `?transaction=` takes. */
const TRANSACTIONS: readonly BrokerTransaction[] = [
  'ITI-38',
  'ITI-39',
  'RAD-75',
  'ITI-67',
  'ITI-68',
  'WADO-RS',
];
const isTransaction = (s: string): s is BrokerTransaction => (TRANSACTIONS as readonly string[]).includes(s);

/** Which body of a message exchange. */
type Part = 'request' | 'response';

const isPart = (s: string): s is Part => s === 'request' || s === 'response';

/** A recorded body: a SOAP envelope, a FHIR request line, or a FHIR JSON response. */
type Body = { xml: string } | { line: string } | { json: string } | undefined;

/** The request of a transaction or leg: its envelope, else its request line. */
const requestOf = (m: { requestXml?: string; requestLine?: string }): Body =>
  m.requestXml !== undefined
    ? { xml: m.requestXml }
    : m.requestLine !== undefined
      ? { line: m.requestLine }
      : undefined;

/** The response of a transaction or leg: its envelope, else its FHIR JSON body. */
const responseOf = (m: { responseXml?: string; responseBody?: string }): Body =>
  m.responseXml !== undefined
    ? { xml: m.responseXml }
    : m.responseBody !== undefined
      ? { json: m.responseBody }
      : undefined;

function isWholeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Send a body with its media type, or 404 when it was not recorded. */
function sendBody(res: Response, body: Body, what: string, noResponse?: string): void {
  if (body === undefined)
    return noResponse === undefined
      ? sendError(res, 404, `${what} was not recorded`)
      : sendError(res, 404, `${what} was not recorded`, [`no response: ${noResponse}`]);
  if ('xml' in body) res.type('application/xml; charset=utf-8').send(body.xml);
  else if ('line' in body) res.type('text/plain; charset=utf-8').send(body.line);
  else
    res
      .type(isWholeJson(body.json) ? 'application/fhir+json; charset=utf-8' : 'text/plain; charset=utf-8')
      .send(body.json);
}

/** The router for `/transactions` over `log`. */
export function transactionRoutes(log: TransactionLog): Router {
  const r = express.Router();
  const unknown = (res: Response, id: string): void =>
    sendError(res, 404, `no transaction '${id}' in the log (it keeps the last ${log.capacity})`);

  r.get('/transactions', (req, res) => {
    const raw = req.query['limit'];
    const tx = req.query['transaction'];
    const problems: string[] = [];
    let limit: number | undefined;
    if (raw !== undefined) {
      if (typeof raw !== 'string' || !/^[1-9]\d{0,8}$/.test(raw))
        problems.push(`limit: expected a whole number of at least 1, got ${JSON.stringify(raw)}`);
      else limit = Number(raw);
    }
    if (tx !== undefined && (typeof tx !== 'string' || !isTransaction(tx)))
      problems.push(`transaction: expected one of ${TRANSACTIONS.join(', ')}, got ${JSON.stringify(tx)}`);
    if (problems.length > 0) return sendError(res, 400, 'invalid query', problems);
    const body: TransactionsResponse = {
      transactions: log.list(limit, typeof tx === 'string' && isTransaction(tx) ? { transaction: tx } : {}),
      counts: log.counts(),
    };
    res.json(body);
  });
  r.get('/transactions/:id', (req, res) => {
    const t = log.get(req.params.id);
    if (!t) return unknown(res, req.params.id);
    res.json(t);
  });
  r.get('/transactions/:id/:part', (req, res, next) => {
    const { id, part } = req.params;
    if (!isPart(part)) return next();
    const t = log.get(id);
    if (!t) return unknown(res, id);
    sendBody(res, part === 'request' ? requestOf(t) : responseOf(t), `the ${part} of transaction ${id}`);
  });
  r.get('/transactions/:id/legs/:index/:part', (req, res, next) => {
    const { id, index, part } = req.params;
    if (!isPart(part)) return next();
    const t = log.get(id);
    if (!t) return unknown(res, id);
    const leg = /^\d+$/.test(index) ? t.legs[Number(index)] : undefined;
    if (!leg) {
      return sendError(
        res,
        404,
        `transaction ${id} has no leg ${index} (it has ${t.legs.length}, numbered from 0)`,
      );
    }
    sendBody(
      res,
      part === 'request' ? requestOf(leg) : responseOf(leg),
      `the ${part} of leg ${index} (${leg.community}) of transaction ${id}`,
      part === 'response' ? leg.noResponse : undefined,
    );
  });
  return r;
}
