/**
 * From a TopologySpec (a topology file, a scenario's `topology`, or `sim up` flags) to what the
 * runtime starts: the data pack (a directory, or generated into the `.nir-sim` cache), the first
 * `gateways` + `mhdGateways` communities as simulated communities (XCA responding gateways or MHD
 * Document Responders, simulatedProtocols), the external communities, consumer
 * profiles by homeCommunityId, and the fault store with the spec's faults. The one path from a
 * description to a Topology.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ConsumerProfile } from '../broker/community-directory.js';
import { generateDataPack } from '../data-pack/generator.js';
import { loadDataPack, type DataPack } from '../data-pack/loader.js';
import { FaultStore } from '../faults/fault-store.js';
import { toExternalCommunity, type TopologySpec } from './topology-spec.js';
import { TopologyDefaults, type CommunityProtocol, type Topology } from './topology.js';
import type { CommunityData } from '../data-pack/pack-format.js';
import { SimError, SimErrorCode } from '../shared/errors.js';
import { defaultDataPackDir, stateHome } from '../shared/sim-paths.js';
import { specFromOptions, type DescribedTopology, type UpOptions } from './topology-from-options.js';

/** Offset from the broker port to the first gateway port (8080 -> 9001). */
const GATEWAY_PORT_OFFSET = TopologyDefaults.gatewayPortBase - TopologyDefaults.brokerPort;

/** Where and how to resolve a spec. */
interface ResolveOptions {
  /** Directory that relative `dataPack` paths are relative to (the topology file's). */
  baseDir: string;
  host: string;
  /** Broker sandbox port; gateway i listens on portBase + 921 + i. 0: every port ephemeral. */
  portBase: number;
}

/** A resolved topology: what to start, its pack, and its faults (already added). */
export interface ResolvedTopology {
  topology: Topology;
  pack: DataPack;
  faults: FaultStore;
}

/**
 * Resolve `spec` into a runtime Topology.
 * @throws SimError SIM_ERR_DATA_PACK_MISSING / _INVALID from the loader; SIM_ERR_BAD_ARGUMENT
 *   when `gateways` + `mhdGateways` exceeds the pack, `communities` names a community not simulated, the topology has no community, a consumer profile names an
 *   unknown community, or faults are invalid (every problem in one message).
 */
export async function resolveTopology(spec: TopologySpec, opts: ResolveOptions): Promise<ResolvedTopology> {
  const dir = await packDir(spec, opts.baseDir);
  const pack = await loadDataPack(dir);
  const mhd = spec.mhdGateways ?? 0;
  const n = spec.gateways ?? Math.max(0, pack.communities.length - mhd);
  if (n + mhd > pack.communities.length) {
    const what = mhd > 0 ? `gateways + mhdGateways (${n} + ${mhd})` : 'gateways';
    throw new SimError(
      SimErrorCode.BadArgument,
      `data pack ${dir} has ${pack.communities.length} communities, so ${what} must be at most ${pack.communities.length} (or use a generated pack with that many communities)`,
    );
  }
  const simulated = pack.communities.slice(0, n + mhd);
  const protocols = simulatedProtocols(spec, simulated, n);
  const external = spec.external.map(toExternalCommunity);
  if (simulated.length + external.length === 0) {
    throw new SimError(
      SimErrorCode.BadArgument,
      'the topology has no community: set gateways to 1 or more, or add external communities',
    );
  }
  const all = [
    ...simulated.map((c) => ({ name: c.name, homeCommunityId: c.homeCommunityId })),
    ...external.map((e) => ({ name: e.name, homeCommunityId: e.homeCommunityId })),
  ];
  const consumers = resolveConsumers(spec.broker.consumers, all);
  const names = simulated.map((c) => c.name);
  const faults = new FaultStore(spec.seed, () => names);
  const added = faults.addAll(spec.faults);
  if (!added.ok) {
    const problems = spec.faults.length === 1 ? added.problems.map((p) => `faults[0].${p}`) : added.problems;
    throw new SimError(SimErrorCode.BadArgument, `invalid faults: ${problems.join('; ')}`);
  }
  const topology: Topology = {
    host: opts.host,
    broker: {
      port: opts.portBase,
      deadlineMs: spec.broker.deadlineMs,
      ...(Object.keys(consumers).length > 0 ? { consumers } : {}),
    },
    maxBodyBytes: TopologyDefaults.maxBodyBytes,
    dataPackDir: pack.dir,
    communities: [
      ...simulated.map((store, i) => ({
        kind: 'simulated' as const,
        store,
        port: opts.portBase === 0 ? 0 : opts.portBase + GATEWAY_PORT_OFFSET + i,
        protocol: protocols[i]!,
      })),
      ...external,
    ],
  };
  return { topology, pack, faults };
}

