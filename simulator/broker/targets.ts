/**
 * Resolving a homeCommunityId named by the consumer into a community, or the IHE error for it
 * (ITI TF-2 3.38.4.1.3: XDSUnknownCommunity).
 */
import { ErrorCode } from '../xca/constants.js';
import { registryError } from '../xca/status.js';
import type { RegistryError } from '../xca/types.js';
import type { CommunityDirectory, CommunityEndpoint } from './community-directory.js';

/** The community, or an XDSUnknownCommunity error (unknown, or excluded for this consumer). */
export function resolveTarget(
  directory: CommunityDirectory,
  consumerId: string | undefined,
  homeCommunityId: string,
): { community: CommunityEndpoint } | { error: RegistryError } {
  const r = directory.resolve(consumerId, homeCommunityId);
  if ('endpoints' in r) return { community: r };
  const why =
    r.kind === 'unknown'
      ? `homeCommunityId ${homeCommunityId} is not a community NIR knows`
      : `homeCommunityId ${homeCommunityId} is excluded by the profile of consumer '${consumerId ?? ''}'`;
  return { error: registryError(ErrorCode.XDSUnknownCommunity, why) };
}
