/**
 * A simulated MHD community: an IHE MHD 4.2.x Document Responder over one community's data pack,
 * at the paths of shared/fhir-endpoints.ts (the broker's FHIR face serves the same ones):
 * `GET /fhir/metadata` (CapabilityStatement), ITI-67 Find Document References as
 * `GET /fhir/DocumentReference?..` and `POST /fhir/DocumentReference/_search` (ITI TF-2 3.67),
 * ITI-68 Retrieve Document as `GET /fhir/document?homeCommunityId=..&repositoryUniqueId=..
 * &uniqueId=..` (ITI TF-2 3.68), plus `GET /health` and, for images (MHD has none), RAD-75 at
 * `POST /xcai/rad75` as an XCA community serves it. Faults from the topology's fault store apply
 * here as on an XCA community (docs/faults.md "MHD communities"), delivered by the one delivery
 * path (soap/delivery.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { CapabilityStatement, OperationOutcomeIssue } from 'fhir/r4.js';
import { operationOutcomeJson, type FaultPlan } from '../faults/fault-plan.js';
import { applyToItems } from '../faults/message-effects.js';
import { issue, operationOutcome } from '../fhir/operation-outcome.js';
import { documentResponderCapabilityStatement } from '../mhd/capability-statement.js';
import { searchHandling } from '../mhd/find-document-references.js';
import { registryErrorToIssue } from '../mhd/registry-errors.js';
import { MAX_SEARCH_TEXT } from '../mhd/search-parameters.js';
import { systemClock } from '../shared/clock.js';
import { FhirPath, MhdTransaction } from '../shared/fhir-endpoints.js';
import { packageRoot } from '../shared/package-root.js';
import { XcaPath } from '../shared/xca-endpoints.js';
import { WSSE_NS } from '../soap/namespaces.js';
import { deliver, wholeEntity } from '../soap/delivery.js';
import type { SoapRequest } from '../soap/server.js';
import { ErrorCode } from '../xca/constants.js';
import { nhsNumberFromPatientId } from '../xca/patient-id.js';
import { registryError } from '../xca/status.js';
import type { RegistryError } from '../xca/types.js';
import type { IuaClaims } from '../security/iua-claims.js';
import type { IuaValidator } from '../security/iua-validate.js';
import { chooseFaults, type FaultTarget } from './fault-injection.js';
import { checkAccess, checkPatient, type AccessRefusal } from './mhd-access.js';
import { createImagingEndpoint } from './imaging-endpoint.js';
import { documentReferenceOf, findDocuments, findDocumentsBundle, withHomeExtension } from './mhd-find.js';
import { deprecatedIssue, lookUpDocument, readDocumentRequest, statusOfErrors } from './mhd-retrieve.js';
import { readMhdSearch } from './mhd-search.js';
import { xuaCheck, type RespondingGatewayOptions } from './responding-gateway.js';

/** FHIR R4 JSON (FHIR R4 "HTTP" 3.1.0.1.10: application/fhir+json). */
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** A `Host` header this community may put in its URLs: a name, IPv4 or [IPv6], optional port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** The resourceType a `wrong-resource-type` (or XML `wrong-namespace`) fault puts on an answer. */
const WRONG_RESOURCE_TYPE = 'Parameters';

