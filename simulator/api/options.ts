/**
 * The programmatic API's start options (docs/api.md), and their turning into the topology the
 * CLI's `sim up` would start: one TopologySpec path (topology/topology-from-options.ts and
 * topology/resolve-topology.ts), so the API and the CLI cannot drift apart.
 */
import os from 'node:os';
import path from 'node:path';
import type { FaultSpecInput } from '../faults/fault-spec.js';
import type { DeadlineClock } from '../shared/clock.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { specFromFlags, specFromOptions, type DescribedTopology } from '../topology/topology-from-options.js';
import { parseTopologySpec } from '../topology/topology-spec.js';

/** What {@link startNirSim} starts. Every field is optional: `{}` starts the default pack's 3 communities. */
export interface NirSimOptions {
  /**
   * A topology: the path of a topology file (YAML, docs/topology.md) or the same object inline.
   * Excludes `communities`, `mhdCommunities`, `dataPack` and `seed`.
   */
  topology?: string | Record<string, unknown>;
  /** Simulated XCA communities (responding gateways), 1..200; default 3 (or all of `dataPack`). */
  communities?: number;
  /** Simulated MHD communities (Document Responders) after the XCA ones, 0..200; default 0. */
  mhdCommunities?: number;
  /** A data pack directory (docs/topology.md); default the committed pack, or one generated for `seed`. */
  dataPack?: string;
  /** Seed of a generated data pack (default 42: the committed pack). */
  seed?: number;
  /** Faults in force from the start (the fault catalogue, docs/faults.md); more with `faults.add`. */
  faults?: FaultSpecInput[];
  /**
   * Security (docs/security.md): `true` adds the broker's integration port (HTTPS with mutual TLS,
   * XUA SAML for SOAP, IUA for FHIR) and minting of whatever certificate set `certsDir` lacks
   * (default `NIR_SIM_CERTS_DIR`, else `<os tmpdir>/nir-sim-certs`). Default off.
   */
  security?: boolean | { certsDir?: string };
  /** Interface every listener binds, default `127.0.0.1`. */
  host?: string;
  /**
   * Broker sandbox port; 0 (the default) makes every port ephemeral. Another value gives the CLI's
   * layout: communities from port + 921, control API port + 10, PARS port + 20, integration + 363.
   */
  port?: number;
  /** Per-community deadline of the broker's fan-out, ms (default 10 000, or the topology file's). */
  deadlineMs?: number;
  /**
   * Directory of the audit side (the run's AuditEvent NDJSON, the PARS queue, the simulated PARS's
   * store); default a new temporary directory, removed again by `stop()`.
   */
  auditDir?: string;
  /**
   * The time the topology runs on (docs/api.md "Time"): the broker's per-community and request
   * deadlines, fault `latency` and `pars-slow` delays, and the timestamps of transactions and
   * AuditEvents. Default the system clock; `virtualClock()` (exported) moves only when the test
   * calls `advance(ms)`.
   */
  clock?: DeadlineClock;
}

/** The described topology of `o` and whether security is asked for, validated. */
export interface DescribedStart {
  described: DescribedTopology;
  security: { certsDir: string } | undefined;
  host: string;
  port: number;
  clock: DeadlineClock | undefined;
}

/** Default certificate directory of the API: `NIR_SIM_CERTS_DIR`, else `<os tmpdir>/nir-sim-certs`. */
function apiCertsDir(): string {
  return process.env['NIR_SIM_CERTS_DIR'] ?? path.join(os.tmpdir(), 'nir-sim-certs');
}

/**
 * Check `o` and describe its topology as a TopologySpec (with its faults).
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming the option and what it must be (communities
 *   1..200, port 0..65535, `topology` combined with the options it excludes, an invalid inline
 *   topology with every problem), or from reading a topology file.
 */
