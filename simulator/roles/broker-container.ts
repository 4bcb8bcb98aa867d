/**
 * The broker role of the container stack (docs/containers.md): what `sim serve broker` starts in its
 * container. The broker's sandbox port over communities that run in other containers (simulated
 * responding gateways, each with its own control API) or outside (a supplier's own gateway), the
 * audit trail sent to the PARS container, and the control API users and scenarios talk to: its
 * faults go to the container that owns each target (control/federated-faults.ts), its transaction
 * log follows this broker.
 */
import type { Router } from 'express';
import { DEFAULT_REQUEST_DEADLINE_MARGIN_MS } from '../broker/admission.js';
import type { CommunityEndpoint, ConsumerProfile } from '../broker/community-directory.js';
import { startConsumerConformance } from '../conformance/consumer-routes.js';
import { startControlApi, type ControlCommunity, type RunningControlApi } from '../control/control-api.js';
import { BrokerSettingsStore } from '../control/broker-settings.js';
import { SimEvents } from '../control/events.js';
import { federatedFaults } from '../control/federated-faults.js';
import { startAuditStack, type RunningAudit } from '../runtime/audit-stack.js';
import { PARS_TARGET } from '../pars/pars-service.js';
import { systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { startBrokerSandbox, type BrokerSandbox } from '../runtime/broker-sandbox.js';
import type { RunningRole } from './role.js';
import type { CommunityProtocol, ExternalCommunity } from '../topology/topology.js';
import {
  brokerEndpoints,
  communityView,
  externalCommunityEndpoint,
  simulatedCommunityEndpoint,
} from '../topology/endpoint-table.js';
import type { RunningIntegration, SecurityRuntime } from '../runtime/security-runtime.js';

/** A community simulated in another container: its gateway's base URL and its control API. */
export interface ContainerCommunity {
  name: string;
  homeCommunityId: string;
  /** Base URL of its responding gateway, e.g. `http://north-east-imaging-network:9001`. */
  url: string;
  /** Base URL of its control API, e.g. `http://north-east-imaging-network:9090`. */
  controlUrl: string;
  /** What its gateway speaks; absent: `xca` (`mhd`: an MHD Document Responder at `{url}/fhir`). */
  protocol?: CommunityProtocol;
}

/** What the broker container runs. Ports are TCP ports; 0 picks a free one. */
interface BrokerRoleOptions {
  host: string;
  port: number;
  controlPort: number;
  /** Per-community deadline, ms. */
  deadlineMs: number;
  maxBodyBytes: number;
  seed: number;
  communities: ContainerCommunity[];
  external: ExternalCommunity[];
  /** PARS base URL and its control API (faults `pars-down` / `pars-slow`); no audit when absent. */
  pars?: { url: string; controlUrl: string };
  /** Directory of the audit file and the durable PARS queue (a volume, so nothing is lost on restart). */
  auditDir: string;
  /** Consumer profiles by consumer id (the `X-NIR-Consumer` header), communities by homeCommunityId. */
  consumers?: Record<string, ConsumerProfile>;
  /** The broker's sandbox URL as users reach it (published port); `GET /topology` reports it. */
  publicUrl?: string;
  /**
   * Security (docs/security.md) from a mounted certificate set: legs over mutual TLS to `https:`
   * community URLs with the broker's client certificate and a forwarded signed assertion, and
   * the integration port (HTTPS, mTLS against the supplier chain, XUA, default deny) on
   * `integrationPort`. The sandbox port stays open access.
   */
  security?: { certsDir: string; integrationPort: number };
  /**
   * The control API's transaction log (`GET /transactions`): transactions kept and the largest
   * body kept per message, bytes. Default {@link CONTAINER_TRANSACTION_LOG}: a container is sized
   * for its memory bound, so it keeps fewer than the in-process runtime's 500 x 256 KiB.
   */
  transactionLog?: { capacity: number; maxBodyBytes: number };
  /**
   * Further control API routes, mounted after the role's own (the command line's audit and
   * scenario routes, cli/broker-control-routes.ts: modules this role may not import).
   */
  routes?: readonly Router[];
  logger: Logger;
}

/**
 * The broker container's transaction log: the last 20 transactions, each body cut at 64 KiB, so
 * at most about 20 x (2 + 2 x legs) x 64 KiB (10 MiB for 3 communities). A 3-community
 * FindDocuments measured about 0.35 MiB of broker memory per transaction kept (50 kept: 113 MiB
 * after a load, 10 kept: 99 MiB), which the container's memory bound cannot spare; the
 * in-process default (500 x 256 KiB) held about 0.8 MiB each, 400 MiB when full.
 * `serve broker --transaction-log N` keeps more.
 */
export const CONTAINER_TRANSACTION_LOG = { capacity: 20, maxBodyBytes: 64 * 1024 } as const;

/**
 * What the container keeps for `GET /conformance/consumer`: records without their answers' and
 * legs' bodies (conformance/consumer-log.ts), at most 200 and 8 MiB of request envelopes.
 */
export const CONTAINER_CONSUMER_LOG = { capacity: 200, maxTotalBytes: 8 * 1024 * 1024 } as const;

/** Each community as the broker's directory holds it (topology/endpoint-table.ts). */
function directoryEntries(o: BrokerRoleOptions): CommunityEndpoint[] {
  return [
    ...o.communities.map((c) => simulatedCommunityEndpoint(c, c.protocol ?? 'xca', c.url)),
    ...o.external.map(externalCommunityEndpoint),
  ];
}

/**
 * Start the broker role: audit first (nothing is answered without its record), then the sandbox
 * port, then the control API.
 * @throws SimError SIM_ERR_PORT_IN_USE when a port is taken; SIM_ERR_ALREADY_RUNNING when the
 *   audit queue directory is in use by another broker.
 */
export async function startBrokerRole(o: BrokerRoleOptions): Promise<RunningRole> {
  const events = new SimEvents();
  const entries = directoryEntries(o);
  const owners = new Map(o.communities.map((c) => [c.name, c.controlUrl]));
  if (o.pars) owners.set(PARS_TARGET, o.pars.controlUrl);
  const faults = federatedFaults(o.seed, owners);
  const brokerSettings = new BrokerSettingsStore({
    deadlineMs: o.deadlineMs,
    ...(o.consumers ? { consumers: o.consumers } : {}),
  });
  let audit: RunningAudit | undefined;
  let sandbox: BrokerSandbox | undefined;
  let control: RunningControlApi | undefined;
  let security: SecurityRuntime | undefined;
  let integration: RunningIntegration | undefined;
  // Consumer mode (docs/conformance.md): the broker's records from the start, for the control API.
  const consumerMode = startConsumerConformance(
    events,
    () => o.deadlineMs + DEFAULT_REQUEST_DEADLINE_MARGIN_MS,
    CONTAINER_CONSUMER_LOG,
  );
  const stop = async (): Promise<void> => {
    security?.stop();
    await Promise.all([sandbox?.stop(), control?.stop(), integration?.stop()]);
    await audit?.stop();
    consumerMode.stop();
  };
  try {
    // Loaded only with a certificate set: a broker without one holds no TLS, XUA or
    // signature-verification code (about 3 MiB of RSS measured).
    if (o.security)
      security = (await import('../runtime/security-runtime.js')).securityFromDirectory(
        o.security.certsDir,
        o.communities.map((c) => c.name),
        {},
        o.logger.child({ component: 'security' }),
      );
    if (o.pars)
      audit = await startAuditStack(
        events,
        { dir: o.auditDir, parsUrl: o.pars.url },
        { host: o.host, logger: o.logger, clock: systemClock },
      );
    sandbox = await startBrokerSandbox({
      communities: entries,
      ...(o.consumers ? { consumers: o.consumers } : {}),
      deadlineMs: o.deadlineMs,
      settings: brokerSettings.current,
      maxBodyBytes: o.maxBodyBytes,
      host: o.host,
      port: o.port,
      clock: systemClock,
      logger: o.logger,
      events,
      ...(security ? { httpsAgent: security.httpsAgent, forward: security.forward } : {}),
    });
    if (security && o.security) {
      integration = await security.startIntegration(
        sandbox.context,
        o.host,
        o.security.integrationPort,
        o.maxBodyBytes,
      );
      o.logger.info({ url: integration.url }, 'broker integration port (mTLS + XUA) ready');
    }
    const publicUrl = o.publicUrl ?? sandbox.url;
    const communities: ControlCommunity[] = entries.map((e, i) =>
      communityView(e, i < o.communities.length ? 'simulated' : 'external'),
    );
    control = await startControlApi({
      host: o.host,
      port: o.controlPort,
      faults,
      events,
      topology: () => ({
        broker: { url: publicUrl, ...brokerEndpoints(publicUrl) },
        communities,
        seed: o.seed,
      }),
      logger: o.logger.child({ component: 'control' }),
      brokerSettings,
      log: o.transactionLog ?? CONTAINER_TRANSACTION_LOG,
      routes: [consumerMode.routes, ...(o.routes ?? [])],
    });
    return {
      url: sandbox.url,
      control: { url: control.url },
      ...(integration ? { integration: { url: integration.url } } : {}),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
