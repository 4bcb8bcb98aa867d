/**
 * Turning `sim up` options into a Topology: which data pack (the committed default, a given
 * directory, or one generated on demand for another seed or gateway count) and which ports.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { generateDataPack } from '../data-pack/generator.js';
import { loadDataPack, type DataPack } from '../data-pack/loader.js';
import { SimError } from '../shared/errors.js';
import { TopologyDefaults, type Topology } from '../runtime/topology.js';
import { defaultDataPackDir, stateHome } from './paths.js';

/** `sim up` options that shape the topology. */
export interface UpOptions {
  gateways?: number;
  dataPack?: string;
  seed?: number;
  /** Broker sandbox port; gateways listen from portBase + 921 (9001 for the default 8080). */
  portBase: number;
  deadlineMs: number;
  host: string;
}

/** Offset from the broker port to the first gateway port (8080 -> 9001). */
export const GATEWAY_PORT_OFFSET = TopologyDefaults.gatewayPortBase - TopologyDefaults.brokerPort;

const DEFAULT_SEED = 42;
const DEFAULT_GATEWAYS = 3;

/**
 * Resolve the data pack and build the topology.
 * @throws SimError SIM_ERR_DATA_PACK_MISSING / _INVALID from the loader, SIM_ERR_BAD_ARGUMENT when
 *   the pack has fewer communities than --gateways.
 */
export async function topologyFromOptions(o: UpOptions): Promise<{ topology: Topology; pack: DataPack }> {
  const dir = await packDirFor(o);
  const pack = await loadDataPack(dir);
  const n = o.gateways ?? pack.communities.length;
  if (n < 1 || n > pack.communities.length) {
    throw new SimError(
      'SIM_ERR_BAD_ARGUMENT',
      `data pack ${dir} has ${pack.communities.length} communities, so --gateways must be 1..${pack.communities.length} (or omit --data-pack to generate one)`,
    );
  }
  const topology: Topology = {
    host: o.host,
    broker: { port: o.portBase, deadlineMs: o.deadlineMs },
    maxBodyBytes: TopologyDefaults.maxBodyBytes,
    dataPackDir: dir,
    communities: pack.communities.slice(0, n).map((store, i) => ({
      kind: 'simulated',
      store,
      port: o.portBase === 0 ? 0 : o.portBase + GATEWAY_PORT_OFFSET + i,
    })),
  };
  return { topology, pack };
}

async function packDirFor(o: UpOptions): Promise<string> {
  if (o.dataPack !== undefined) return path.resolve(o.dataPack);
  const seed = o.seed ?? DEFAULT_SEED;
  const gateways = o.gateways ?? DEFAULT_GATEWAYS;
  if (seed === DEFAULT_SEED && gateways <= DEFAULT_GATEWAYS) return defaultDataPackDir;
  const dir = path.join(stateHome(), 'data-packs', `seed-${seed}-communities-${gateways}`);
  if (!existsSync(path.join(dir, 'pack.json'))) {
    await generateDataPack({ seed, communities: gateways, patients: 60, outDir: dir });
  }
  return dir;
}