export async function describeStart(o: NirSimOptions): Promise<DescribedStart> {
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new SimError(SimErrorCode.BadArgument, `port ${port} must be a whole number from 0 to 65535`);
  if (o.topology !== undefined) {
    const clash = (['communities', 'mhdCommunities', 'dataPack', 'seed'] as const).filter(
      (k) => o[k] !== undefined,
    );
    if (clash.length > 0)
      throw new SimError(
        SimErrorCode.BadArgument,
        `topology cannot be combined with ${clash.join(', ')}: set gateways, mhdGateways and dataPack in the topology instead`,
      );
  }
  checkCounts(o);
  checkClock(o.clock);
  const described = await describeTopology(o, port);
  // The topology's faults, then the option's: both are validated together when the fault store
  // takes them (topology/resolve-topology.ts), every problem in one SimError.
  const faults = [...described.spec.faults, ...(o.faults ?? [])];
  const sec = o.security;
  return {
    described: { ...described, spec: { ...described.spec, faults: faults as typeof described.spec.faults } },
    security: sec
      ? { certsDir: path.resolve((typeof sec === 'object' && sec.certsDir) || apiCertsDir()) }
      : undefined,
    host: o.host ?? '127.0.0.1',
    port,
    clock: o.clock,
  };
}

/** The methods a {@link DeadlineClock} has (shared/clock.ts). */
const CLOCK_METHODS = ['now', 'timeout', 'deadline', 'sleep'] as const;

/**
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming the methods `clock` lacks (a JavaScript caller may
 *   pass anything).
 */
function checkClock(clock: unknown): void {
  if (clock === undefined) return;
  const c = (typeof clock === 'object' && clock !== null ? clock : {}) as Record<string, unknown>;
  const missing = CLOCK_METHODS.filter((m) => typeof c[m] !== 'function');
  if (missing.length > 0)
    throw new SimError(
      SimErrorCode.BadArgument,
      `clock lacks ${missing.join(', ')}: pass virtualClock() or another DeadlineClock`,
    );
}

/** Whether `n` is a whole number from `min` to `max`. */
const within = (n: number, min: number, max: number): boolean => Number.isInteger(n) && n >= min && n <= max;

/**
 * The bounds `sim up` puts on its flags (topology-from-options.ts checkDeadlineAndGateways), named
 * as the API names them.
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming the option and what it must be.
 */
function checkCounts(o: NirSimOptions): void {
  const bad = (m: string): never => {
    throw new SimError(SimErrorCode.BadArgument, m);
  };
  if (o.deadlineMs !== undefined && !within(o.deadlineMs, 1, Number.MAX_SAFE_INTEGER))
    bad(`deadlineMs ${o.deadlineMs} must be a positive whole number of milliseconds`);
  if (o.communities !== undefined && !within(o.communities, 1, 200))
    bad(`communities ${o.communities} must be a whole number from 1 to 200`);
  if (o.mhdCommunities !== undefined && !within(o.mhdCommunities, 0, 200))
    bad(`mhdCommunities ${o.mhdCommunities} must be a whole number from 0 to 200`);
  const total = (o.communities ?? 3) + (o.mhdCommunities ?? 0);
  if (total > 200) bad(`communities and mhdCommunities make ${total} communities: at most 200 in all`);
}

/**
 * The spec of a topology file, an inline topology or the flag-like options.
 * @throws SimError SIM_ERR_BAD_ARGUMENT for an invalid inline topology (every problem listed).
 */
async function describeTopology(o: NirSimOptions, port: number): Promise<DescribedTopology> {
  const host = o.host ?? '127.0.0.1';
  if (typeof o.topology === 'string')
    return specFromOptions({
      topology: o.topology,
      portBase: port,
      host,
      ...(o.deadlineMs !== undefined ? { deadlineMs: o.deadlineMs } : {}),
    });
  if (o.topology !== undefined) {
    const r = parseTopologySpec(o.topology);
    if (!r.ok) throw new SimError(SimErrorCode.BadArgument, `invalid topology: ${r.problems.join('; ')}`);
    const spec =
      o.deadlineMs === undefined
        ? r.spec
        : { ...r.spec, broker: { ...r.spec.broker, deadlineMs: o.deadlineMs } };
    return { spec, baseDir: process.cwd() };
  }
  return {
    spec: specFromFlags({
      portBase: port,
      host,
      ...(o.communities !== undefined ? { gateways: o.communities } : {}),
      ...(o.mhdCommunities !== undefined ? { mhdGateways: o.mhdCommunities } : {}),
      ...(o.dataPack !== undefined ? { dataPack: path.resolve(o.dataPack) } : {}),
      ...(o.seed !== undefined ? { seed: o.seed } : {}),
      ...(o.deadlineMs !== undefined ? { deadlineMs: o.deadlineMs } : {}),
    }),
    baseDir: process.cwd(),
  };
}
