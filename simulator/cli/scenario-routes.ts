/**
 * Scenario routes of the control API, for the dashboard's Scenarios view (docs/dashboard.md):
 *
 * | route | answer |
 * |---|---|
 * | `GET /scenarios` | 200 `{ scenarios: [{ name, file, description?, problems? }] }`: the shipped scenarios (scenarios/*.scenario.yaml), as `sim scenario list --json` gives them |
 * | `POST /scenarios/{name}/run` | 200 the ScenarioResult (scenario/result.ts: `passed` and each step with its `differences`, `expected`, `actual`), as `sim scenario run <name> --target --reporter json` gives one; 404 for no such scenario; 400 `{ error: 'invalid scenario', problems }` for an invalid file or one this sim cannot run; 409 while another run goes on |
 *
 * A run targets the sim that serves the route, through its own control API and broker, exactly as
 * `sim scenario run --target` does (scenario/environments.ts `connectTargetEnvironment`): the
 * scenario's faults and broker settings apply for the run and are undone after. Here, not in the
 * control API: running a scenario needs the scenario module, which neither control nor runtime may
 * import (docs/architecture.md "Import boundaries"); the command line mounts these routes.
 */
import express, { type Request, type Router } from 'express';
import { sendError } from '../control/json-http.js';
import { connectTargetEnvironment } from '../scenario/environments.js';
import { runScenario } from '../scenario/runner.js';
import { loadScenarioFile } from '../scenario/scenario-file.js';
import { displayPath, shippedScenarioFiles } from '../scenario/scenario-files.js';
import { SimError } from '../shared/errors.js';
import { shippedScenarios } from './commands/scenario.js';

/** The URL of the control API that received `req` (its own listening address). */
function ownUrl(req: Request): string {
  const { localAddress, localPort } = req.socket;
  const host = localAddress?.includes(':') ? `[${localAddress}]` : (localAddress ?? '127.0.0.1');
  return `http://${host}:${localPort}`;
}

/** Where a run finds what the sim's `GET /topology` cannot give it (the container stack's broker). */
export interface ScenarioRoutesOptions {
  /** The data pack the communities serve, on this machine (the broker's container holds a copy). */
  dataPackDir?: string;
  /** The broker's base URL as this process reaches it, read per run (its own, not the published one). */
  brokerUrl?: () => string;
}

/** The router for `GET /scenarios` and `POST /scenarios/{name}/run`. */
export function scenarioRoutes(opts: ScenarioRoutesOptions = {}): Router {
  const r = express.Router();
  let running: string | undefined;
  r.get('/scenarios', (_req, res, next) => {
    shippedScenarios().then((scenarios) => res.json({ scenarios }), next);
  });
  r.post('/scenarios/:name/run', (req, res, next) => {
    const name = req.params.name;
    if (running !== undefined)
      return sendError(res, 409, 'a scenario is running', [
        `${running} is running against this sim; wait for its result, then run ${name}`,
      ]);
    running = name;
    const done = (): void => {
      running = undefined;
    };
    (async () => {
      const file = (await shippedScenarioFiles()).find((f) => f.endsWith(`/${name}.scenario.yaml`));
      if (file === undefined)
        return sendError(res, 404, `no shipped scenario named '${name}'`, [
          'GET /scenarios lists them (npm run sim scenario list)',
        ]);
      const loaded = await loadScenarioFile(file);
      if (!loaded.ok) return sendError(res, 400, 'invalid scenario', loaded.problems);
      const notes: string[] = [];
      let env;
      try {
        env = await connectTargetEnvironment(loaded.scenario, ownUrl(req), (l) => notes.push(l), {
          ...(opts.dataPackDir !== undefined ? { dataPackDir: opts.dataPackDir } : {}),
          ...(opts.brokerUrl ? { brokerUrl: opts.brokerUrl() } : {}),
        });
      } catch (err) {
        if (err instanceof SimError) return sendError(res, 400, 'invalid scenario', [err.message]);
        throw err;
      }
      try {
        const result = await runScenario(loaded.scenario, env, { file: displayPath(file) });
        res.json({ ...result, notes });
      } finally {
        await env.stop();
      }
    })()
      .catch(next)
      .finally(done);
  });
  return r;
}
