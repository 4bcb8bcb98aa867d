/**
 * The control API routes the container stack's broker (`sim serve broker`, docs/containers.md)
 * adds to its own, as `sim up` has them in-process, so that the dashboard's Audit and Scenarios
 * views (docs/dashboard.md) work there too:
 *
 * - `GET /audit-events`, `GET /audit-report` over the PARS container (control/audit-routes.ts,
 *   given audit/reports.ts's Patient Access Report), when the broker has a PARS;
 * - `GET /scenarios`, `POST /scenarios/{name}/run` (scenario-routes.ts) against this broker: the
 *   pack the scenario's patients come from and the broker's own URL (not the published port,
 *   which does not reach it from inside its container) are handed to the run.
 *
 * Built here, in the command line, because the broker role may import neither `audit` nor
 * `scenario` (docs/architecture.md "Import boundaries"). The scenario code (runner, requests,
 * pack loader) is loaded on the first `/scenarios` request: a broker container that never runs a
 * scenario holds none of it.
 */
import express, { type Router } from 'express';
import { auditRoutes } from '../control/audit-routes.js';
import { patientAccessReport } from '../audit/reports.js';

/** What the broker's further routes need. */
export interface BrokerControlRoutesOptions {
  /** The PARS base URL (`serve broker --pars-url`); no audit routes without. */
  parsUrl?: string;
  /** The data pack the gateways serve, as this process reads it (`serve broker --data-pack`). */
  dataPackDir: string;
  /** The broker's sandbox URL as this process reaches it, read per run. */
  brokerUrl: () => string;
}

/** The audit and scenario routes of the broker container's control API. */
export function brokerControlRoutes(o: BrokerControlRoutesOptions): Router[] {
  return [
    ...(o.parsUrl !== undefined
      ? [auditRoutes({ parsUrl: o.parsUrl, patientReport: patientAccessReport })]
      : []),
    lazyScenarioRoutes(o),
  ];
}

/** The scenario routes, their module loaded by the first request under `/scenarios`. */
function lazyScenarioRoutes(o: BrokerControlRoutesOptions): Router {
  const r = express.Router();
  let loaded: Promise<Router> | undefined;
  r.use((req, res, next) => {
    if (req.path !== '/scenarios' && !req.path.startsWith('/scenarios/')) return next();
    loaded ??= import('./scenario-routes.js').then((m) =>
      m.scenarioRoutes({ dataPackDir: o.dataPackDir, brokerUrl: o.brokerUrl }),
    );
    loaded.then((routes) => routes(req, res, next), next);
  });
  return r;
}
