/**
 * Turning `sim up` options into a TopologySpec (from `--topology file.yaml`, or from the flags:
 * the committed default pack, a given directory, or one generated on demand for another seed or
 * gateway count); resolve-topology.ts turns the spec into a Topology: one path for files and
 * flags. Light on purpose (no data pack code): `up --detach` only describes.
 */
import path from 'node:path';
import type { TopologySpec } from './topology-spec.js';
import { TopologyDefaults } from './topology.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { loadTopologyFile } from './topology-file.js';

/** `sim up` options that shape the topology. */
export interface UpOptions {
  /** A topology file (YAML); excludes gateways, mhdGateways, dataPack and seed. */
  topology?: string;
  /** Simulated XCA communities (default 3, or all of a given pack). */
  gateways?: number;
  /** Simulated MHD communities, after the XCA ones in the pack (default 0). */
  mhdGateways?: number;
  dataPack?: string;
  /** Seed of a generated data pack. */
  seed?: number;
  /**
   * Broker sandbox port; gateways listen from portBase + 921 (9001 for the default 8080), the
   * control API on portBase + 10 (8090); 0 makes every port ephemeral.
   */
  portBase: number;
  /** Per-community deadline, ms; overrides the topology file's when given. */
  deadlineMs?: number;
  host: string;
}

const DEFAULT_SEED = 42;
const DEFAULT_GATEWAYS = 3;

/** A topology as described: its spec, and the directory its relative paths are relative to. */
export interface DescribedTopology {
  spec: TopologySpec;
  /** Absolute directory a relative `dataPack` is relative to (the topology file's, else the working directory). */
  baseDir: string;
}

/**
 * The spec the options describe, and the directory its relative paths are relative to.
 * @throws SimError SIM_ERR_BAD_ARGUMENT when --topology is combined with --gateways, --data-pack
 *   or --seed, or the topology file is unreadable or invalid.
 */
export async function specFromOptions(o: UpOptions): Promise<DescribedTopology> {
  if (o.topology !== undefined) {
    checkTopologyFlags(o);
    const spec = await loadTopologyFile(o.topology);
    const withDeadline: TopologySpec =
      o.deadlineMs === undefined ? spec : { ...spec, broker: { ...spec.broker, deadlineMs: o.deadlineMs } };
    return { spec: withDeadline, baseDir: path.dirname(path.resolve(o.topology)) };
  }
  return { spec: specFromFlags(o), baseDir: process.cwd() };
}

/**
 * `--topology` excludes the flags that describe the topology.
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming the flags given with --topology.
 */
export function checkTopologyFlags(o: UpOptions): void {
  if (o.topology === undefined) return;
  const clash = [
    o.gateways !== undefined ? '--gateways' : undefined,
    o.mhdGateways !== undefined ? '--mhd-gateways' : undefined,
    o.dataPack !== undefined ? '--data-pack' : undefined,
    o.seed !== undefined ? '--seed' : undefined,
  ].filter((f) => f !== undefined);
  if (clash.length > 0) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `--topology cannot be combined with ${clash.join(', ')}: set gateways, mhdGateways and dataPack in ${o.topology} instead`,
    );
  }
}

/**
 * `--deadline-ms` is a positive whole number of ms, `--gateways` 1..200 and `--mhd-gateways`
 * 0..200 (together at most 200), when given (`sim up` and `sim compose render` take them all).
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming the flag and what it must be.
 */
export function checkDeadlineAndGateways(o: {
  deadlineMs?: number;
  gateways?: number;
  mhdGateways?: number;
}): void {
  if (o.deadlineMs !== undefined && (!Number.isInteger(o.deadlineMs) || o.deadlineMs <= 0)) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `--deadline-ms ${o.deadlineMs} must be a positive whole number of milliseconds`,
    );
  }
  if (o.gateways !== undefined && (!Number.isInteger(o.gateways) || o.gateways < 1 || o.gateways > 200)) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `--gateways ${o.gateways} must be a whole number from 1 to 200`,
    );
  }
  const mhd = o.mhdGateways;
  if (mhd !== undefined && (!Number.isInteger(mhd) || mhd < 0 || mhd > 200)) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `--mhd-gateways ${mhd} must be a whole number from 0 to 200`,
    );
  }
  if (mhd !== undefined && (o.gateways ?? DEFAULT_GATEWAYS) + mhd > 200) {
    throw new SimError(
      SimErrorCode.BadArgument,
      `--gateways ${o.gateways ?? DEFAULT_GATEWAYS} and --mhd-gateways ${mhd} make ${(o.gateways ?? DEFAULT_GATEWAYS) + mhd} communities: at most 200 in all`,
    );
  }
}

/**
 * The spec of `--gateways`, `--mhd-gateways`, `--data-pack`, `--seed` and `--deadline-ms` (no
 * faults, fault seed 1). `--mhd-gateways N` adds N simulated MHD communities after the XCA ones
 * (`--gateways`, default 3; all of a given `--data-pack` but N), so the pack must hold both: the
 * default pack (3 communities) when they fit, else one generated with that many.
 */
export function specFromFlags(o: Omit<UpOptions, 'topology'>): TopologySpec {
  const mhd = o.mhdGateways ?? 0;
  const xca = o.gateways ?? (o.dataPack === undefined && mhd > 0 ? DEFAULT_GATEWAYS : undefined);
  const spec: TopologySpec = {
    schemaVersion: 1,
    seed: 1,
    broker: { deadlineMs: o.deadlineMs ?? TopologyDefaults.deadlineMs, consumers: {} },
    external: [],
    faults: [],
    ...(xca !== undefined ? { gateways: xca } : {}),
    ...(mhd > 0 ? { mhdGateways: mhd } : {}),
  };
  if (o.dataPack !== undefined) return { ...spec, dataPack: o.dataPack };
  const seed = o.seed ?? DEFAULT_SEED;
  const total = (xca ?? DEFAULT_GATEWAYS) + mhd;
  if (seed === DEFAULT_SEED && total <= DEFAULT_GATEWAYS) return spec;
  return { ...spec, dataPack: { seed, communities: total, patients: 60 } };
}
