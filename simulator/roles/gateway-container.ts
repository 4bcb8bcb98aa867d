/**
 * The gateway role of the container stack (docs/containers.md): what `sim serve gateway` starts in its
 * container. The responding gateways of one or several communities in one process (one listener
 * each) plus one control API, over a FaultStore that holds the faults for those communities only
 * (role.ts), so a 200-community network needs a few containers, not 200.
 */
import { FaultStore } from '../faults/fault-store.js';
import { startRespondingGateway, type RunningGateway } from '../gateway/gateway-server.js';
import type { CommunityStore } from '../gateway/community-store.js';
import { communityView, simulatedCommunityEndpoint } from '../topology/endpoint-table.js';
import type { CommunityProtocol } from '../topology/topology.js';
import { roleControl, type RoleListen, type RunningRole } from './role.js';

/**
 * The FHIR base the broker knows an MHD community of this container by: `fhirBase` (the
 * listener's own, `https://0.0.0.0:port/fhir`) on the host named after the community (the
 * container network alias, containers/container-plan.ts brokerCommand), the audience of the
 * broker's leg tokens (broker/mhd-leg-token.ts).
 */
function serviceFhirBase(fhirBase: string, community: string): string {
  const u = new URL(fhirBase);
  u.hostname = community;
  return u.href.replace(/\/+$/, '');
}

/**
 * Start the responding gateways (ITI-38, ITI-39, RAD-75 as in-process) of `communities`, the j-th
 * on port `where.port + j` (0: a free port each), and one control API, which accepts faults whose
 * `gateway` is one of them. With `certsDir` (a certificate set as `sim certs generate` mints it,
 * certs/README.md) each gateway serves HTTPS with mutual TLS under its own community's certificate
 * and requires the broker's signed XUA assertion (an MHD community: its IUA leg token, audience
 * its FHIR base under the community's name or the listener's address); the control API, plain HTTP, is then the health URL.
 * Those named in `mhd` serve as MHD Document Responders instead (IHE MHD ITI-67/ITI-68 under
 * `/fhir`, shared/fhir-endpoints.ts). `url` of the running role is the first community's gateway.
 * @throws SimError SIM_ERR_PORT_IN_USE when a port is taken; Error when `communities` is empty.
 */
export async function startGatewayRole(
  communities: readonly CommunityStore[],
  where: RoleListen & { maxBodyBytes: number; certsDir?: string; mhd?: readonly string[] },
): Promise<RunningRole> {
  if (communities.length === 0) throw new Error('startGatewayRole: no community to serve');
  const protocolOf = (c: CommunityStore): CommunityProtocol => (where.mhd?.includes(c.name) ? 'mhd' : 'xca');
  const names = communities.map((c) => c.name);
  const faults = new FaultStore(where.seed, () => names);
  const logger = where.logger.child({ component: 'gateways' });
  // With a certificate set: HTTPS with mutual TLS (NIR root) and XUA on the forwarded assertion,
  // as the in-process runtime's secured gateways (docs/security.md); the control API stays plain HTTP.
  // One security runtime for all the container's communities: their validators share its signature
  // verifications, so the broker's forwarded assertion is verified once here, not once per community.
  // Loaded only then, so a plain gateway holds no TLS, XUA or signature-verification code.
  const security =
    where.certsDir === undefined
      ? undefined
      : (await import('../runtime/security-runtime.js')).securityFromDirectory(
          where.certsDir,
          names,
          {},
          logger,
        );
  const gateways: RunningGateway[] = [];
  const stopGateways = async (): Promise<void> => {
    await Promise.all(gateways.map((g) => g.stop()));
  };
  try {
    // One after the other: a port clash names the first community that could not listen.
    for (const [j, community] of communities.entries()) {
      const protocol = protocolOf(community);
      gateways.push(
        await startRespondingGateway({
          community,
          ...(protocol === 'mhd' ? { protocol } : {}),
          logger: where.logger.child({ community: community.name }),
          maxBodyBytes: where.maxBodyBytes,
          host: where.host,
          port: where.port === 0 ? 0 : where.port + j,
          faults,
          ...(security
            ? security.gateway(community.name, community.homeCommunityId, (fhirBase) => [
                serviceFhirBase(fhirBase, community.name),
              ])
            : {}),
        }),
      );
    }
  } catch (err) {
    security?.stop();
    await stopGateways();
    throw err;
  }
  const selves = communities.map((c, j) =>
    communityView(simulatedCommunityEndpoint(c, protocolOf(c), gateways[j]!.url), 'simulated'),
  );
  const control = await roleControl(faults, where, () => selves, logger).catch(async (err: unknown) => {
    security?.stop();
    await stopGateways();
    throw err;
  });
  return {
    url: gateways[0]!.url,
    control: { url: control.url },
    gateways: communities.map((c, j) => ({ name: c.name, url: gateways[j]!.url })),
    stop: async () => {
      security?.stop();
      await Promise.all([control.stop(), stopGateways()]);
    },
  };
}
