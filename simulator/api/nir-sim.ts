/**
 * nir-sim started from a supplier's own tests (docs/api.md): {@link startNirSim} starts a whole
 * topology in this process (the NIR broker, simulated communities, the control API, the simulated
 * PARS) on ephemeral ports and returns typed URLs, the fault catalogue's add/remove/clear, the
 * broker's transaction records, the AuditEvents PARS received, and `stop()`. A thin facade over
 * what `sim up` runs (runtime/in-process.ts startInProcess over topology/resolve-topology.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AuditEvent } from 'fhir/r4.js';
import { TransactionLog, type TransactionSummary } from '../control/transaction-log.js';
import type { TransactionEvent } from '../events/transaction-events.js';
import type { FaultSpec, FaultSpecInput } from '../faults/fault-spec.js';
import type { FaultStatus, FaultStore } from '../faults/fault-store.js';
import { startInProcess, type RunningBrokerPort, type RunningCommunity } from '../runtime/in-process.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { silentLogger, type Logger } from '../shared/logger.js';
import { topologyFromSpec } from '../topology/resolve-topology.js';
import type { Topology } from '../topology/topology.js';
import { describeStart, type NirSimOptions } from './options.js';

/** Every URL of a started topology (all `http://` but `broker.integration`, which is `https://`). */
export interface NirSimUrls {
  /**
   * The broker's sandbox port (plain HTTP, no security): its base URL, the MHD FHIR base
   * (`{url}/fhir`), and the URL per transaction (`endpoints.iti38`, `iti39`, `rad75`, `iti67`, ...).
   */
  broker: RunningBrokerPort;
  /** The broker's integration port (HTTPS, mutual TLS + XUA/IUA), with `security` only. */
  integration?: RunningBrokerPort;
  /** The control API (docs/faults.md "The control API"; `GET /faults`, `/transactions`, `/topology`). */
  control: string;
  /** The simulated PARS; its FHIR R4 base is `{pars}/FHIR/R4` (docs/audit.md). */
  pars: string;
  /** Every community: name, homeCommunityId, protocol and its endpoints. */
  communities: RunningCommunity[];
}

/** The faults of a running topology (the fault catalogue, docs/faults.md), as the control API's `/faults`. */
export interface NirSimFaults {
  /**
   * Add one fault, validated by the catalogue's zod schema (faults/fault-spec.ts).
   * @returns the fault with its defaults filled in.
   * @throws SimError SIM_ERR_BAD_ARGUMENT listing every problem (unknown kind, unknown gateway,
   *   a name already in use, ...); nothing is added then.
   */
  add(fault: FaultSpecInput): FaultSpec;
  /** Remove a fault by name; false when there was none. */
  remove(name: string): boolean;
  /** Remove every fault. */
  clear(): void;
  /** Every fault with its counters (`matched`, `applied`), in the order added. */
  list(): FaultStatus[];
}

/** A running nir-sim. */
export interface NirSim {
  urls: NirSimUrls;
  /** The directory of the data pack the communities serve. */
  dataPackDir: string;
  /** With `security`: the certificate set (layout certs/README.md) a supplier's client takes its keys from. */
  certsDir?: string;
  faults: NirSimFaults;
  /**
   * The broker's transactions, newest first, without bodies (at most 500 kept, bodies at most
   * 256 KiB each; control/transaction-log.ts); with `transaction`, only that one (`ITI-38`, ...).
   */
  transactions(filter?: { transaction?: TransactionEvent['transaction'] }): TransactionSummary[];
  /** One transaction with its request and response bodies and its legs', or undefined. */
  transaction(id: string): TransactionEvent | undefined;
  /**
   * The FHIR R4 AuditEvents the simulated PARS holds, in arrival order, after waiting up to
   * `waitMs` (default 10 000 ms) for the audit queue to drain into PARS (it may not, under a
   * `pars-down` fault: then what PARS holds so far).
   */
  auditEvents(o?: { waitMs?: number }): Promise<AuditEvent[]>;
  /** Stop every listener and remove the temporary audit directory; resolves when all are closed. Idempotent. */
  stop(): Promise<void>;
}

