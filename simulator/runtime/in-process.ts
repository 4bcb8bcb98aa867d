/**
 * The embedded default runtime: the broker and every simulated community (an XCA responding
 * gateway or an MHD Document Responder) as HTTP servers in this process, sharing one fault store and one event bus. Used by `sim up`, the
 * scenario runner and the integration tests (with port 0).
 */
import type { Router } from 'express';
import { DEFAULT_REQUEST_DEADLINE_MARGIN_MS } from '../broker/admission.js';
import type { CommunityEndpoint } from '../broker/community-directory.js';
import { startConsumerConformance, type ConsumerConformance } from '../conformance/consumer-routes.js';
import { defaultControlPort, startControlApi, type RunningControlApi } from '../control/control-api.js';
import { BrokerSettingsStore } from '../control/broker-settings.js';
import { SimEvents } from '../control/events.js';
import type { TransactionLogOptions } from '../control/transaction-log.js';
import { FaultStore } from '../faults/fault-store.js';
import { startRespondingGateway, type RunningGateway } from '../gateway/gateway-server.js';
import { systemClock, type DeadlineClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { defaultParsPort } from '../pars/pars-service.js';
import { patientAccessReport } from '../audit/reports.js';
import { auditRoutes } from '../control/audit-routes.js';
import { startAuditStack, type AuditRuntimeOptions, type RunningAudit } from './audit-stack.js';
import { startBrokerSandbox, type BrokerSandbox } from './broker-sandbox.js';
import type { Topology } from '../topology/topology.js';
import type { RunningIntegration, SecurityRuntime } from './security-runtime.js';
import {
  brokerEndpoints,
  communityView,
  externalCommunityEndpoint,
  simulatedCommunityEndpoint,
  type BrokerEndpoints,
  type CommunityView,
} from '../topology/endpoint-table.js';

/** A community as a running topology reports it (topology/endpoint-table.ts CommunityView). */
export type RunningCommunity = CommunityView;

/** The broker on one of its ports: base URL, FHIR base (`{url}/fhir`) and URL per transaction. */
export interface RunningBrokerPort {
  url: string;
  /** The MHD face's FHIR base (`GET {fhirBase}/metadata`, IHE MHD 4.2.x). */
  fhirBase: string;
  endpoints: BrokerEndpoints;
}

/** A running topology, with every URL a user or test needs. */
export interface RunningTopology {
  /**
   * The sandbox port; `integration` the integration port (HTTPS, mTLS + XUA/IUA), when security is
   * on (docs/security.md).
   */
  broker: RunningBrokerPort & { integration?: RunningBrokerPort };
  communities: RunningCommunity[];
  dataPackDir?: string;
  /** Every answered consumer request is emitted here. */
  events: SimEvents;
  /** The control API, when `deps.control` asked for it. */
  control?: { url: string };
  /** The faults the simulated gateways read: `deps.faults`, or the store made for the control API. */
  faults?: FaultStore;
  /** The broker's deadline and consumer profiles, read per request (control API `/broker/settings`). */
  brokerSettings: BrokerSettingsStore;
  /** The simulated PARS (or the PARS audit goes to), when `deps.audit` asked for audit. */
  pars?: { url: string };
  /** The audit side (docs/audit.md): the run's NDJSON file, the PARS queue and its depth. */
  audit?: Omit<RunningAudit, 'stop'>;
  /** Stop every listener; resolves when all are closed. */
  stop(): Promise<void>;
}

/** Dependencies of a run. */
export interface InProcessDeps {
  logger: Logger;
  /** Time for timestamps and deadlines (default the system clock). */
  clock?: DeadlineClock;
  /** Faults for the simulated gateways (the broker never sees them). */
  faults?: FaultStore;
  /** The bus to emit on; a new one when absent. */
  events?: SimEvents;
  /**
   * Start the control API too (docs/faults.md "The control API"), on `topology.host` and `port` (default: the
   * broker's port + 10, 8090 for 8080; any free port when the broker's is 0). Without `faults`, a
   * FaultStore over the simulated communities is made with `seed` (default 1) so faults can be
   * added at runtime. `seed` is what `GET /topology` reports: pass the seed of `faults`.
   */
  control?: {
    port?: number;
    seed?: number;
    log?: TransactionLogOptions;
    /** Further control API routes from modules the runtime may not import (e.g. the command line's `GET /scenarios`). */
    routes?: readonly Router[];
  };
  /**
   * Audit every consumer request (docs/audit.md): a FHIR AuditEvent per transaction and
   * patient, written before the answer to `<dir>/audit-*.ndjson` and to a durable queue in
   * `<dir>/queue` drained into PARS; the simulated PARS listens on `parsPort` (default: the
   * broker's port + 20, 8100 for 8080; any free port when the broker's is 0) unless `parsUrl` names
   * another. `faults` then accept `pars-down` / `pars-slow` (gateway `pars`).
   */
  audit?: AuditRuntimeOptions;
}

/**
 * Whether `topology` may turn security on (security-runtime.ts resolveSecurity decides): not when
 * it says `security: false`, nor when it says nothing and the broker is on port 0. Otherwise the
 * security runtime is loaded; its modules (PKI minting, XML signatures) take about 0.4 s of CPU to
 * load, which a start without security does not pay.
 */
function mayUseSecurity(topology: Topology): boolean {
  return !(topology.security === false || (topology.security === undefined && topology.broker.port === 0));
}

/** Start `topology` in this process. On failure, whatever was started is stopped again. */
export async function startInProcess(topology: Topology, deps: InProcessDeps): Promise<RunningTopology> {
  const gateways: RunningGateway[] = [];
  let sandbox: BrokerSandbox | undefined;
  const events = deps.events ?? new SimEvents();
  const faults = deps.faults ?? (deps.control ? simulatedFaultStore(topology, deps.control.seed) : undefined);
  let controlApi: RunningControlApi | undefined;
  // Consumer mode (docs/conformance.md) keeps the broker's records from the start, for the control API.
  const consumerMode: ConsumerConformance | undefined =
    deps.control && faults
      ? startConsumerConformance(
          events,
          () =>
            topology.broker.admission?.requestDeadlineMs ??
            topology.broker.deadlineMs + DEFAULT_REQUEST_DEADLINE_MARGIN_MS,
        )
      : undefined;
  const brokerSettings = new BrokerSettingsStore({
    deadlineMs: topology.broker.deadlineMs,
    ...(topology.broker.consumers ? { consumers: topology.broker.consumers } : {}),
  });
  let audit: RunningAudit | undefined;
  let security: SecurityRuntime | undefined;
  let integration: RunningIntegration | undefined;
  const stop = async (): Promise<void> => {
    security?.stop();
    await Promise.all([
      ...gateways.map((g) => g.stop()),
      ...(sandbox ? [sandbox.stop()] : []),
      ...(controlApi ? [controlApi.stop()] : []),
      ...(integration ? [integration.stop()] : []),
    ]);
    await audit?.stop(); // after the broker: nothing is answered without its audit record
    consumerMode?.stop();
  };
  try {
    const securityRuntime = mayUseSecurity(topology) ? await import('./security-runtime.js') : undefined;
    security = await securityRuntime?.prepareSecurity(topology, deps.logger.child({ component: 'security' }));
    // Every simulated community's listener at once (each waits on its own bind), in topology order.
    const started = await Promise.allSettled(
      topology.communities.map(async (c): Promise<CommunityEndpoint> => {
        if (c.kind === 'external') return externalCommunityEndpoint(c);
        const protocol = c.protocol ?? 'xca';
        const g = await startRespondingGateway({
          community: c.store,
          logger: deps.logger.child({ community: c.store.name }),
          maxBodyBytes: topology.maxBodyBytes,
          host: topology.host,
          port: c.port,
          ...(protocol === 'mhd' ? { protocol } : {}),
          ...(faults ? { faults } : {}),
          ...(security ? security.gateway(c.store.name, c.store.homeCommunityId) : {}),
          clock: deps.clock ?? systemClock,
        });
        gateways.push(g);
        return simulatedCommunityEndpoint(c.store, protocol, g.url);
      }),
    );
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason; // the catch below stops the gateways that did start
    const endpoints = started.map((r) => (r as PromiseFulfilledResult<CommunityEndpoint>).value);
    if (deps.audit)
      audit = await startAuditStack(
        events,
        { ...deps.audit, parsPort: deps.audit.parsPort ?? defaultParsPort(topology.broker.port) },
        {
          host: topology.host,
          logger: deps.logger,
          clock: deps.clock ?? systemClock,
          ...(faults ? { faults } : {}),
        },
      );
    sandbox = await startBrokerSandbox({
      communities: endpoints,
      ...(topology.broker.consumers ? { consumers: topology.broker.consumers } : {}),
      deadlineMs: topology.broker.deadlineMs,
      settings: brokerSettings.current,
      ...(topology.broker.admission ? { admission: topology.broker.admission } : {}),
      maxBodyBytes: topology.maxBodyBytes,
      host: topology.host,
      port: topology.broker.port,
      clock: deps.clock ?? systemClock,
      logger: deps.logger,
      events,
      ...(security ? { httpsAgent: security.httpsAgent, forward: security.forward } : {}),
    });
    const { context, port, url } = sandbox;
    if (security && securityRuntime) {
      const sec = topology.security;
      const integrationPort =
        (typeof sec === 'object' ? sec.integrationPort : undefined) ??
        securityRuntime.defaultIntegrationPort(topology.broker.port);
      integration = await security.startIntegration(
        context,
        topology.host,
        integrationPort,
        topology.maxBodyBytes,
      );
    }
    const view = {
      broker: {
        url,
        ...brokerEndpoints(url),
        ...(integration
          ? { integration: { url: integration.url, ...brokerEndpoints(integration.url) } }
          : {}),
      },
      communities: endpoints.map((e, i) => communityView(e, topology.communities[i]!.kind)),
      ...(topology.dataPackDir !== undefined ? { dataPackDir: topology.dataPackDir } : {}),
    };
    if (deps.control && faults) {
      const seed = deps.control.seed ?? 1;
      controlApi = await startControlApi({
        host: topology.host,
        port: deps.control.port ?? defaultControlPort(port),
        faults,
        events,
        topology: () => ({ ...view, seed }),
        logger: deps.logger.child({ component: 'control' }),
        ...(deps.control.log ? { log: deps.control.log } : {}),
        brokerSettings,
        routes: [
          ...(consumerMode ? [consumerMode.routes] : []),
          ...(deps.control.routes ?? []),
          ...(audit ? [auditRoutes({ parsUrl: audit.pars.url, patientReport: patientAccessReport })] : []),
        ],
      });
    }
    return {
      ...view,
      events,
      ...(controlApi ? { control: { url: controlApi.url } } : {}),
      ...(faults ? { faults } : {}),
      brokerSettings,
      ...(audit ? { pars: audit.pars, audit } : {}),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A fault store whose faults may target the topology's simulated communities. */
function simulatedFaultStore(topology: Topology, seed = 1): FaultStore {
  const names = topology.communities.flatMap((c) => (c.kind === 'simulated' ? [c.store.name] : []));
  return new FaultStore(seed, () => names);
}
