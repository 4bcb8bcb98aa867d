/**
 * Structural validation of pack.json (pack-format.ts PackManifest, schemaVersion 1). Every problem
 * is collected, one line each, so a user can fix a pack in one pass.
 */
import { isHomeCommunityId, isOid } from '../shared/ids.js';
import {
  PACK_SCHEMA_VERSION,
  UNKNOWN_PATIENT_POLICIES,
  type CommunityManifest,
  type PackManifest,
  type UnknownPatientPolicy,
} from './pack-format.js';

/** A value read from JSON, not yet trusted. */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** Check one community object; push problems prefixed with its position. */
function checkCommunity(c: unknown, i: number, problems: string[]): void {
  const where = `pack.json communities[${i}]`;
  if (!isObject(c)) {
    problems.push(`${where}: must be an object`);
    return;
  }
  if (!isNonEmptyString(c['name']) || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(c['name'])) {
    problems.push(`${where}: name must be kebab-case (a-z, 0-9, single hyphens)`);
  }
  for (const key of ['displayName', 'organisationCode', 'organisationName'] as const) {
    if (!isNonEmptyString(c[key])) problems.push(`${where}: ${key} must be a non-empty string`);
  }
  if (typeof c['homeCommunityId'] !== 'string' || !isHomeCommunityId(c['homeCommunityId'])) {
    problems.push(`${where}: homeCommunityId must be urn:oid:<OID> of at most 64 characters`);
  }
  for (const key of ['repositoryUniqueId', 'organisationOid'] as const) {
    if (typeof c[key] !== 'string' || !isOid(c[key])) problems.push(`${where}: ${key} must be an OID`);
  }
  if (!UNKNOWN_PATIENT_POLICIES.includes(c['unknownPatientPolicy'] as UnknownPatientPolicy)) {
    problems.push(`${where}: unknownPatientPolicy must be one of ${UNKNOWN_PATIENT_POLICIES.join(', ')}`);
  }
  if (c['protocol'] !== undefined && c['protocol'] !== 'xca' && c['protocol'] !== 'mhd') {
    problems.push(`${where}: protocol must be xca or mhd (or absent: xca)`);
  }
}

/** Names and homeCommunityIds must be unique across the pack. */
function checkUnique(communities: Json[], problems: string[]): void {
  for (const key of ['name', 'homeCommunityId', 'repositoryUniqueId'] as const) {
    const seen = new Set<unknown>();
    for (const c of communities) {
      if (seen.has(c[key])) problems.push(`pack.json: duplicate community ${key} ${String(c[key])}`);
      seen.add(c[key]);
    }
  }
}

/** Check the top-level fields other than communities. */
function checkTopLevel(m: Json, problems: string[]): void {
  if (!isNonEmptyString(m['generatorVersion']))
    problems.push('pack.json: generatorVersion must be a non-empty string');
  if (!isCount(m['seed'])) problems.push('pack.json: seed must be a whole number >= 0');
  if (typeof m['referenceTime'] !== 'string' || Number.isNaN(Date.parse(m['referenceTime']))) {
    problems.push('pack.json: referenceTime must be an ISO 8601 date-time');
  }
  if (typeof m['uidRoot'] !== 'string' || !isOid(m['uidRoot']))
    problems.push('pack.json: uidRoot must be an OID');
  const counts = m['counts'];
  if (
    !isObject(counts) ||
    !isCount(counts['communities']) ||
    !isCount(counts['patients']) ||
    !isCount(counts['documents'])
  ) {
    problems.push('pack.json: counts must hold whole-number communities, patients and documents');
  }
  const imaging = m['imaging'];
  if (imaging !== undefined) {
    const ok =
      isObject(imaging) &&
      (['series', 'instances', 'rows', 'columns', 'frames'] as const).every(
        (k) => isCount(imaging[k]) && imaging[k] > 0,
      ) &&
      typeof imaging['transferSyntaxUid'] === 'string' &&
      isOid(imaging['transferSyntaxUid']);
    if (!ok)
      problems.push(
        'pack.json: imaging must hold whole numbers > 0 series, instances, rows, columns, frames and a transferSyntaxUid',
      );
  }
}

/**
 * Validate parsed pack.json.
 * @returns the manifest (typed) when the structure is usable, and every problem found. A wrong
 *   schemaVersion stops further checks, since the rest of the file may mean something else.
 */
export function validateManifest(json: unknown): { manifest?: PackManifest; problems: string[] } {
  if (!isObject(json)) return { problems: ['pack.json: must be a JSON object'] };
  if (json['schemaVersion'] !== PACK_SCHEMA_VERSION) {
    return {
      problems: [
        `pack.json: schemaVersion ${String(json['schemaVersion'])} is not supported (expected ${PACK_SCHEMA_VERSION})`,
      ],
    };
  }
  const problems: string[] = [];
  checkTopLevel(json, problems);
  const communities = json['communities'];
  if (!Array.isArray(communities) || communities.length === 0) {
    problems.push('pack.json: communities must be a non-empty array');
    return { problems };
  }
  communities.forEach((c, i) => checkCommunity(c, i, problems));
  checkUnique(communities.filter(isObject), problems);
  if (problems.length > 0) return { problems };
  return { manifest: json as unknown as PackManifest, problems };
}

/** The community manifest fields only (drops anything extra a hand-edited pack.json carries). */
export function communityFields(c: CommunityManifest): CommunityManifest {
  return {
    name: c.name,
    displayName: c.displayName,
    homeCommunityId: c.homeCommunityId,
    repositoryUniqueId: c.repositoryUniqueId,
    organisationCode: c.organisationCode,
    organisationName: c.organisationName,
    organisationOid: c.organisationOid,
    unknownPatientPolicy: c.unknownPatientPolicy,
    ...(c.protocol !== undefined ? { protocol: c.protocol } : {}),
  };
}
