/**
 * `/faults` and `/reset` of the control API, toxiproxy-shaped (Shopify/toxiproxy `api.go`): list,
 * add (one, an array, or `{ faults: [...] }`, all or nothing), remove by name, remove all. Faults
 * change at runtime; the simulated gateways read the store on every request. Over a federated
 * FaultControl (the container stack) a container that does not answer makes the request fail 502.
 */
import express, { type Router } from 'express';
import type { FaultStatus } from '../faults/fault-store.js';
import type { FaultSpec } from '../faults/fault-spec.js';
import type { Logger } from '../shared/logger.js';
import type { FaultControl } from './fault-control.js';
import { completeFaultProblems } from './fault-problems.js';
import { readJsonBody, sendError } from './json-http.js';

/** Largest `POST /faults` body, bytes (1 MiB: thousands of faults). */
const MAX_FAULTS_BODY_BYTES = 1024 * 1024;

/** `GET /faults` answer. */
interface FaultsResponse {
  faults: FaultStatus[];
}

/** `POST /faults` answer (201): the faults added, defaults filled in. */
interface FaultsAddedResponse {
  faults: FaultSpec[];
}

/** The error of every rejected `POST /faults`. */
const INVALID_FAULT = 'invalid fault';

/**
 * The faults a `POST /faults` body names: one fault object, an array of them, or
 * `{ "faults": [...] }`; or why the body has none.
 */
function faultsInBody(value: unknown): { ok: true; items: unknown[] } | { ok: false; problems: string[] } {
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'object' && value !== null && 'faults' in value && !('kind' in value)) {
    const list = value.faults;
    if (!Array.isArray(list)) return { ok: false, problems: ['faults: expected an array of faults'] };
    items = list;
  } else if (typeof value === 'object' && value !== null) items = [value];
  else
    return {
      ok: false,
      problems: ['body: expected a fault object, an array of faults, or { "faults": [...] }'],
    };
  if (items.length === 0) return { ok: false, problems: ['body: no fault given'] };
  return { ok: true, items };
}

/** The router for `/faults` and `/reset` over `faults`. */
export function faultRoutes(faults: FaultControl, logger: Logger): Router {
  const r = express.Router();
  r.get('/faults', async (_req, res) => {
    const body: FaultsResponse = { faults: await faults.list() };
    res.json(body);
  });
  r.get('/faults/:name', async (req, res) => {
    const found = (await faults.list()).find((s) => s.fault.name === req.params.name);
    if (found) res.json(found);
    else sendError(res, 404, `no fault named '${req.params.name}'`);
  });
  r.post('/faults', express.raw({ type: () => true, limit: MAX_FAULTS_BODY_BYTES }), async (req, res) => {
    const json = readJsonBody(req);
    if (!json.ok) return sendError(res, 400, INVALID_FAULT, json.problems);
    const body = faultsInBody(json.value);
    if (!body.ok) return sendError(res, 400, INVALID_FAULT, body.problems);
    const added = await faults.addAll(body.items);
    if (!added.ok) {
      const problems = completeFaultProblems(body.items, added.problems);
      logger.info({ problems }, 'control API: faults refused');
      return sendError(res, 400, INVALID_FAULT, problems);
    }
    logger.info({ faults: added.faults.map((f) => f.name) }, 'control API: faults added');
    const out: FaultsAddedResponse = { faults: added.faults };
    res.status(201).json(out);
  });
  r.delete('/faults/:name', async (req, res) => {
    if (!(await faults.remove(req.params.name)))
      return sendError(res, 404, `no fault named '${req.params.name}'`);
    logger.info({ fault: req.params.name }, 'control API: fault removed');
    res.status(204).end();
  });
  r.post('/reset', async (_req, res) => {
    await faults.reset();
    logger.info('control API: every fault removed');
    res.status(204).end();
  });
  return r;
}
