/**
 * The web dashboard's files on the control API's port (docs/dashboard.md): `GET /ui/` serves the
 * browser files of `dashboard/` at the package root as they are (ES modules, no build step), and
 * `/ui/vendor/*` the ES module builds of Preact and htm from node_modules, named by the page's
 * import map, so nothing comes from a CDN. Also `GET /fault-schema`, the JSON Schema (draft
 * 2020-12, input form: defaults may be omitted) of one fault as `POST /faults` validates it, from
 * which the dashboard builds its fault form.
 */
import express, { type Router } from 'express';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { FaultSpecSchema } from '../faults/fault-spec.js';
import { packageRoot } from '../shared/package-root.js';

/** The dashboard's browser files (index.html, ES modules, CSS). */
export const DASHBOARD_DIR = path.join(packageRoot, 'dashboard');

/** The path the dashboard is served under. */
export const DASHBOARD_PATH = '/ui/';

/** `/ui/vendor/<name>` -> the ES module file in node_modules. */
function vendorFiles(): Map<string, string> {
  const require = createRequire(import.meta.url);
  // `require.resolve` gives each package's CommonJS main in its dist/; the ES module builds sit beside it.
  const preactDist = path.dirname(require.resolve('preact'));
  const htmDist = path.dirname(require.resolve('htm'));
  return new Map([
    ['preact.module.js', path.join(preactDist, 'preact.module.js')],
    ['hooks.module.js', path.join(preactDist, '..', 'hooks', 'dist', 'hooks.module.js')],
    ['htm.module.js', path.join(htmDist, 'htm.module.js')],
  ]);
}

/** The router for `/ui/...` and `GET /fault-schema`. */
export function uiRoutes(): Router {
  // strict: `/ui` (redirected) and `/ui/` (the page) are different routes.
  const r = express.Router({ strict: true });
  const vendor = vendorFiles();
  const schema = z.toJSONSchema(FaultSpecSchema, { io: 'input', target: 'draft-2020-12' });
  r.get('/fault-schema', (_req, res) => {
    res.type('application/schema+json').send(JSON.stringify(schema, null, 2));
  });
  r.get('/ui', (_req, res) => res.redirect(301, DASHBOARD_PATH));
  r.get('/ui/vendor/:file', (req, res, next) => {
    const file = vendor.get(req.params.file);
    if (file === undefined) return next();
    res.type('text/javascript').sendFile(file, { maxAge: '1h' });
  });
  r.use('/ui', express.static(DASHBOARD_DIR, { index: 'index.html', fallthrough: true }));
  return r;
}
