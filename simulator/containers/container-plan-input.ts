/**
 * The container plan input of a resolved topology (docs/containers.md), one rule for `sim compose render`
 * and `sim up --runtime docker`: its simulated communities in order (with what each speaks), its external communities,
 * deadline, fault seed and ports; the committed default pack is used from the image (the only pack
 * compose/Dockerfile copies, see .dockerignore), any other is bind-mounted read-only from the host.
 */
import path from 'node:path';
import type { ContainerPlanInput, ContainerSecurity } from './container-plan.js';
import type { Topology } from '../topology/topology.js';
import { defaultDataPackDir } from '../shared/sim-paths.js';

/** The pack the project image carries, on the host and in the image (relative to /app). */
const IMAGE_PACK = { hostDir: defaultDataPackDir, inImage: 'data-packs/default' } as const;

/**
 * The plan input of `topology`.
 * @param o `seed` of the fault PRNG streams; `portBase` host port of the broker sandbox;
 *   `hostIp` where ports are published (default 127.0.0.1); `security` the certificate directory
 *   and the containers' user when security is on (container-certs.ts); `communitiesPerContainer`
 *   how many communities a gateway container hosts (default: at most 8 gateway containers).
 */
export function containerPlanInput(
  topology: Topology,
  o: {
    seed: number;
    portBase: number;
    hostIp?: string;
    security?: ContainerSecurity;
    communitiesPerContainer?: number;
  },
): ContainerPlanInput {
  const dir = path.resolve(topology.dataPackDir ?? defaultDataPackDir);
  return {
    communities: topology.communities.flatMap((c) =>
      c.kind === 'simulated'
        ? [
            {
              name: c.store.name,
              homeCommunityId: c.store.homeCommunityId,
              ...(c.protocol === 'mhd' ? { protocol: c.protocol } : {}),
            },
          ]
        : [],
    ),
    external: topology.communities.filter((c) => c.kind === 'external'),
    dataPack: dir === path.resolve(IMAGE_PACK.hostDir) ? { inImage: IMAGE_PACK.inImage } : { hostDir: dir },
    deadlineMs: topology.broker.deadlineMs,
    ...(Object.keys(topology.broker.consumers ?? {}).length > 0
      ? { consumers: topology.broker.consumers! }
      : {}),
    seed: o.seed,
    portBase: o.portBase,
    ...(o.hostIp !== undefined ? { hostIp: o.hostIp } : {}),
    ...(o.security !== undefined ? { security: o.security } : {}),
    ...(o.communitiesPerContainer !== undefined
      ? { communitiesPerContainer: o.communitiesPerContainer }
      : {}),
  };
}