/**
 * What each simulated community speaks: `communities.<name or homeCommunityId>.protocol` when the
 * spec says, else `mhd` for the `mhdGateways` after the first `xcaCount`, else what the pack's
 * manifest says (`protocol`), else `xca`.
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming every `communities` key that is not a simulated
 *   community.
 */
function simulatedProtocols(
  spec: TopologySpec,
  simulated: readonly CommunityData[],
  xcaCount: number,
): CommunityProtocol[] {
  const given = spec.communities ?? {};
  const unknown = Object.keys(given).filter(
    (ref) => !simulated.some((c) => c.name === ref || c.homeCommunityId === ref),
  );
  if (unknown.length > 0) {
    const known = simulated.map((c) => c.name).join(', ') || '(none)';
    throw new SimError(
      SimErrorCode.BadArgument,
      `${unknown.map((ref) => `communities.${ref}: no simulated community named or with homeCommunityId '${ref}'`).join('; ')} (simulated: ${known}; raise gateways or mhdGateways to simulate more of the pack)`,
    );
  }
  return simulated.map(
    (c, i) =>
      (given[c.name] ?? given[c.homeCommunityId])?.protocol ??
      (i >= xcaCount ? 'mhd' : (c.protocol ?? 'xca')),
  );
}

/**
 * Consumer profiles with every community given by name or homeCommunityId turned into its
 * homeCommunityId (what the broker's directory matches on).
 * @throws SimError SIM_ERR_BAD_ARGUMENT naming every unknown community.
 */
function resolveConsumers(
  consumers: Readonly<Record<string, { include?: string[] | undefined; exclude?: string[] | undefined }>>,
  communities: readonly { name: string; homeCommunityId: string }[],
): Record<string, ConsumerProfile> {
  const problems: string[] = [];
  const toId = (ref: string, where: string): string | undefined => {
    const c = communities.find((x) => x.name === ref || x.homeCommunityId === ref);
    if (!c) problems.push(`${where}: no community named or with homeCommunityId '${ref}'`);
    return c?.homeCommunityId;
  };
  const out: Record<string, ConsumerProfile> = {};
  for (const [consumer, p] of Object.entries(consumers)) {
    const profile: ConsumerProfile = {};
    for (const key of ['include', 'exclude'] as const) {
      const refs = p[key];
      if (refs === undefined) continue;
      profile[key] = refs.flatMap((ref, i) => toId(ref, `broker.consumers.${consumer}.${key}[${i}]`) ?? []);
    }
    out[consumer] = profile;
  }
  if (problems.length > 0) {
    const known = communities.map((c) => c.name).join(', ');
    throw new SimError(SimErrorCode.BadArgument, `${problems.join('; ')} (known: ${known})`);
  }
  return out;
}

/** The pack directory: given (relative to baseDir), generated and cached, or the default pack. */
async function packDir(spec: TopologySpec, baseDir: string): Promise<string> {
  const p = spec.dataPack;
  if (p === undefined) return defaultDataPackDir;
  if (typeof p === 'string') return path.resolve(baseDir, p);
  const suffix = p.patients === 60 ? '' : `-patients-${p.patients}`;
  const dir = path.join(stateHome(), 'data-packs', `seed-${p.seed}-communities-${p.communities}${suffix}`);
  if (!existsSync(path.join(dir, 'pack.json'))) {
    await generateDataPack({ seed: p.seed, communities: p.communities, patients: p.patients, outDir: dir });
  }
  return dir;
}

/**
 * Resolve the options into a topology, its pack and its faults.
 * @throws SimError as specFromOptions and resolveTopology do.
 */
export async function topologyFromOptions(o: UpOptions): Promise<ResolvedTopology & { spec: TopologySpec }> {
  return topologyFromSpec(await specFromOptions(o), o);
}

/**
 * Resolve an already described topology (specFromOptions' result) on the options' host and ports.
 * @throws SimError as resolveTopology does.
 */
export async function topologyFromSpec(
  d: DescribedTopology,
  o: Pick<UpOptions, 'host' | 'portBase'>,
): Promise<ResolvedTopology & { spec: TopologySpec }> {
  const resolved = await resolveTopology(d.spec, { baseDir: d.baseDir, host: o.host, portBase: o.portBase });
  return { ...resolved, spec: d.spec };
}