const version = (
  JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/** An OperationOutcome JSON body of `issues`. */
function outcomeBody(issues: readonly OperationOutcomeIssue[]): Buffer {
  return Buffer.from(JSON.stringify(operationOutcome(issues)));
}

/**
 * Send `body` with `status`, or as the plan's transport directive asks (soap/delivery.ts):
 * timeout, reset, throttle, truncate, or another body in its place.
 */
async function send(
  res: Response,
  status: number,
  contentType: string,
  body: Buffer,
  plan?: FaultPlan,
): Promise<void> {
  await deliver(res, status, wholeEntity(contentType, [body]), plan?.delivery);
}

/** A JSON answer, its resourceType made wrong when the plan says so (`wrong-resource-type`). */
function json(resource: object, plan: FaultPlan | undefined): Buffer {
  return Buffer.from(
    JSON.stringify(plan?.wrongNamespace ? { ...resource, resourceType: WRONG_RESOURCE_TYPE } : resource),
  );
}

/** An express app serving one community as an MHD Document Responder. */
export function createMhdResponder(
  opts: RespondingGatewayOptions & {
    integration?: boolean;
    /**
     * Security on: the IUA validator ITI-67 and ITI-68 requests must pass (mhd-access.ts), read
     * per request (the server makes it once it knows its URL, the audience); undefined: open.
     */
    iua?: () => IuaValidator | undefined;
  },
): express.Express {
  const { community: c, logger, faults } = opts;
  const clock = opts.clock ?? systemClock;
  const started = new Date(clock.now()).toISOString();
  const ctx = { homeCommunityId: c.homeCommunityId, displayName: c.displayName };
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', false);

  const refuse = (res: Response, status: number, issues: OperationOutcomeIssue[]): Promise<void> =>
    send(res, status, FHIR_JSON, outcomeBody(issues));

  /** `http(s)://host[:port]` as the client addressed this community, or undefined for a bad Host. */
  const baseOf = (req: Request): string | undefined => {
    const host = req.get('host');
    return host !== undefined && HOST.test(host) ? `${req.protocol}://${host}` : undefined;
  };
  const badHost = (res: Response) =>
    refuse(res, 400, [
      issue({
        severity: 'error',
        code: 'value',
        diagnostics: 'the Host header is missing or not a host[:port]',
      }),
    ]);

  /** Faults for one request; a `soap-fault` becomes the OperationOutcome answer (true: answered). */
  const faultsFor = async (
    res: Response,
    target: FaultTarget,
  ): Promise<{ plan: FaultPlan; answered: boolean }> => {
    const plan = await chooseFaults(faults, target, logger, clock, 'mhd');
    if (!plan.soapFault) return { plan, answered: false };
    // SOAP 1.2 Sender / Receiver -> a FHIR client / server error (FHIR R4 "HTTP" 3.1.0.4).
    const sender = plan.soapFault.code === 'Sender';
    await send(
      res,
      sender ? 400 : 500,
      FHIR_JSON,
      operationOutcomeJson(sender ? 'invalid' : 'exception', plan.soapFault.reason),
      plan,
    );
    return { plan, answered: true };
  };

  /** The IUA check (security on); the refusal is sent and undefined returned when it fails. */
  const access = async (req: Request, res: Response): Promise<{ claims?: IuaClaims } | undefined> => {
    const validator = opts.iua?.();
    if (!validator) return {};
    const r = await checkAccess(validator, req.headers.authorization, new Date(clock.now()), logger, c.name);
    if (r.ok) return { claims: r.claims };
    await refuseAccess(res, r.refusal);
    return undefined;
  };
  /** An access refusal (before any fault is chosen): the challenge header and the OperationOutcome. */
  const refuseAccess = (res: Response, r: AccessRefusal): Promise<void> => {
    const body = outcomeBody([r.issue]);
    res.writeHead(r.status, {
      'Content-Type': FHIR_JSON,
      'Content-Length': String(body.length),
      'WWW-Authenticate': r.wwwAuthenticate,
    });
    res.end(body);
    return Promise.resolve();
  };

  app.get('/health', (_req, res) => {
    res.json({ community: c.name, homeCommunityId: c.homeCommunityId, status: 'up', protocol: 'mhd' });
  });

  app.get(FhirPath.metadata, (req, res, next) => {
    const base = baseOf(req);
    if (base === undefined) return void badHost(res).catch(next);
    const cs: CapabilityStatement = documentResponderCapabilityStatement({
      fhirBase: base + FhirPath.fhirBase,
      date: started,
      version,
      integration: opts.integration ?? false,
      community: { displayName: c.displayName, homeCommunityId: c.homeCommunityId },
    });
    send(res, 200, FHIR_JSON, Buffer.from(JSON.stringify(cs))).catch(next);
  });

  const find = async (req: Request, res: Response, text: string): Promise<void> => {
    const base = baseOf(req);
    if (base === undefined) return badHost(res);
    const allowed = await access(req, res);
    if (!allowed) return;
    const handling = searchHandling(req.get('prefer'));
    const read = readMhdSearch(text, handling, c.homeCommunityId);
    if (!read.ok)
      return refuse(
        res,
        400,
        read.problems.map((p) => issue(p)),
      );
    const search = read.search;
    const nhs = search.patient?.nhsNumber;
    const other = allowed.claims && checkPatient(allowed.claims, nhs, logger, c.name);
    if (other) return refuseAccess(res, other);
    const target = { gateway: c.name, transaction: MhdTransaction.Iti67, ...(nhs ? { patient: nhs } : {}) };
    const { plan, answered } = await faultsFor(res, target);
    if (answered) return;
    const found = findDocuments(search, c);
    const docs = found.entries.map((e) => documentReferenceOf(e, base, c.repositoryUniqueId));
    const out = applyToItems(docs, found.errors, plan.content, ctx, withHomeExtension);
    if (out.mismatch) return mismatch(res, out.errors, plan);
    const bundle = findDocumentsBundle({
      // Re-encoded: a form body may hold characters a uri may not (FHIR R4 uri: no whitespace).
      self: `${base}${FhirPath.documentReference}?${new URLSearchParams(text).toString()}`,
      base,
      matches: out.items,
      errors: out.errors,
      warnings: search.warnings,
      timestamp: new Date(clock.now()).toISOString(),
    });
    return send(res, 200, FHIR_JSON, json(bundle, plan), plan);
  };

  /** `status-mismatch` on MHD: HTTP 200 (success) whose body is the errors' OperationOutcome, no Bundle. */
  const mismatch = (res: Response, errors: RegistryError[], plan: FaultPlan): Promise<void> =>
    send(res, 200, FHIR_JSON, json(operationOutcome(errors.map((e) => registryErrorToIssue(e))), plan), plan);

  app.get(FhirPath.documentReference, (req, res, next) => {
    const q = req.originalUrl.indexOf('?');
    find(req, res, q < 0 ? '' : req.originalUrl.slice(q + 1)).catch(next);
  });

  app.post(
    FhirPath.search,
    (req, res, next) => {
      if (!req.is('application/x-www-form-urlencoded'))
        return void refuse(res, 415, [
          issue({
            severity: 'error',
            code: 'not-supported',
            diagnostics:
              'POST _search takes an application/x-www-form-urlencoded body (FHIR R4 "Search" 3.1.1.1)',
          }),
        ]).catch(next);
      next();
    },
    express.text({ type: () => true, limit: MAX_SEARCH_TEXT, defaultCharset: 'utf-8' }),
    (req, res, next) => {
      const text = typeof req.body === 'string' ? req.body : '';
      find(req, res, text).catch(next);
    },
  );

  app.get(FhirPath.iti68, (req, res, next) => {
    const q = req.originalUrl.indexOf('?');
    const pairs = [...new URLSearchParams(q < 0 ? '' : req.originalUrl.slice(q + 1))];
    retrieve(req, res, pairs).catch(next);
  });

  const retrieve = async (req: Request, res: Response, pairs: [string, string][]): Promise<void> => {
    const allowed = await access(req, res);
    if (!allowed) return;
    const read = readDocumentRequest(pairs);
    if (!read.ok) return refuse(res, 400, read.issues);
    const entry = c.entries.find((e) => e.uniqueId === read.params.uniqueId);
    const patient = entry === undefined ? undefined : nhsNumberFromPatientId(entry.patientId);
    const nhs = patient?.ok ? patient.nhsNumber : undefined;
    const other = allowed.claims && checkPatient(allowed.claims, nhs, logger, c.name);
    if (other) return refuseAccess(res, other);
    const target = { gateway: c.name, transaction: MhdTransaction.Iti68, ...(nhs ? { patient: nhs } : {}) };
    const { plan, answered } = await faultsFor(res, target);
    if (answered) return;
    const found = await lookUpDocument(read.params, c);
    const items = found.ok ? [found] : [];
    const errors = !found.ok && 'error' in found ? [found.error] : [];
    const out = applyToItems(items, errors, plan.content, ctx, (d) => d);
    if (out.mismatch) return mismatch(res, out.errors, plan);
    const doc = out.items[0];
    if (doc !== undefined) {
      const type = doc.entry.mimeType;
      if (!req.accepts(type))
        return send(
          res,
          406,
          FHIR_JSON,
          outcomeBody([
            issue({
              severity: 'error',
              code: 'not-supported',
              diagnostics: `the document is ${type}, which the Accept header (${req.get('accept') ?? ''}) excludes`,
            }),
          ]),
          plan,
        );
      return send(res, 200, type, doc.content, plan);
    }
    if (out.errors.length === 0 && !found.ok && 'deprecated' in found)
      return send(res, 410, FHIR_JSON, outcomeBody([deprecatedIssue(found.deprecated)]), plan);
    if (out.errors.length === 0)
      // drop-documents took the one document away: unknown, as ITI-39 would leave it out.
      out.errors.push(
        registryError(
          ErrorCode.XDSDocumentUniqueIdError,
          `simulated: document ${read.params.uniqueId} dropped by ${c.displayName}`,
          c.homeCommunityId,
        ),
      );
    return send(
      res,
      statusOfErrors(out.errors),
      FHIR_JSON,
      outcomeBody(out.errors.map((e) => registryErrorToIssue(e))),
      plan,
    );
  };

  app.all(
    XcaPath.rad75,
    ...createImagingEndpoint({
      community: c,
      logger,
      maxBodyBytes: opts.maxBodyBytes,
      understoodHeaders: opts.xua ? [{ ns: WSSE_NS, local: 'Security' }] : [],
      ...(faults ? { faults } : {}),
      clock,
      ...(opts.xua
        ? {
            authorize: (sreq: SoapRequest) =>
              void xuaCheck(sreq, logger, () =>
                opts.xua!.validate(sreq.envelope, sreq.rawXml, new Date(clock.now())),
              ),
          }
        : {}),
    }),
  );

  app.use(FhirPath.fhirBase, (req, res, next) => {
    refuse(res, 404, [
      issue({
        severity: 'error',
        code: 'not-supported',
        diagnostics: `${req.method} ${FhirPath.fhirBase}${req.path} is not served: this MHD Document Responder serves GET metadata, ITI-67 (GET DocumentReference, POST DocumentReference/_search) and ITI-68 (GET document)`,
      }),
    ]).catch(next);
  });

  // Body-parser and handler errors: an OperationOutcome, never express's HTML page.
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: number }).status;
    if (status === 413)
      return void refuse(res, 413, [
        issue({
          severity: 'error',
          code: 'too-long',
          diagnostics: `the _search body is over ${MAX_SEARCH_TEXT} bytes (MAX_SEARCH_TEXT)`,
        }),
      ]).catch(() => res.destroy());
    if (typeof status === 'number' && status >= 400 && status < 500)
      return void refuse(res, status, [
        issue({ severity: 'error', code: 'invalid', diagnostics: 'the request body could not be read' }),
      ]).catch(() => res.destroy());
    logger.error({ err, community: c.name }, 'MHD request failed');
    refuse(res, 500, [issue({ severity: 'error', code: 'exception', diagnostics: 'internal error' })]).catch(
      () => res.destroy(),
    );
  });
  return app;
}
