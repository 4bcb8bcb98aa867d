/**
 * `/transactions` of the control API: the consumer requests the broker answered, newest first,
 * each with its per-community legs (community, start, duration ms, HTTP status, outcome, errors),
 * and the SOAP bodies retrievable by id (docs/faults.md "The control API").
 */
import express, { type Response, type Router } from 'express';
import { sendError } from './json-http.js';
import type { TransactionLog, TransactionSummary } from './transaction-log.js';

/** `GET /transactions` answer. */
interface TransactionsResponse {
  transactions: TransactionSummary[];
}

/** Which body of a message exchange. */
type Part = 'request' | 'response';

const isPart = (s: string): s is Part => s === 'request' || s === 'response';

/** Send an XML body as `application/xml`, or 404 when it was not recorded. */
function sendXml(res: Response, xml: string | undefined, what: string): void {
  if (xml === undefined) return sendError(res, 404, `${what} was not recorded`);
  res.type('application/xml; charset=utf-8').send(xml);
}

/** The router for `/transactions` over `log`. */
export function transactionRoutes(log: TransactionLog): Router {
  const r = express.Router();
  const unknown = (res: Response, id: string): void =>
    sendError(res, 404, `no transaction '${id}' in the log (it keeps the last ${log.capacity})`);

  r.get('/transactions', (req, res) => {
    const raw = req.query['limit'];
    let limit: number | undefined;
    if (raw !== undefined) {
      if (typeof raw !== 'string' || !/^[1-9]\d{0,8}$/.test(raw)) {
        return sendError(res, 400, 'invalid query', [
          `limit: expected a whole number of at least 1, got ${JSON.stringify(raw)}`,
        ]);
      }
      limit = Number(raw);
    }
    const body: TransactionsResponse = { transactions: log.list(limit) };
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
    sendXml(res, part === 'request' ? t.requestXml : t.responseXml, `the ${part} of transaction ${id}`);
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
    sendXml(
      res,
      part === 'request' ? leg.requestXml : leg.responseXml,
      `the ${part} of leg ${index} (${leg.community}) of transaction ${id}`,
    );
  });
  return r;
}
