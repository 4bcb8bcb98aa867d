/**
 * The synthetic communities of a generated pack: regional imaging networks named after NHS England
 * regions, each an XCA responding gateway with its own homeCommunityId. Derived only from the index,
 * so the same count always gives the same communities whatever the seed.
 */
import type { CommunityManifest, UnknownPatientPolicy } from './pack-format.js';
import { communityOids } from './uids.js';

/** Regions used for names, in order; more communities than regions get a numeric suffix. */
const REGIONS = [
  'North East',
  'North West',
  'Yorkshire',
  'Midlands',
  'East of England',
  'London',
  'South East',
  'South West',
] as const;

/** Most communities one pack may have (the CLI's limit). */
export const MAX_COMMUNITIES = 200;

const kebab = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/**
 * Organisation code in the shape of an ODS code, but in a `SIM` block that no real ODS
 * organisation uses (NHS trust codes are `R` + two characters, so look-alikes such as `SIM01` would
 * name real trusts): `SIM01` ... `SIM200`.
 */
function organisationCode(index: number): string {
  return `SIM${String(index + 1).padStart(2, '0')}`;
}

/**
 * Every third community (the 2nd, 5th, ...) answers an unknown patient with XDSUnknownPatientId, the
 * others with an empty Success, so a pack of two or more exercises both broker paths.
 */
function policy(index: number): UnknownPatientPolicy {
  return index % 3 === 1 ? 'XDSUnknownPatientId' : 'empty-success';
}

/**
 * The manifest entry of the community at 0-based `index` (OIDs use `index + 1`, see uids.ts).
 * @throws RangeError when index is outside 0 .. MAX_COMMUNITIES - 1.
 */
export function communityManifest(uidRoot: string, index: number): CommunityManifest {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_COMMUNITIES) {
    throw new RangeError(`community index must be 0..${MAX_COMMUNITIES - 1}, got ${index}`);
  }
  const region = REGIONS[index % REGIONS.length]!;
  const round = Math.floor(index / REGIONS.length);
  const displayName = `${region} Imaging Network${round > 0 ? ` ${round + 1}` : ''}`;
  const { homeCommunityId, repositoryUniqueId, organisationOid } = communityOids(uidRoot, index + 1);
  return {
    name: kebab(displayName),
    displayName,
    homeCommunityId,
    repositoryUniqueId,
    organisationCode: organisationCode(index),
    organisationName: `${region} Imaging Network NHS Trust${round > 0 ? ` ${round + 1}` : ''}`,
    organisationOid,
    unknownPatientPolicy: policy(index),
  };
}
