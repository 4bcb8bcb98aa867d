/**
 * The broker's whole FHIR face on one port, mounted on the sandbox app and on the integration app
 * alike: ITI-67 and metadata (fhir-app.ts, at `FhirPath.fhirBase`), ITI-68 (retrieve-document.ts,
 * at `FhirPath.iti68`) and WADO-RS Retrieve Study (wado-rs.ts, at `FhirPath.wadoRs`). IHE MHD
 * 4.2.x Document Responder grouped with the XCA Initiating Gateway (MHD 1:33.6.2); DICOM PS3.18
 * 10.4.1. With `security` (the integration port) the three share ONE IUA validator, so a token's
 * `jti` seen by one endpoint cannot be replayed on another (security/iua-validate.ts replay cache).
 */
import express, { type Router } from 'express';
import { FhirPath } from '../shared/fhir-endpoints.js';
import type { BrokerContext } from './context.js';
import { fhirRouter } from './fhir-app.js';
import type { FhirSecurity } from './iua-enforcement.js';
import { retrieveDocumentHandler } from './retrieve-document.js';
import { wadoRsRouter } from './wado-rs.js';
import type { AssertionForwarder } from './xua-forward.js';

/** What the FHIR face serves with. */
export interface FhirFaceOptions {
  context: BrokerContext;
  /** IUA + mutual TLS on every request but metadata (the integration port); absent: the sandbox. */
  security?: FhirSecurity;
  /** Make every community leg carry a broker-signed XUA assertion (when the communities require one). */
  forward?: AssertionForwarder;
  /** WADO-RS: how long a community's DICOM parts may stall once its root part is in, ms. */
  imagingIdleTimeoutMs?: number;
}

/** One router serving ITI-67, metadata, ITI-68 and WADO-RS at their `FhirPath` paths (mount at `/`). */
export function fhirFace(o: FhirFaceOptions): Router {
  const shared = {
    context: o.context,
    ...(o.security ? { security: o.security } : {}),
    ...(o.forward ? { forward: o.forward } : {}),
  };
  const router = express.Router();
  // ITI-68 first: the /fhir router answers its own paths only and passes the rest on.
  router.get(FhirPath.iti68, retrieveDocumentHandler(shared));
  router.use(FhirPath.fhirBase, fhirRouter(shared));
  router.use(
    FhirPath.wadoRs,
    wadoRsRouter({
      ...shared,
      ...(o.imagingIdleTimeoutMs !== undefined ? { imagingIdleTimeoutMs: o.imagingIdleTimeoutMs } : {}),
    }),
  );
  return router;
}

/**
 * Whether the integration port serves `path` as part of the FHIR face (integration-app.ts allows
 * only listed paths): metadata, ITI-67 (GET and `_search`), ITI-68, and WADO-RS study URLs.
 */
export function isFhirFacePath(path: string): boolean {
  return (
    path === FhirPath.metadata ||
    path === FhirPath.documentReference ||
    path === FhirPath.search ||
    path === FhirPath.iti68 ||
    path.startsWith(`${FhirPath.wadoRs}/`)
  );
}
