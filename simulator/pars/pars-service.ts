/**
 * The simulated PARS (NHS England Patient Audit Record Service), part of the stack:
 * - `POST /FHIR/R4/AuditEvent`: validates against the official FHIR R4 JSON schema; 201 with the
 *   stored resource and a Location, 200 with the stored resource when that id is stored already
 *   (nothing new is stored), 400 OperationOutcome listing every problem;
 * - `GET /FHIR/R4/AuditEvent/{id}`: read; `GET /FHIR/R4/AuditEvent?patient=&date=&subtype=&agent=`:
 *   a `searchset` Bundle (search.ts);
 * - `GET /health`: JSON.
 * Faults (`gateway: pars`): `pars-down` closes the listener while it holds unconditionally (callers
 * get ECONNREFUSED) or resets the connection of each matching AuditEvent POST; `pars-slow` delays
 * each matching POST. They apply here only, never in the broker.
 */
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import type { AuditEvent, Bundle, OperationOutcome } from 'fhir/r4.js';
import type { FaultStore } from '../faults/fault-store.js';
import type { DeadlineClock } from '../shared/clock.js';
import { close, listen } from '../shared/http-listen.js';
import { MAX_JSON_DEPTH, jsonDepth } from '../shared/json-depth.js';
import type { Logger } from '../shared/logger.js';
import type { MhdTransaction } from '../shared/fhir-endpoints.js';
import type { Transaction } from '../xca/constants.js';
import { validateAuditEvent, warmFhirValidators } from '../fhir/schema-validator.js';
import { ParsStore } from './pars-store.js';
import { parseAuditEventSearch } from './search.js';

/** The fault target name of the PARS service. */
export const PARS_TARGET = 'pars';
const BASE = '/FHIR/R4';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Options of {@link startParsService}. */
interface ParsServiceOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  /** Time for stored events' timestamps and `pars-slow` latency. */
  clock: DeadlineClock;
  /** Where stored events persist (NDJSON); memory only when absent. */
  storeFile?: string;
  /** Faults with `gateway: pars`. */
  faults?: FaultStore;
}

/** A running PARS. */
export interface RunningPars {
  /** `http://host:port` (the FHIR base is `${url}/FHIR/R4`). */
  url: string;
  store: ParsStore;
  stop(): Promise<void>;
}

/** Start the simulated PARS. Loads the FHIR R4 validators first (fhir/schema-validator.ts: prebuilt by the build, else compiled: about 1.5 s of CPU, once per process). */
export async function startParsService(opts: ParsServiceOptions): Promise<RunningPars> {
  warmFhirValidators();
  const store = new ParsStore(opts.storeFile);
  const app = parsApp(store, opts);
  const first = await listen(app, opts.host, opts.port, 'PARS');
  let server: Server | undefined = first.server;
  let stopped = false;
  let change = Promise.resolve();
  const reconcile = async (): Promise<void> => {
    const down = opts.faults?.isDown(PARS_TARGET) ?? false;
    if (stopped) return;
    if (down && server) {
      const s = server;
      server = undefined;
      await close(s);
      opts.logger.info('PARS down (pars-down fault)');
    } else if (!down && !server) {
      server = (await listen(app, opts.host, first.port, 'PARS')).server;
      opts.logger.info('PARS up again');
    }
  };
  const follow = (): void => {
    change = change
      .then(reconcile)
      .catch((err: unknown) => opts.logger.error({ err }, 'could not change the PARS listener'));
  };
  opts.faults?.setServiceTarget(PARS_TARGET, true);
  opts.faults?.on('change', follow);
  follow();
  return {
    url: `http://${opts.host}:${first.port}`,
    store,
    stop: async () => {
      stopped = true;
      opts.faults?.off('change', follow);
      opts.faults?.setServiceTarget(PARS_TARGET, false);
      await change;
      if (server) await close(server);
      store.close();
    },
  };
}

function parsApp(store: ParsStore, opts: ParsServiceOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const json = express.json({ type: ['application/fhir+json', 'application/json'], limit: '2mb' });
  app.get('/health', (_req, res) => {
    res.json({ status: 'up', auditEvents: store.size });
  });
  app.post(`${BASE}/AuditEvent`, json, (req, res) => {
    create(req, res, store, opts).catch((err: unknown) => {
      opts.logger.error({ err }, 'PARS: creating an AuditEvent failed');
      if (!res.headersSent) send(res, 500, outcome('exception', ['the AuditEvent could not be stored']));
    });
  });
  app.get(`${BASE}/AuditEvent/:id`, (req, res) => {
    const e = store.get(req.params.id);
    if (e) send(res, 200, e);
    else send(res, 404, outcome('not-found', [`no AuditEvent with id '${req.params.id}'`]));
  });
  app.get(`${BASE}/AuditEvent`, (req, res) => {
    const params = [...new URL(req.originalUrl, 'http://pars.invalid').searchParams];
    const parsed = parseAuditEventSearch(params);
    if (!parsed.ok) return send(res, 400, outcome('invalid', parsed.problems));
    const matches = store.all().filter((e) => parsed.search.matches(e));
    const self = `${baseUrl(req)}${req.originalUrl}`;
    send(res, 200, searchset(matches, parsed.search, params, baseUrl(req), self));
  });
  app.use((req: Request, res: Response) => {
    send(res, 404, outcome('not-supported', [`${req.method} ${req.path} is not a PARS interaction`]));
  });
  app.use(
    (err: { type?: string; message?: string }, _req: Request, res: Response, _next: express.NextFunction) => {
      if (err.type === 'entity.too.large')
        send(res, 413, outcome('too-costly', ['the AuditEvent exceeds 2 MiB']));
      else
        send(
          res,
          400,
          outcome('structure', [`the body is not JSON: ${err.message ?? err.type ?? 'unreadable'}`]),
        );
    },
  );
  return app;
}