/** `topology` with security forced on, in `certsDir`. */
function withSecurity(topology: Topology, certsDir: string): Topology {
  const own = typeof topology.security === 'object' ? topology.security : {};
  return { ...topology, security: { ...own, certsDir: own.certsDir ?? certsDir } };
}

/**
 * Mint what `certsDir` lacks for the simulated communities (security/cert-mint.ts
 * ensureCertificateSet, as `sim certs generate`); loaded with security only.
 */
async function mintCertificates(topology: Topology, certsDir: string): Promise<void> {
  const { ensureCertificateSet } = await import('../security/cert-mint.js');
  const communities = topology.communities.flatMap((c) => (c.kind === 'simulated' ? [c.store.name] : []));
  await ensureCertificateSet(certsDir, { communities });
}

/** The fault facade over a store: validation problems become one SimError. */
function faultsOf(store: FaultStore): NirSimFaults {
  return {
    add(fault) {
      const r = store.add(fault);
      if (!r.ok) throw new SimError(SimErrorCode.BadArgument, `invalid fault: ${r.problems.join('; ')}`);
      return r.fault;
    },
    remove: (name) => store.remove(name),
    clear: () => store.reset(),
    list: () => store.list(),
  };
}

/**
 * Start a topology in this process (docs/api.md): the default pack's 3 communities, or what
 * `options` says, on ephemeral ports of 127.0.0.1 unless `port` says otherwise.
 * @param options see {@link NirSimOptions}; `{}` when omitted.
 * @param deps.logger a pino logger (default silent).
 * @throws SimError SIM_ERR_BAD_ARGUMENT for bad options, a bad topology or bad faults (every
 *   problem in one message), SIM_ERR_DATA_PACK_MISSING / _INVALID for the data pack,
 *   SIM_ERR_PORT_IN_USE when a fixed port is taken. Whatever had started is stopped again.
 */
export async function startNirSim(
  options: NirSimOptions = {},
  deps: { logger?: Logger } = {},
): Promise<NirSim> {
  const start = await describeStart(options);
  const resolved = await topologyFromSpec(start.described, { host: start.host, portBase: start.port });
  const topology = start.security
    ? withSecurity(resolved.topology, start.security.certsDir)
    : { ...resolved.topology, security: false as const };
  if (start.security) await mintCertificates(topology, start.security.certsDir);
  const ownAuditDir = options.auditDir === undefined;
  const auditDir = options.auditDir ?? (await mkdtemp(path.join(os.tmpdir(), 'nir-sim-audit-')));
  const log = new TransactionLog();
  let running;
  try {
    running = await startInProcess(topology, {
      logger: deps.logger ?? silentLogger(),
      ...(start.clock ? { clock: start.clock } : {}),
      faults: resolved.faults,
      control: { port: start.port === 0 ? 0 : start.port + 10, seed: resolved.spec.seed },
      audit: { dir: auditDir, parsPort: start.port === 0 ? 0 : start.port + 20 },
    });
  } catch (err) {
    if (ownAuditDir) await rm(auditDir, { recursive: true, force: true });
    throw err;
  }
  const unfollow = log.follow(running.events);
  const { broker, audit } = running;
  const { integration, ...sandbox } = broker;
  let stopped: Promise<void> | undefined;
  return {
    urls: {
      broker: sandbox,
      ...(integration ? { integration } : {}),
      control: running.control!.url,
      pars: running.pars!.url,
      communities: running.communities,
    },
    dataPackDir: resolved.pack.dir,
    ...(start.security ? { certsDir: start.security.certsDir } : {}),
    faults: faultsOf(resolved.faults),
    transactions: (filter = {}) => log.list(undefined, filter),
    transaction: (id) => log.get(id),
    async auditEvents(o = {}) {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((r) => (timer = setTimeout(r, o.waitMs ?? 10_000)));
      await Promise.race([audit!.drained(), waited]);
      clearTimeout(timer);
      return audit!.parsStore?.all() ?? [];
    },
    stop() {
      stopped ??= (async () => {
        unfollow();
        await running.stop();
        if (ownAuditDir) await rm(auditDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
