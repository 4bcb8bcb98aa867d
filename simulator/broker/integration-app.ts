/**
 * The broker's integration port (like NIR's INT environment, docs/security.md): the same endpoints as the
 * sandbox port behind default deny. The HTTPS listener already destroys connections whose client
 * certificate failed (security/https-listen.ts); this app re-checks the socket, serves only the
 * paths known to enforce XUA (anything else, e.g. an endpoint added later without enforcement, is
 * 404 here until listed), and every SOAP endpoint admits a request only with a valid assertion.
 */
import express from 'express';
import type { TLSSocket } from 'node:tls';
import { XcaPath } from '../shared/xca-endpoints.js';
import { fhirFace, isFhirFacePath } from './fhir-face.js';
import { brokerIuaValidator } from './iua-enforcement.js';
import { createBrokerApp, type BrokerAppOptions } from './broker.js';
import type { BrokerSecurity } from './xua-enforcement.js';

/** Paths served on the integration port: each one's handler calls `admit()` first. */
const INTEGRATION_PATHS: readonly string[] = [XcaPath.iti38, XcaPath.iti39, XcaPath.rad75, '/health'];

/** The integration port's express app: `createBrokerApp` with `security`, behind the checks above. */
export function createIntegrationApp(
  opts: Omit<BrokerAppOptions, 'security'> & { security: BrokerSecurity },
): express.Express {
  const broker = createBrokerApp(opts);
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const socket = req.socket as Partial<TLSSocket>;
    if (!socket.encrypted || socket.authorized !== true) {
      opts.context.logger.warn(
        { remoteAddress: req.socket.remoteAddress, reason: socket.authorizationError ?? 'not TLS' },
        'integration port: unauthenticated connection dropped',
      );
      req.socket.destroy();
      return;
    }
    // fhir-face.ts: each FHIR request but metadata is admitted only with a valid IUA token.
    if (!INTEGRATION_PATHS.includes(req.path) && !isFhirFacePath(req.path)) {
      res.status(404).type('text/plain').send('not found\n');
      return;
    }
    next();
  });
  app.use(
    fhirFace({
      context: opts.context,
      security: { validator: brokerIuaValidator(opts.security.validator.policy) },
      ...(opts.forward ? { forward: opts.forward } : {}),
      ...(opts.imagingIdleTimeoutMs !== undefined ? { imagingIdleTimeoutMs: opts.imagingIdleTimeoutMs } : {}),
    }),
  );
  app.use(broker);
  return app;
}