async function create(
  req: Request,
  res: Response,
  store: ParsStore,
  opts: ParsServiceOptions,
): Promise<void> {
  const body: unknown = req.body;
  const event = typeof body === 'object' && body !== null ? (body as AuditEvent) : undefined;
  const tx = transactionOf(event);
  if (tx !== undefined && opts.faults) {
    const applied = opts.faults.select({ gateway: PARS_TARGET, transaction: tx, ...patientOf(event) });
    let delayMs = 0;
    for (const { fault: f, draw } of applied) {
      if (f.kind === 'pars-down') {
        req.socket.destroy();
        return;
      }
      if (f.kind === 'pars-slow')
        delayMs += Math.max(0, Math.round(f.latencyMs + (2 * draw - 1) * f.jitterMs));
    }
    if (delayMs > 0) await opts.clock.sleep(delayMs);
  }
  if (event === undefined || event.resourceType !== 'AuditEvent')
    return send(
      res,
      400,
      outcome('structure', ['the body must be a FHIR AuditEvent resource (resourceType AuditEvent)']),
    );
  if (jsonDepth(event) > MAX_JSON_DEPTH)
    return send(
      res,
      400,
      outcome('structure', [`the AuditEvent nests deeper than ${MAX_JSON_DEPTH} levels (MAX_JSON_DEPTH)`]),
    );
  const v = validateAuditEvent(event);
  if (!v.ok)
    return send(
      res,
      400,
      outcome(
        'structure',
        v.problems.map((p) => `${p.expression}: ${p.message}`),
        v.problems.map((p) => p.expression),
      ),
    );
  const r = store.put(event, new Date(opts.clock.now()));
  if (r.created) res.setHeader('Location', `${baseUrl(req)}${BASE}/AuditEvent/${r.resource.id}/_history/1`);
  send(res, r.created ? 201 : 200, r.resource);
}

/**
 * The transaction an AuditEvent audits, from its subtype (`urn:ihe:event-type-code`), for fault
 * selection: ITI-38, ITI-39, RAD-75, ITI-67, ITI-68, or WADO-RS (audited as RAD-107, IHE RAD TF-2
 * 4.107).
 */
function transactionOf(e: AuditEvent | undefined): Transaction | MhdTransaction | undefined {
  const codes = (e?.subtype ?? []).map((c) => c.code);
  if (codes.includes('RAD-107')) return 'WADO-RS';
  return (['ITI-38', 'ITI-39', 'RAD-75', 'ITI-67', 'ITI-68'] as const).find((t) => codes.includes(t));
}

function patientOf(e: AuditEvent | undefined): { patient?: string } {
  const p = (e?.entity ?? []).find((x) => x.role?.code === '1')?.what?.identifier?.value;
  return p !== undefined && /^\d{10}$/.test(p) ? { patient: p } : {};
}

function baseUrl(req: Request): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}

function send(res: Response, status: number, resource: object): void {
  res.status(status).type(FHIR_JSON).send(JSON.stringify(resource));
}

/** An OperationOutcome with one error issue per problem (FHIR R4 OperationOutcome). */
function outcome(
  code: 'invalid' | 'structure' | 'not-found' | 'not-supported' | 'too-costly' | 'exception',
  problems: string[],
  expressions?: string[],
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: problems.map((diagnostics, i) => ({
      severity: 'error',
      code,
      diagnostics,
      ...(expressions?.[i] !== undefined ? { expression: [expressions[i]] } : {}),
    })),
  };
}

/**
 * The searchset Bundle of one page (FHIR R4 search 3.1.1.5.6 paging): `self` is the request as
 * made; when the matches span more than one page, `first`, `previous`, `next` and `last` repeat
 * the search with `_count` and `_offset` set.
 */
function searchset(
  matches: AuditEvent[],
  page: { count: number; offset: number },
  params: [string, string][],
  base: string,
  self: string,
): Bundle<AuditEvent> {
  const sorted = matches
    .slice()
    .sort((a, b) => (a.recorded < b.recorded ? -1 : a.recorded > b.recorded ? 1 : 0));
  const { count, offset } = page;
  const total = matches.length;
  const at = (off: number): string => {
    const q = new URLSearchParams(params.filter(([k]) => k !== '_count' && k !== '_offset'));
    q.append('_count', String(count));
    q.append('_offset', String(off));
    return `${base}${BASE}/AuditEvent?${q.toString()}`;
  };
  const last = total === 0 ? 0 : Math.floor((total - 1) / count) * count;
  const paged = total > count || offset > 0;
  const link: Bundle['link'] = [{ relation: 'self', url: self }];
  if (paged) {
    link.push({ relation: 'first', url: at(0) });
    if (offset > 0) link.push({ relation: 'previous', url: at(Math.max(0, offset - count)) });
    if (offset + count < total) link.push({ relation: 'next', url: at(offset + count) });
    link.push({ relation: 'last', url: at(last) });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link,
    entry: sorted.slice(offset, offset + count).map((resource) => ({
      fullUrl: `${base}${BASE}/AuditEvent/${resource.id}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}

/** The simulated PARS's port for a broker port: broker + 20 (8100 for 8080), any free one for 0. */
export function defaultParsPort(brokerPort: number): number {
  return brokerPort === 0 ? 0 : brokerPort + 20;
}
